// One device: what it is (DevInfo, MOS inventory), what its tree last said (GET results, SUB reports), its DM
// sessions as a timeline with the commands each package carried, its commands with their results, alerts, uploads
// and notifications; and what the operator can do: queue a command, wake it, cancel a queued command. Any server
// event about the device reloads the page's data, so a command's result appears as soon as it arrives.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, enc } from "./api.js";
import { CommandForm } from "./command-form.js";
import { loadDevice, type Command, type DeviceData, type Session } from "./device-data.js";
import { ago, clock, leaves } from "./format.js";
import { useServerEvents } from "./live.js";

const When = ({ at }: { at: string | null }) => (
  <time dateTime={at ?? undefined} title={clock(at)}>
    {ago(at)}
  </time>
);

function Section({ id, title, children }: { id: string; title: string; children: preact.ComponentChildren }) {
  return (
    <section aria-labelledby={id} class="card">
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function resultText(c: Command): string {
  if (c.result === null) return c.reason ?? "";
  const values = (Array.isArray(c.result.data) ? c.result.data : [c.result.data]).flatMap((item: unknown) => {
    const mo = item as { MOData?: unknown } | null;
    return mo?.MOData === undefined ? [JSON.stringify(item)] : leaves("", mo.MOData).map(([k, v]) => `${k} = ${v}`);
  });
  return values.join("; ");
}

function Timeline({ sessions, commands }: { sessions: Session[]; commands: Command[] }) {
  if (sessions.length === 0) return <p class="muted">No DM session yet.</p>;
  return (
    <ol class="timeline">
      {sessions.map((s) => {
        const carried = commands.filter((c) => c.sessionId === s.id);
        const packages = [...new Set(carried.map((c) => c.packageNo ?? 0))].sort((a, b) => a - b);
        return (
          <li key={s.id} class="session" data-session-id={s.id}>
            <p>
              <strong>Session</strong> <code>{s.id}</code> <When at={s.createdAt} /> · {s.status}
              {s.endedAt !== null && (
                <>
                  {" "}
                  · ended <When at={s.endedAt} />
                </>
              )}{" "}
              · {s.packageNo} packages
            </p>
            {packages.length > 0 && (
              <ul>
                {packages.map((p) => (
                  <li key={p}>
                    Package#2 no. {p}:{" "}
                    {carried
                      .filter((c) => (c.packageNo ?? 0) === p)
                      .map((c) => `${c.name} → ${c.statusCode ?? c.state}`)
                      .join(", ")}
                  </li>
                ))}
              </ul>
            )}
          </li>
        );
      })}
    </ol>
  );
}

export function DevicePage({ id }: { id: string }) {
  const [data, setData] = useState<DeviceData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);

  const reload = useCallback(() => {
    loadDevice(id).then(
      (d) => {
        setData(d);
        setError(null);
      },
      (e: unknown) => {
        setError(e instanceof Error ? e.message : String(e));
      },
    );
  }, [id]);
  useEffect(() => {
    setData(null);
    reload();
  }, [reload]);
  // Events come in bursts (a session's commands end together): one reload per burst.
  useServerEvents(() => {
    if (pending.current !== null) clearTimeout(pending.current);
    pending.current = setTimeout(reload, 150);
  }, id);

  const act = async (what: string, path: string): Promise<void> => {
    try {
      await api(path, { method: "POST", body: {} });
      setNotice(`${what}: done`);
      reload();
    } catch (e) {
      setNotice(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  if (error !== null && data === null)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (data === null) return <p>Loading…</p>;
  const { device } = data;
  return (
    <>
      <h1>
        Device <code>{device.id}</code>
      </h1>
      <p class="summary">
        {device.state} · last contact <When at={device.lastContactAt} /> · first contact{" "}
        <When at={device.firstContactAt} />
        {Object.entries(device.labels).map(([k, v]) => (
          <span class="label" key={k}>
            {k}={v}
          </span>
        ))}
      </p>
      <div class="toolbar">
        <button type="button" onClick={() => void act("Wake", `/api/v1/devices/${enc(device.id)}/wake`)}>
          Wake
        </button>
        {notice !== null && <span role="status">{notice}</span>}
      </div>
      <div class="columns">
        <div>
          <Section id="commands" title="Commands">
            <CommandForm deviceId={device.id} onQueued={reload} />
            <div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Command</th>
                    <th scope="col">State</th>
                    <th scope="col">Status</th>
                    <th scope="col">Result</th>
                    <th scope="col">Queued</th>
                    <th scope="col">
                      <span class="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.commands.map((c) => (
                    <tr key={c.id} data-command-id={c.id}>
                      <td>
                        {c.name} <code>{c.params.join(" ")}</code>
                      </td>
                      <td class={`state-${c.state}`}>{c.state}</td>
                      <td>{c.statusCode ?? ""}</td>
                      <td class="result">{resultText(c)}</td>
                      <td>
                        <When at={c.createdAt} />
                      </td>
                      <td>
                        {c.state === "queued" && (
                          <button
                            type="button"
                            onClick={() => void act("Cancel", `/api/v1/commands/${enc(c.id)}/cancel`)}
                          >
                            Cancel
                            <span class="sr-only">
                              {" "}
                              {c.name} {c.id}
                            </span>
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Section>
          <Section id="timeline" title="Sessions">
            <Timeline sessions={data.sessions} commands={data.commands} />
          </Section>
        </div>
        <div>
          <Section id="devinfo" title="DevInfo">
            {device.devInfo === null ? (
              <p class="muted">Not read yet.</p>
            ) : (
              <dl class="pairs">
                {leaves("", device.devInfo).map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd>{v}</dd>
                  </div>
                ))}
              </dl>
            )}
            <p class="muted">
              as of <When at={device.devInfoAt} />
            </p>
          </Section>
          <Section id="mos" title="MOS inventory">
            {device.mos === null ? (
              <p class="muted">Not reported yet.</p>
            ) : (
              <ul>
                {device.mos.map((m, i) => (
                  <li key={i}>
                    <code>{m.MOID ?? JSON.stringify(m)}</code>
                  </li>
                ))}
              </ul>
            )}
          </Section>
          <Section id="tree" title="Last known tree values">
            {data.tree.length === 0 ? (
              <p class="muted">No GET result or SUB report yet.</p>
            ) : (
              <div class="scroll">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Path</th>
                      <th scope="col">Value</th>
                      <th scope="col">From</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.tree.map((v) => (
                      <tr key={v.path}>
                        <td>
                          <code>{v.path}</code>
                        </td>
                        <td>{v.value}</td>
                        <td>
                          {v.source} <When at={v.at} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Section>
          <Section id="alerts" title="Alerts">
            {data.alerts.length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <ul>
                {data.alerts.map((a) => (
                  <li key={a.id}>
                    <code>{a.alertType}</code> {a.sourceUri ?? ""} <When at={a.receivedAt} />
                  </li>
                ))}
              </ul>
            )}
          </Section>
          <Section id="uploads" title="Uploads">
            {data.uploads.length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <ul>
                {data.uploads.map((u) => (
                  <li key={u.id}>
                    <a href={`/api/v1/uploads/${enc(u.id)}/content`} target="_blank" rel="noreferrer">
                      {u.method} {u.path}
                    </a>{" "}
                    {u.mediaType}, {u.size} bytes <When at={u.receivedAt} />
                  </li>
                ))}
              </ul>
            )}
          </Section>
          <Section id="notifications" title="Notifications (Package#0)">
            {data.notifications.length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <ul>
                {data.notifications.map((n) => (
                  <li key={n.id}>
                    #{n.notificationId} over {n.transport}: {n.outcome}
                    {n.error !== null ? ` (${n.error})` : ""} <When at={n.sentAt} />
                  </li>
                ))}
              </ul>
            )}
          </Section>
        </div>
      </div>
    </>
  );
}
