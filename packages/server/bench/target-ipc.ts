// The messages between `server.bench.ts` and a target process (target-child.ts) over the fork IPC channel.
// The target — the DM Server or the bare ceiling — runs in its own process so that its memory and CPU are its
// own: the simulated devices run in the bench process, on the other core.
import type { StatementTime } from "../src/store/sql/sqlite-statement-times.js";

export type { StatementTime };

export const TargetKind = { Omadm: "omadm", Ceiling: "ceiling" } as const;
export type TargetKind = (typeof TargetKind)[keyof typeof TargetKind];

export const Synchronous = { Full: "FULL", Normal: "NORMAL" } as const;
export type Synchronous = (typeof Synchronous)[keyof typeof Synchronous];

export interface StartMessage {
  readonly kind: "start";
  readonly target: TargetKind;
  readonly deviceIds: readonly string[];
  /** SQLite `synchronous` (omadm only). */
  readonly synchronous: Synchronous;
  /** omadm on PostgreSQL at this URL (a fresh schema, dropped at stop) instead of SQLite. */
  readonly postgresUrl?: string | undefined;
  /** On PostgreSQL: the store's pool size (undefined: the store's default). */
  readonly pgConnections?: number | undefined;
  /** Time each SQLite statement inside the measured window (omadm on SQLite only). */
  readonly statements?: boolean | undefined;
  /** Write a sampling heap profile of the measured window into this directory (omadm only). */
  readonly heapProfDir?: string | undefined;
}

export type RequestBody =
  | { readonly op: "refill"; readonly deviceId: string }
  /** The measured window starts or ends now: the target notes its CPU time. */
  | { readonly op: "window-start" | "window-end" }
  | { readonly op: "report" | "stop" };

export interface RequestMessage {
  readonly kind: "request";
  readonly id: number;
  readonly body: RequestBody;
}

export type ParentMessage = StartMessage | RequestMessage;

export interface MemoryFigures {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly peakRssBytes: number;
  readonly peakHeapUsedBytes: number;
}

/** What the omadm target finds in its store after the run (null for the ceiling, which keeps nothing). */
export interface StoreFigures {
  readonly commandsByState: Readonly<Record<string, number>>;
  readonly sessionsByStatus: Readonly<Record<string, number>>;
}

export interface TargetReport {
  readonly memory: MemoryFigures;
  /** CPU time (user + system) the target process used inside the measured window, queueing included. */
  readonly windowCpuMs: number | null;
  /** Refills done (one per session, warm-up included). */
  readonly refills: number;
  readonly store: StoreFigures | null;
  /** SQL statements and commits the store ran inside the measured window (null for the ceiling). */
  readonly windowStore: StoreCounts | null;
  /** Each SQL text's runs and time inside the measured window (null unless asked for, and on SQLite). */
  readonly windowStatements: readonly StatementTime[] | null;
  /** How late the target's event loop ran inside the measured window (loop-monitor.ts). */
  readonly windowLoop: LoopFigures | null;
  /** The garbage collections inside the measured window. */
  readonly windowGc: GcFigures | null;
}

export interface LoopFigures {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Samples taken (one per loop turn that ran the 1 ms timer). */
  readonly samples: number;
  /** About how many of them were late by more than LONG_DELAY_MS. */
  readonly longDelays: number;
}

export interface GcFigures {
  readonly count: number;
  readonly totalMs: number;
  readonly maxMs: number;
  /** minor (scavenge), major (mark-compact), incremental (marking steps), weakcb. */
  readonly byKind: Readonly<Record<string, { readonly count: number; readonly totalMs: number }>>;
}

export interface StoreCounts {
  readonly statements: number;
  readonly commits: number;
  /** CPU the PostgreSQL backends serving the store used (PostgreSQL only). */
  readonly backendCpuMs?: number | undefined;
  /** Groups that found the write lock held by another connection, and how long they waited (SQLite only). */
  readonly lockWaits?: number | undefined;
  readonly lockWaitMs?: number | undefined;
}

export type ChildMessage =
  | { readonly kind: "ready"; readonly baseUrl: string; readonly dataDir: string | null }
  | { readonly kind: "failed"; readonly message: string }
  | { readonly kind: "reply"; readonly id: number; readonly ok: true; readonly report: TargetReport | null }
  | { readonly kind: "reply"; readonly id: number; readonly ok: false; readonly message: string };
