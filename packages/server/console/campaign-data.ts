// What the campaign views share (docs/campaigns.md): the campaign as the API answers it, the device states in the
// order a device goes through them, the actions each campaign state allows, and a hook that keeps one campaign (or
// the list) current from the server's `campaign.*` events without reloading the page.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { useServerEvents } from "./live.js";

export const DEVICE_STATES = ["done", "in_session", "waking", "pending", "failed", "unreachable", "skipped"] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];
export type Counts = Readonly<Record<DeviceState, number>>;

export const STATE_LABEL: Readonly<Record<DeviceState, string>> = {
  done: "done",
  in_session: "in session",
  waking: "waking",
  pending: "pending",
  failed: "failed",
  unreachable: "unreachable",
  skipped: "skipped",
};

export interface WaveCounts {
  readonly wave: number;
  readonly size: number;
  readonly counts: Counts;
}

export interface Campaign {
  readonly id: string;
  readonly name: string;
  readonly kind: "campaign" | "wake";
  readonly state: "draft" | "running" | "paused" | "halted" | "cancelled" | "completed";
  readonly reason: string | null;
  readonly target: { readonly group?: string; readonly filter?: string };
  readonly steps: readonly { readonly command: readonly unknown[]; readonly name: string }[];
  /** The plan with the server's defaults filled in (the fields the console shows). */
  readonly plan: {
    readonly waves: readonly (number | string)[];
    readonly successThreshold: number;
    readonly errorThreshold: number;
    readonly maxInFlight: number;
    readonly ratePerMinute: number | null;
    readonly retryLimit: number;
  };
  readonly deviceCount: number;
  readonly waveCount: number;
  readonly currentWave: number;
  readonly currentRate: number | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly waves?: readonly WaveCounts[];
  readonly totals?: Counts;
}

export type Action = "start" | "pause" | "resume" | "cancel";

/** What the API lets each state do (docs/campaigns.md "States"); anything else answers 409. */
export const ACTIONS: Readonly<Record<Campaign["state"], readonly Action[]>> = {
  draft: ["start", "cancel"],
  running: ["pause", "cancel"],
  paused: ["resume", "cancel"],
  halted: ["cancel"],
  cancelled: [],
  completed: [],
};

export const CAMPAIGN_EVENTS: readonly string[] = ["campaign.state", "campaign.device", "campaign.wave"];

/** The campaign an event is about, or undefined for any other event. */
export function campaignOf(kind: string, data: unknown): string | undefined {
  if (!CAMPAIGN_EVENTS.includes(kind) || data === null || typeof data !== "object") return undefined;
  const id = (data as { campaignId?: unknown }).campaignId;
  return typeof id === "string" ? id : undefined;
}

const RELOAD_MS = 250;

/**
 * Loads with `load` and again after `campaign.*` events (of `campaignId` only, when given). A wave of thousands of
 * devices sends an event per device change: the events of RELOAD_MS are answered by one read, and never two reads
 * at once.
 */
export function useLiveLoad<T>(
  load: () => Promise<T>,
  campaignId?: string,
): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const busy = useRef(false);
  const again = useRef(false);

  // The listener and a read's end reach the current `load` and `reload` through refs; an answer for a `load`
  // that has since changed (another page, another filter) is dropped.
  const current = useRef(load);
  current.current = load;
  const latest = useRef<() => void>(() => undefined);

  const reload = useCallback((): void => {
    if (busy.current) {
      again.current = true;
      return;
    }
    busy.current = true;
    const used = load;
    used()
      .then(
        (d) => {
          if (current.current !== used) return;
          setData(d);
          setError(null);
        },
        (e: unknown) => {
          if (current.current === used) setError(e instanceof Error ? e.message : String(e));
        },
      )
      .finally(() => {
        busy.current = false;
        if (again.current) {
          again.current = false;
          latest.current();
        }
      });
  }, [load]);
  latest.current = reload;

  useEffect(() => {
    setData(null);
    reload();
    return () => {
      if (timer.current !== null) clearTimeout(timer.current);
    };
  }, [reload]);
  useServerEvents((e) => {
    const about = campaignOf(e.kind, e.data);
    if (about === undefined || (campaignId !== undefined && about !== campaignId)) return;
    timer.current ??= setTimeout(() => {
      timer.current = null;
      latest.current();
    }, RELOAD_MS);
  });
  return { data, error, reload };
}
