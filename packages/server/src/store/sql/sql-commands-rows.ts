// SQL store, commands: the row shape and what every command module shares — the row-to-Command conversion and
// the conditional transition (`… where id = ? and state in (…)`): a race with another server node can only make
// a change fail cleanly, never apply to a command that moved on.
import type { Selectable, Updateable } from "kysely";
import { fromJsonText, illegalCommand } from "../rules.js";
import { CommandState, DeliveryPolicy, type AsyncCorrelation, type Command, type CommandResult } from "../types.js";
import type { CommandsTable } from "./schema.js";
import { prepared, preparedBy } from "./prepared.js";
import type { Db } from "./sql-context.js";

export type CommandRow = Selectable<CommandsTable>;

/** A row as read, or as just written (an INSERT that returns nothing: `seq` is not part of a Command). */
export function toCommand(row: Omit<CommandRow, "seq">): Command {
  const p2 = fromJsonText(row.p2) as string[];
  const correlation: AsyncCorrelation | null =
    row.async_source_uri === null
      ? null
      : row.async_server_uri === null
        ? { sourceUri: row.async_source_uri }
        : { sourceUri: row.async_source_uri, serverUri: row.async_server_uri };
  return {
    id: row.id,
    deviceId: row.device_id,
    name: row.name,
    params: p2.slice(1),
    idempotencyKey: row.idempotency_key,
    state: row.state as CommandState,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    sentAt: row.sent_at,
    completedAt: row.completed_at,
    attempts: row.attempts,
    sessionId: row.session_id,
    packageNo: row.package_no,
    position: row.position,
    statusCode: row.status_code,
    result: row.result === null ? null : (fromJsonText(row.result) as unknown as CommandResult),
    correlation,
    delivery: row.delivery as DeliveryPolicy,
    maxDeliveries: row.max_deliveries,
    reason: row.reason,
  };
}

export function correlationColumns(c: AsyncCorrelation | null) {
  return { async_source_uri: c?.sourceUri ?? null, async_server_uri: c?.serverUri ?? null };
}

interface TransitionShape {
  readonly set: Updateable<CommandsTable>;
  readonly from: readonly CommandState[];
  readonly inSession: boolean;
}
type TransitionParams = Record<string, unknown>;

const transitionQuery = preparedBy(
  (shape: TransitionShape) => `${Object.keys(shape.set).join()}|${shape.from.join()}|${shape.inSession}`,
  (shape: TransitionShape) => (db: Db, p: TransitionParams) => {
    const set = Object.fromEntries(Object.keys(shape.set).map((k) => [k, p[`set_${k}`]]));
    let q = db
      .updateTable("commands")
      .set(set)
      .where("id", "=", p.id as string)
      .where("state", "in", shape.from);
    if (shape.inSession) q = q.where("session_id", "=", p.sessionId as string);
    return q.returningAll();
  },
);

/** Applies `set` only if the command is still in `from` (and, when given, in that session); else refuses. */
export async function transition(
  trx: Db,
  row: CommandRow,
  from: readonly CommandState[],
  set: Updateable<CommandsTable>,
  to: CommandState,
  sessionId?: string,
): Promise<Command> {
  const params: TransitionParams = { id: row.id, sessionId };
  for (const [k, v] of Object.entries(set)) params[`set_${k}`] = v;
  const query = transitionQuery({ set, from, inSession: sessionId !== undefined });
  const updated = await query.first(trx, params);
  if (updated === undefined) throw illegalCommand(row.id, row.state as CommandState, to);
  return toCommand(updated);
}

export const byIdQuery = prepared((db, p: { id: string }) =>
  db.selectFrom("commands").selectAll().where("id", "=", p.id),
);
export const byKeyQuery = prepared((db, p: { deviceId: string; key: string }) =>
  db.selectFrom("commands").selectAll().where("device_id", "=", p.deviceId).where("idempotency_key", "=", p.key),
);
