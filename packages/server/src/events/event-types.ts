// What the server tells the outside world happened: one small record per change an operator may want to follow
// (command states, Generic Alerts, DM sessions, device registration). Kinds are open strings so that later
// producers (campaign progress) add theirs without touching the log, the SSE route or webhooks; the known ones
// are listed here for documentation and filters.
import type { JsonValue } from "../store/types.js";

export const ServerEventKind = {
  /** A command changed state (queued, sent, accepted, done, failed, expired, cancelled, requeued). */
  CommandState: "command.state",
  /** A Generic Alert arrived (docs/protocol.md §3.4). */
  Alert: "alert.received",
  /** A DM session was opened by a Package#1 (docs/protocol.md §1.2). */
  SessionStarted: "session.started",
  /** A DM session closed: ended, aborted, superseded or expired (§1.4, §1.5). */
  SessionEnded: "session.ended",
  /** A device was seen for the first time (auto-registered or pre-provisioned, §3.1). */
  DeviceRegistered: "device.registered",
} as const;
export type ServerEventKind = (typeof ServerEventKind)[keyof typeof ServerEventKind];

/** A kind is lowercase words joined by dots: `area.what`. */
export const EVENT_KIND_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

/** An event before it has its place in the log. */
export interface NewServerEvent {
  /** A `ServerEventKind` or any other kind matching `EVENT_KIND_PATTERN`. */
  readonly kind: string;
  readonly deviceId: string | null;
  readonly sessionId: string | null;
  readonly commandId: string | null;
  /** Small, no secrets: what a subscriber needs to decide whether to fetch the record. */
  readonly data: JsonValue;
  readonly at: number;
}

/** An event in the log: `id` increases by commit order and is never reused (SSE `id:`, `Last-Event-ID`). */
export interface ServerEvent extends NewServerEvent {
  readonly id: number;
}

export interface ServerEventQuery {
  /** Only events with a larger id (0: from the oldest kept). */
  readonly afterId: number;
  readonly kinds?: readonly string[] | undefined;
  readonly deviceId?: string | undefined;
  /** 1..1000. */
  readonly limit: number;
}

/** The persistent, bounded log of server events; memory, SQLite and PostgreSQL implement it. */
export interface EventLog {
  /** Appends in order; ids are larger than every id before, in commit order (no reader skips one). */
  append(events: readonly NewServerEvent[]): Promise<readonly ServerEvent[]>;
  /** Events after `afterId`, oldest first, filtered. */
  after(query: ServerEventQuery): Promise<readonly ServerEvent[]>;
  /** The largest id ever given (0 when none). */
  lastId(): Promise<number>;
  /**
   * Deletes at most `limit` of the oldest events beyond the newest `keep` and returns how many: fewer than
   * `limit` means none is left. One call is one short statement whatever the log's size (the caller repeats it,
   * letting other work run in between), and the newest event always stays, so `lastId` never goes back.
   */
  prune(keep: number, limit: number): Promise<number>;
}
