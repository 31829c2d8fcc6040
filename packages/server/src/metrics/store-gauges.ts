// The gauges read from the store when /metrics is scraped: open DM sessions and queued commands, counted by
// paging through the store's lists. The store has no count query, so the count stops at `cap` (default
// 10 000): a gauge at the cap means "at least this many", and a scrape never walks a million rows.
import type { Store } from "../store/store.js";
import { SessionStatus } from "../store/types-session.js";
import { CommandState, type Page } from "../store/types.js";
import type { StoreGauges } from "./server-metrics.js";

export const GAUGE_CAP = 10_000;

export function storeGauges(store: Pick<Store, "sessions" | "commands">, cap = GAUGE_CAP): StoreGauges {
  return {
    openSessions: () =>
      countPages((cursor) => store.sessions.list({ status: SessionStatus.Open, limit: 1000, cursor }), cap),
    queueDepth: () =>
      countPages((cursor) => store.commands.list({ state: CommandState.Queued, limit: 1000, cursor }), cap),
  };
}

async function countPages(page: (cursor: string | undefined) => Promise<Page<unknown>>, cap: number): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  for (;;) {
    const p = await page(cursor);
    count += p.items.length;
    if (p.nextCursor === null || count >= cap) return Math.min(count, cap);
    cursor = p.nextCursor;
  }
}
