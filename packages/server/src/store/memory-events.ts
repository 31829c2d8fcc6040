// The memory event log (events/event-types.ts `EventLog`): the reference implementation the SQL logs are
// checked against. Its events live beside a `MemoryStoreData`, so a second memory store on the same data (a
// simulated restart) sees them and goes on numbering after them.
/* eslint-disable @typescript-eslint/require-await -- an async interface implemented synchronously. */
import type { EventLog, ServerEvent } from "../events/event-types.js";
import { out, type MemoryStoreData } from "./memory-context.js";
import { checkEventQuery, checkNewEvents } from "./event-rules.js";

interface EventData {
  readonly events: ServerEvent[];
  lastId: number;
}

const logs = new WeakMap<MemoryStoreData, EventData>();

export function createMemoryEventLog(data: MemoryStoreData, check: () => void): EventLog {
  let held = logs.get(data);
  if (held === undefined) {
    held = { events: [], lastId: 0 };
    logs.set(data, held);
  }
  const log = held;
  return {
    async append(events) {
      check();
      checkNewEvents(events);
      const stored = events.map((e) => ({ ...out(e), id: ++log.lastId }));
      log.events.push(...stored);
      return out(stored);
    },
    async after(query) {
      check();
      checkEventQuery(query);
      const kinds = query.kinds === undefined || query.kinds.length === 0 ? null : new Set(query.kinds);
      const found: ServerEvent[] = [];
      for (const e of log.events) {
        if (e.id <= query.afterId) continue;
        if (kinds !== null && !kinds.has(e.kind)) continue;
        if (query.deviceId !== undefined && e.deviceId !== query.deviceId) continue;
        found.push(e);
        if (found.length >= query.limit) break;
      }
      return out(found);
    },
    async lastId() {
      check();
      return log.lastId;
    },
    async prune(keep, limit) {
      check();
      const beyond = Math.max(0, log.events.length - Math.max(1, Math.trunc(keep)));
      const extra = Math.min(beyond, Math.max(1, Math.trunc(limit)));
      log.events.splice(0, extra);
      return extra;
    },
  };
}
