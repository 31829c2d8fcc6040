// What the list subcommands (devices list, commands list, alerts list, repo ls) share: the --limit/--cursor
// options of a paged /api/v1 endpoint, and one page shown as the API's JSON (--json) or as a table followed by
// the hint that names the next cursor.
import type { Command } from "commander";
import type { CallOptions } from "./api-client.js";
import type { Run } from "./context.js";
import { nextPageHint, table } from "./format.js";

type Json = Record<string, unknown>;

/** One page of a list endpoint. */
interface Page {
  readonly items: Json[];
  readonly nextCursor: string | null;
  /** With `count=true` (device lists): how many the whole selection holds. */
  readonly total?: number;
}

/** Adds --limit and --cursor (the paging query parameters every list endpoint takes). */
export function withPageOptions(command: Command): Command {
  return command
    .option("--limit <n>", "page size (1-1000)")
    .option("--cursor <cursor>", "continue after a previous page");
}

/** GETs one page of `path` and prints it: JSON with --json, else `headers` over one `row` per item, then the hint. */
export async function printPage(
  run: Run,
  path: string,
  query: NonNullable<CallOptions["query"]>,
  headers: readonly string[],
  row: (item: Json) => string[],
): Promise<void> {
  const { data } = await run.api.json<Page>("GET", path, { query });
  if (run.json) {
    run.printJson(data);
    return;
  }
  run.out(table(headers, data.items.map(row)));
  if (data.total !== undefined) run.out(`(${data.total} in all)`);
  const hint = nextPageHint(data.nextCursor);
  if (hint !== null) run.out(hint);
}
