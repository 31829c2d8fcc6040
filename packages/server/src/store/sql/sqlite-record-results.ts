// The SQLite store's `commands.recordResults` after its checks: every result of a Package#3 in one UPDATE (one
// statement per command before). Each column is a CASE over the command ids; a column a result does not change
// gets the value just read in the same member (the commit group's write lock keeps it so). The condition (each
// command still in the state it was read in, in this session) and the row count guard it like `transition`.
import { sql, type Selectable } from "kysely";
import { illegalCommand } from "../rules.js";
import type { CommandState } from "../types.js";
import type { CommandsTable } from "./schema.js";
import { preparedBy } from "./prepared.js";
import { byIdQuery } from "./sql-commands-rows.js";
import type { Db } from "./sql-context.js";

type CommandRow = Selectable<CommandsTable>;

/** One command's new values (every column given, changed or not) and the state it must still be in. */
export interface ResultWrite {
  readonly id: string;
  readonly from: CommandState;
  /** The new state: the outcome, or the state kept (a cancelled command stays cancelled). */
  readonly state: CommandState;
  /** The outcome, for the refusal's message. */
  readonly to: CommandState;
  readonly completedAt: number | null;
  readonly statusCode: number;
  readonly result: string;
  readonly asyncSourceUri: string | null;
  readonly asyncServerUri: string | null;
}

const COLUMNS = {
  state: "state",
  completed_at: "completedAt",
  status_code: "statusCode",
  result: "result",
  async_source_uri: "asyncSourceUri",
  async_server_uri: "asyncServerUri",
} as const;

const writeResults = preparedBy(
  (n: number) => String(n),
  (n: number) => (db: Db, p: Record<string, unknown>) => {
    const ids = Array.from({ length: n }, (_, i) => p[`id${i}`] as string);
    const byId = (field: string) =>
      sql<never>`case "id" ${sql.join(
        ids.map((id, i) => sql`when ${id} then ${p[`${field}${i}`]}`),
        sql` `,
      )} end`;
    const set = Object.fromEntries(Object.entries(COLUMNS).map(([column, field]) => [column, byId(field)]));
    return db
      .updateTable("commands")
      .set({ ...set, updated_at: p.now as number })
      .where("id", "in", ids)
      .where("session_id", "=", p.sessionId as string)
      .where("state", "=", byId("from"));
    // No RETURNING: the caller read every row in this member and knows each new value, the row count checks
    // it, and SQLite builds RETURNING's rows in an ephemeral table (more than the UPDATE costs).
  },
);

/**
 * Applies the writes to the rows read (`read`, by id, in this member); the rows as written come back in the
 * order of `writes`.
 */
export async function writeResultsSqlite(
  trx: Db,
  sessionId: string,
  now: number,
  writes: readonly ResultWrite[],
  read: ReadonlyMap<string, CommandRow>,
): Promise<CommandRow[]> {
  const params: Record<string, unknown> = { sessionId, now };
  writes.forEach((w, i) => {
    params[`id${i}`] = w.id;
    params[`from${i}`] = w.from;
    for (const field of Object.values(COLUMNS)) params[`${field}${i}`] = w[field];
  });
  const updated = await writeResults(writes.length).run(trx, params);
  if (updated !== writes.length) {
    // Cannot happen under the write lock (the rows were checked in this member); if it does, the statement's
    // changes are undone with the member. The refusal names a command the UPDATE left as it was.
    const after = await Promise.all(writes.map((w) => byIdQuery.first(trx, { id: w.id })));
    const written = (w: ResultWrite, row: CommandRow | undefined) => row?.updated_at === now && row.result === w.result;
    const kept = writes.find((w, i) => !written(w, after[i])) ?? writes[0];
    if (kept !== undefined) throw illegalCommand(kept.id, kept.from, kept.to);
  }
  return writes.map((w) => {
    const row = read.get(w.id);
    if (row === undefined) throw illegalCommand(w.id, w.from, w.to);
    return {
      ...row,
      state: w.state,
      completed_at: w.completedAt,
      status_code: w.statusCode,
      result: w.result,
      async_source_uri: w.asyncSourceUri,
      async_server_uri: w.asyncServerUri,
      updated_at: now,
    };
  });
}
