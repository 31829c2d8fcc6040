// Input checks every event log shares, so memory, SQLite and PostgreSQL refuse the same things.
import { EVENT_KIND_PATTERN, type NewServerEvent, type ServerEventQuery } from "../events/event-types.js";
import { invalid } from "./rules.js";

export const MAX_EVENT_PAGE = 1000;

export function checkNewEvents(events: readonly NewServerEvent[]): void {
  for (const e of events) {
    if (!EVENT_KIND_PATTERN.test(e.kind)) throw invalid(`event kind ${JSON.stringify(e.kind)} is not area.what`);
    if (!Number.isFinite(e.at)) throw invalid("event time must be a number");
  }
}

export function checkEventQuery(query: ServerEventQuery): void {
  if (!Number.isSafeInteger(query.afterId) || query.afterId < 0) throw invalid("afterId must be an integer ≥ 0");
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_EVENT_PAGE)
    throw invalid(`limit must be 1..${MAX_EVENT_PAGE}`);
}
