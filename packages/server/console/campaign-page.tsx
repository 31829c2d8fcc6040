// One campaign (docs/campaigns.md): its state (and the reason when it halted or was cancelled), a progress bar per
// wave with its devices counted by state, the totals, its steps and plan, its devices, and the actions its state
// allows (start, pause, resume, cancel; CSRF-protected writes like every other). `campaign.*` events about it read
// it again, so the bars move as the devices do, without reloading the page.
import { useCallback, useState } from "preact/hooks";
import { api, enc, type Page } from "./api.js";
import { ACTIONS, type Action, type Campaign, DEVICE_STATES, STATE_LABEL, useLiveLoad } from "./campaign-data.js";
import { ProgressBar } from "./campaign-progress.js";
import { ago, clock } from "./format.js";

interface CampaignDevice {
  readonly deviceId: string;
  readonly wave: number;
  readonly state: (typeof DEVICE_STATES)[number];
  readonly step: number;
  readonly reason: string | null;
  readonly attempts: number;
  readonly wakes: number;
  readonly updatedAt: string;
}

const DEVICES_SHOWN = 50;
const ACTION_LABEL: Readonly<Record<Action, string>> = {
  start: "Start",
  pause: "Pause",
  resume: "Resume",
  cancel: "Cancel campaign",
};

const percent = (v: number): string => `${Math.round(v * 1000) / 10}%`;

function PlanList({ plan }: { plan: Campaign["plan"] }) {
  const rows: [string, string][] = [
    ["Waves", plan.waves.length > 0 ? plan.waves.join(", ") : "one wave"],
    ["Success threshold", percent(plan.successThreshold)],
    ["Error threshold", percent(plan.errorThreshold)],
    ["Max in flight", String(plan.maxInFlight)],
    ["Rate per minute", plan.ratePerMinute === null ? "not limited" : String(plan.ratePerMinute)],
    ["Retries", String(plan.retryLimit)],
  ];
  return (
    <dl class="pairs">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Devices({ id }: { id: string }) {
  const [state, setState] = useState("");
  const load = useCallback(
    () => api<Page<CampaignDevice>>(`/api/v1/campaigns/${enc(id)}/devices`, { query: { state, limit: DEVICES_SHOWN } }),
    [id, state],
  );
  const { data, error } = useLiveLoad(load, id);
  return (
    <>
      <div class="toolbar">
        <label for="device-state" class="inline">
          Devices in state
        </label>{" "}
        <select
          id="device-state"
          value={state}
          onChange={(e) => {
            setState(e.currentTarget.value);
          }}
        >
          <option value="">any</option>
          {DEVICE_STATES.map((s) => (
            <option key={s} value={s}>
              {STATE_LABEL[s]}
            </option>
          ))}
        </select>
      </div>
      {error !== null && <p class="error">{error}</p>}
      {data !== null && data.items.length === 0 && <p class="muted">None.</p>}
      {data !== null && data.items.length > 0 && (
        <div class="scroll">
          <table>
            <caption class="sr-only">The campaign's devices, ordered by id (the first {DEVICES_SHOWN})</caption>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Wave</th>
                <th scope="col">State</th>
                <th scope="col">Steps done</th>
                <th scope="col">Reason</th>
                <th scope="col">Changed</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((d) => (
                <tr key={d.deviceId}>
                  <td>
                    <a href={`#/devices/${enc(d.deviceId)}`}>{d.deviceId}</a>
                  </td>
                  <td>{d.wave + 1}</td>
                  <td class={`state-${d.state}`}>{STATE_LABEL[d.state]}</td>
                  <td>{d.step}</td>
                  <td>{d.reason ?? ""}</td>
                  <td title={clock(d.updatedAt)}>{ago(d.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data?.nextCursor != null && <p class="muted">The first {DEVICES_SHOWN} shown; choose a state to narrow.</p>}
    </>
  );
}

export function CampaignPage({ id }: { id: string }) {
  const load = useCallback(() => api<Campaign>(`/api/v1/campaigns/${enc(id)}`), [id]);
  const { data: c, error, reload } = useLiveLoad(load, id);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);

  const act = async (action: Action): Promise<void> => {
    if (action === "cancel" && !confirm("Cancel this campaign? Devices not done yet are skipped.")) return;
    try {
      await api(`/api/v1/campaigns/${enc(id)}/${action}`, { method: "POST" });
      setNotice({ ok: true, text: `${ACTION_LABEL[action]}: done` });
    } catch (e) {
      setNotice({ ok: false, text: `${ACTION_LABEL[action]}: ${e instanceof Error ? e.message : String(e)}` });
    }
    reload();
  };

  if (c === null)
    return error === null ? (
      <p>Loading…</p>
    ) : (
      <p role="alert" class="error">
        {error}
      </p>
    );
  const waves = c.waves ?? [];
  return (
    <>
      <p class="crumbs">
        <a href="#/campaigns">Campaigns</a>
      </p>
      <h1>Campaign {c.name}</h1>
      <p class="summary">
        <span class={`badge state-${c.state}`} data-campaign-state={c.state} aria-live="polite">
          {c.state}
        </span>
        {c.kind === "wake" ? "bulk wake" : `${c.steps.length} steps`} · {c.deviceCount} devices
        {c.waveCount > 0 && ` · wave ${Math.min(c.currentWave + 1, c.waveCount)} of ${c.waveCount}`}
        {c.currentRate !== null && ` · ${c.currentRate.toFixed(1)} devices/min`} · target{" "}
        <code>{c.target.filter ?? `group ${c.target.group ?? ""}`}</code>
        {c.startedAt !== null && <span title={clock(c.startedAt)}> · started {ago(c.startedAt)}</span>}
      </p>
      {c.reason !== null && (
        <p role="alert" class="error reason">
          {c.state === "halted" ? "Halted: " : c.state === "cancelled" ? "Cancelled: " : ""}
          {c.reason}
        </p>
      )}
      <div class="toolbar">
        {ACTIONS[c.state].map((a) => (
          <button key={a} type="button" class={a === "cancel" ? "danger" : undefined} onClick={() => void act(a)}>
            {ACTION_LABEL[a]}
          </button>
        ))}
        {notice !== null && (
          <span role="status" class={notice.ok ? "ok" : "error"}>
            {notice.text}
          </span>
        )}
      </div>
      <div class="columns">
        <div>
          <section aria-labelledby="waves" class="card">
            <h2 id="waves">Waves</h2>
            {waves.length === 0 ? (
              <p class="muted">The target becomes waves when the campaign starts.</p>
            ) : (
              <ol class="waves">
                {waves.map((w) => (
                  <li
                    key={w.wave}
                    data-wave={w.wave}
                    aria-current={w.wave === c.currentWave && c.state === "running" ? "step" : undefined}
                  >
                    <h3>
                      Wave {w.wave + 1} <span class="muted">· {w.size} devices</span>
                    </h3>
                    <ProgressBar label={`Wave ${w.wave + 1}`} size={w.size} counts={w.counts} />
                  </li>
                ))}
              </ol>
            )}
            {c.totals !== undefined && waves.length > 1 && (
              <>
                <h3>All waves</h3>
                <ProgressBar label="All waves" size={c.deviceCount} counts={c.totals} />
              </>
            )}
          </section>
          <section aria-labelledby="campaign-devices" class="card">
            <h2 id="campaign-devices">Devices</h2>
            <Devices id={c.id} />
          </section>
        </div>
        <div>
          <section aria-labelledby="steps" class="card">
            <h2 id="steps">Steps</h2>
            {c.steps.length === 0 ? (
              <p class="muted">None: a device is done when it opens a session.</p>
            ) : (
              <ol>
                {c.steps.map((s, i) => (
                  <li key={i}>
                    {s.name !== s.command[0] && <strong>{s.name}: </strong>}
                    <code>{s.command.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join(" ")}</code>
                  </li>
                ))}
              </ol>
            )}
          </section>
          <section aria-labelledby="plan" class="card">
            <h2 id="plan">Plan</h2>
            <PlanList plan={c.plan} />
          </section>
        </div>
      </div>
    </>
  );
}
