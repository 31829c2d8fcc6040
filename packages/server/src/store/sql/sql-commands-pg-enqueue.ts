// SQL store, commands: queueing on PostgreSQL in one statement, for one command or a thousand. The inputs go
// in as arrays (`unnest`, one parameter per column whatever the count, so one plan serves every size); the
// statement locks each device's row (the device lock of sql-context.ts, so seq order is the order takeBatch
// sees: docs/delivery.md) and inserts in input order; a device that does not exist gets no row, and an
// idempotency key used before (or earlier in the same list) inserts nothing (`on conflict do nothing`, which
// waits for a concurrent insert of the same key to commit or roll back). What was not inserted is then looked
// up by key, in one more statement, to give the first command back or refuse. A single statement is atomic
// alone: no BEGIN/COMMIT, and no savepoint inside a caller's transaction. One command (the usual `enqueue`) has
// a statement of its own, the same without the arrays: PostgreSQL then neither unnests, joins nor sorts.
import { sql, type Compilable } from "kysely";
import { ServerError, ServerErrorCode } from "../../errors.js";
import { commandsEqual, type CheckedCommand } from "../queue-rules.js";
import { deviceNotFound } from "../rules.js";
import { CommandState, type EnqueueResult } from "../types.js";
import { toCommand, type CommandRow } from "./sql-commands-rows.js";
import { prepared } from "./prepared.js";
import type { Db } from "./sql-context.js";

/** One checked command ready to insert: its new id and P2 JSON text beside it. */
export interface PgNewCommand {
  readonly id: string;
  readonly c: CheckedCommand;
  readonly p2: string;
}

interface InsertArrays {
  ids: string[];
  devices: string[];
  names: string[];
  p2s: string[];
  keys: (string | null)[];
  expires: (number | null)[];
  deliveries: string[];
  maxDeliveries: number[];
  sources: (string | null)[];
  servers: (string | null)[];
  now: number;
}

const insertMany = prepared((db, p: InsertArrays): Compilable<CommandRow> => {
  const query = sql<CommandRow>`with input as (
      select * from unnest(${p.ids}::text[], ${p.devices}::text[], ${p.names}::text[], ${p.p2s}::text[],
        ${p.keys}::text[], ${p.expires}::bigint[], ${p.deliveries}::text[], ${p.maxDeliveries}::int[],
        ${p.sources}::text[], ${p.servers}::text[]) with ordinality
        as t(id, device_id, name, p2, idempotency_key, expires_at, delivery, max_deliveries, async_source_uri,
          async_server_uri, ord)),
    locked as (select id from devices where id = any(${p.devices}::text[]) order by id for no key update)
    insert into commands (id, device_id, name, p2, idempotency_key, state, created_at, updated_at, expires_at,
      attempts, delivery, max_deliveries, async_source_uri, async_server_uri)
    select i.id, i.device_id, i.name, i.p2, i.idempotency_key, ${CommandState.Queued}, ${p.now}::bigint,
      ${p.now}::bigint, i.expires_at, 0, i.delivery, i.max_deliveries, i.async_source_uri, i.async_server_uri
    from input i join locked on locked.id = i.device_id order by i.ord
    on conflict (device_id, idempotency_key) do nothing
    returning *`;
  return { compile: () => query.compile(db) };
});

/** The same for one command (the usual enqueue): no arrays to unnest, join and sort; the device by its key. */
interface InsertOne {
  id: string;
  device: string;
  name: string;
  p2: string;
  key: string | null;
  expires: number | null;
  delivery: string;
  maxDeliveries: number;
  source: string | null;
  server: string | null;
  now: number;
}

const insertOne = prepared((db, p: InsertOne): Compilable<CommandRow> => {
  const query = sql<CommandRow>`with locked as (select id from devices where id = ${p.device} for no key update)
    insert into commands (id, device_id, name, p2, idempotency_key, state, created_at, updated_at, expires_at,
      attempts, delivery, max_deliveries, async_source_uri, async_server_uri)
    select ${p.id}::text, locked.id, ${p.name}::text, ${p.p2}::text, ${p.key}::text, ${CommandState.Queued},
      ${p.now}::bigint, ${p.now}::bigint, ${p.expires}::bigint, 0, ${p.delivery}::text, ${p.maxDeliveries}::int,
      ${p.source}::text, ${p.server}::text
    from locked
    on conflict (device_id, idempotency_key) do nothing
    returning *`;
  return { compile: () => query.compile(db) };
});

/** Inserts `items` (one statement whatever their number): the rows inserted. */
function insertRows(db: Db, items: readonly PgNewCommand[], now: number): Promise<CommandRow[]> {
  const only = items.length === 1 ? items[0] : undefined;
  if (only !== undefined) {
    return insertOne.all(db, {
      id: only.id,
      device: only.c.deviceId,
      name: only.c.name,
      p2: only.p2,
      key: only.c.idempotencyKey,
      expires: only.c.expiresAt,
      delivery: only.c.delivery,
      maxDeliveries: only.c.maxDeliveries,
      source: only.c.correlation?.sourceUri ?? null,
      server: only.c.correlation?.serverUri ?? null,
      now,
    });
  }
  return insertMany.all(db, {
    ids: items.map((i) => i.id),
    devices: items.map((i) => i.c.deviceId),
    names: items.map((i) => i.c.name),
    p2s: items.map((i) => i.p2),
    keys: items.map((i) => i.c.idempotencyKey),
    expires: items.map((i) => i.c.expiresAt),
    deliveries: items.map((i) => i.c.delivery),
    maxDeliveries: items.map((i) => i.c.maxDeliveries),
    sources: items.map((i) => i.c.correlation?.sourceUri ?? null),
    servers: items.map((i) => i.c.correlation?.serverUri ?? null),
    now,
  });
}

const byKeys = prepared((db, p: { devices: string[]; keys: string[] }): Compilable<CommandRow> => {
  const query = sql<CommandRow>`select * from commands where (device_id, idempotency_key) in
    (select * from unnest(${p.devices}::text[], ${p.keys}::text[]))`;
  return { compile: () => query.compile(db) };
});

const pairKey = (deviceId: string, key: string) => JSON.stringify([deviceId, key]);

/** Queues `items` in order (each refused alone): the store's `enqueue` and `enqueueMany` on PostgreSQL. */
export async function enqueuePg(
  db: Db,
  items: readonly PgNewCommand[],
  now: number,
): Promise<(EnqueueResult | { readonly error: ServerError })[]> {
  if (items.length === 0) return [];
  const inserted = await insertRows(db, items, now);
  const byId = new Map(inserted.map((row) => [row.id, row]));
  const missing = items.filter((i) => !byId.has(i.id) && i.c.idempotencyKey !== null);
  const earlier = new Map<string, CommandRow>();
  if (missing.length > 0) {
    const rows = await byKeys.all(db, {
      devices: missing.map((i) => i.c.deviceId),
      keys: missing.map((i) => i.c.idempotencyKey as string),
    });
    for (const row of rows) earlier.set(pairKey(row.device_id, row.idempotency_key as string), row);
  }
  return items.map((item) => {
    const row = byId.get(item.id);
    if (row !== undefined) return { command: toCommand(row), created: true };
    const key = item.c.idempotencyKey;
    const found = key === null ? undefined : earlier.get(pairKey(item.c.deviceId, key));
    if (found === undefined) return { error: deviceNotFound(item.c.deviceId) };
    const command = toCommand(found);
    if (!commandsEqual(command, item.c)) {
      const message = `idempotency key ${key} was used for a different command`;
      return { error: new ServerError(ServerErrorCode.IDEMPOTENCY_CONFLICT, message) };
    }
    return { command, created: false };
  });
}
