// Live updates: one EventSource on GET /api/v1/events (Server-Sent Events; the session cookie authenticates it),
// shared by every view. A view subscribes with a device filter and is called for each event; the browser
// reconnects by itself with Last-Event-ID, so nothing is missed across a short outage.
import { useEffect } from "preact/hooks";

export interface ServerEvent {
  readonly id: number;
  readonly kind: string;
  readonly deviceId: string | null;
  readonly sessionId: string | null;
  readonly commandId: string | null;
  readonly data: unknown;
  readonly at: string;
}

type Listener = (event: ServerEvent) => void;
const listeners = new Set<Listener>();
let source: EventSource | null = null;
const KINDS = [
  "command.state",
  "alert.received",
  "session.started",
  "session.ended",
  "device.registered",
  "campaign.state",
  "campaign.wave",
  "campaign.device",
];

function ensureSource(): void {
  if (source !== null) return;
  source = new EventSource("/api/v1/events");
  const dispatch = (message: MessageEvent<string>): void => {
    const event = JSON.parse(message.data) as ServerEvent;
    for (const listener of listeners) listener(event);
  };
  for (const kind of KINDS) source.addEventListener(kind, dispatch);
}

export function closeLive(): void {
  source?.close();
  source = null;
}

/** Calls `listener` for every event (of `deviceId` only, when given) while the component is mounted. */
export function useServerEvents(listener: Listener, deviceId?: string): void {
  useEffect(() => {
    const filtered: Listener = (e) => {
      if (deviceId === undefined || e.deviceId === deviceId) listener(e);
    };
    listeners.add(filtered);
    ensureSource();
    return () => {
      listeners.delete(filtered);
    };
  }, [deviceId]);
}
