// Memory store: retention. Records are deleted oldest first up to the limit, like the SQL stores do.
/* eslint-disable @typescript-eslint/require-await -- see memory-store.ts */
import type { MemoryContext } from "./memory-context.js";
import { checkPrune, FINISHED_COMMAND_STATES, FINISHED_UI_SESSION_STATES } from "./retention-rules.js";
import { SessionStatus } from "./types-session.js";
import { RetainedKind, type RetentionStore } from "./types-retention.js";

/** Deletes up to `limit` entries of `map` whose finish time (null: not finished) is before `before`. */
function pruneMap<V>(map: Map<string, V>, finishedAt: (value: V) => number | null, before: number, limit: number) {
  const due = [...map.entries()]
    .map(([key, value]) => ({ key, at: finishedAt(value) }))
    .filter((e): e is { key: string; at: number } => e.at !== null && e.at < before)
    .sort((a, b) => a.at - b.at)
    .slice(0, limit);
  for (const { key } of due) map.delete(key);
  return due.length;
}

export function createMemoryRetention(ctx: MemoryContext): RetentionStore {
  const { data } = ctx;
  return {
    prune: async (kindIn, beforeIn, limitIn) => {
      ctx.check();
      const { kind, before, limit } = checkPrune(kindIn, beforeIn, limitIn);
      switch (kind) {
        case RetainedKind.Sessions:
          return pruneMap(data.sessions, (s) => (s.status === SessionStatus.Open ? null : s.endedAt), before, limit);
        case RetainedKind.Commands:
          return pruneMap(
            data.commands,
            ({ rec }) => (FINISHED_COMMAND_STATES.includes(rec.state) ? rec.completedAt : null),
            before,
            limit,
          );
        case RetainedKind.Alerts:
          return pruneMap(data.alerts, ({ rec }) => rec.receivedAt, before, limit);
        case RetainedKind.Notifications:
          return pruneMap(data.notifications, ({ rec }) => rec.sentAt, before, limit);
        case RetainedKind.Uploads:
          return pruneMap(data.uploads, ({ rec }) => rec.receivedAt, before, limit);
        case RetainedKind.Audit:
          return pruneMap(data.audit, ({ rec }) => rec.at, before, limit);
        case RetainedKind.ConsoleSignIns:
          return pruneMap(data.consoleSignIns, (s) => s.endsAt, before, limit);
        case RetainedKind.UiSessions:
          return pruneMap(
            data.uiSessions,
            (ui) => (FINISHED_UI_SESSION_STATES.includes(ui.state) ? ui.createdAt : null),
            before,
            limit,
          );
      }
    },
    reclaimSpace: async () => {
      ctx.check();
      return 0;
    },
  };
}
