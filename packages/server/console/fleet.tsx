// The fleet at a glance: GET /api/v1/fleet every few seconds (sessions/s from two readings of the started-sessions
// counter), the running campaigns when the server has campaigns, and the latest server events as they arrive.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiProblem, type Page } from "./api.js";
import { ago } from "./format.js";
import { useServerEvents, type ServerEvent } from "./live.js";

interface Fleet {
  readonly at: string;
  readonly devices: { total: number; provisioned: number; registered: number; disabled: number };
  readonly lastContact: { hour: number; day: number; week: number; never: number };
  readonly openSessions: number;
  readonly queueDepth: number;
  readonly sessionsStarted: number | null;
  readonly requestsShed: number | null;
}

const POLL_MS = 5000;

function Stat({ label, value, href }: { label: string; value: string | number; href?: string }) {
  return (
    <div class="stat">
      <dt>{label}</dt>
      <dd>{href === undefined ? value : <a href={href}>{value}</a>}</dd>
    </div>
  );
}

/** The running campaigns' count; null when this server has no campaigns API. */
async function runningCampaigns(): Promise<number | null> {
  try {
    const page = await api<Page<unknown>>("/api/v1/campaigns", { query: { state: "running", limit: 100 } });
    return page.items.length;
  } catch (e) {
    if (e instanceof ApiProblem && (e.status === 404 || e.status === 400)) return null;
    throw e;
  }
}

export function FleetView() {
  const [fleet, setFleet] = useState<Fleet | null>(null);
  const [rate, setRate] = useState<number | null>(null);
  const [campaigns, setCampaigns] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [events, setEvents] = useState<ServerEvent[]>([]);
  const previous = useRef<Fleet | null>(null);

  useEffect(() => {
    let stopped = false;
    const read = async (): Promise<void> => {
      try {
        const next = await api<Fleet>("/api/v1/fleet");
        const before = previous.current;
        if (before?.sessionsStarted != null && next.sessionsStarted !== null) {
          const seconds = (Date.parse(next.at) - Date.parse(before.at)) / 1000;
          if (seconds > 0) setRate((next.sessionsStarted - before.sessionsStarted) / seconds);
        }
        previous.current = next;
        if (!stopped) setFleet(next);
        setCampaigns(await runningCampaigns());
        setError(null);
      } catch (e) {
        setError(String(e instanceof Error ? e.message : e));
      }
    };
    void read();
    const timer = setInterval(() => void read(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  useServerEvents((e) => {
    setEvents((list) => [e, ...list].slice(0, 15));
  });

  return (
    <>
      <h1>Fleet</h1>
      {error !== null && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {fleet === null ? (
        <p>Loading…</p>
      ) : (
        <div class="panels">
          <section aria-labelledby="by-state">
            <h2 id="by-state">Devices by state</h2>
            <dl class="stats">
              <Stat label="All" value={fleet.devices.total} href="#/devices" />
              <Stat label="Registered" value={fleet.devices.registered} href="#/devices?filter=state%3Dregistered" />
              <Stat label="Provisioned" value={fleet.devices.provisioned} href="#/devices?filter=state%3Dprovisioned" />
              <Stat label="Disabled" value={fleet.devices.disabled} href="#/devices?filter=state%3Ddisabled" />
            </dl>
          </section>
          <section aria-labelledby="by-contact">
            <h2 id="by-contact">Last contact</h2>
            <dl class="stats">
              <Stat label="Last hour" value={fleet.lastContact.hour} href="#/devices?filter=lastContact%3C1h" />
              <Stat label="Last day" value={fleet.lastContact.day} href="#/devices?filter=lastContact%3C1d" />
              <Stat label="Last week" value={fleet.lastContact.week} href="#/devices?filter=lastContact%3C1w" />
              <Stat label="Never" value={fleet.lastContact.never} />
            </dl>
          </section>
          <section aria-labelledby="server">
            <h2 id="server">Server</h2>
            <dl class="stats">
              <Stat label="Open sessions" value={fleet.openSessions} />
              <Stat label="Sessions/s" value={rate === null ? "…" : rate.toFixed(1)} />
              <Stat label="Queued commands" value={fleet.queueDepth} />
              <Stat label="Shed (503)" value={fleet.requestsShed ?? "n/a"} />
              {campaigns !== null && (
                <Stat label="Campaigns running" value={campaigns} href="#/campaigns?state=running" />
              )}
            </dl>
          </section>
        </div>
      )}
      <section aria-labelledby="live">
        <h2 id="live">Live events</h2>
        {events.length === 0 ? (
          <p class="muted">Waiting for events…</p>
        ) : (
          <ul class="events" aria-live="polite">
            {events.map((e) => (
              <li key={e.id}>
                <span class="kind">{e.kind}</span>{" "}
                {e.deviceId !== null && <a href={`#/devices/${encodeURIComponent(e.deviceId)}`}>{e.deviceId}</a>}{" "}
                <span class="muted">{ago(e.at)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
