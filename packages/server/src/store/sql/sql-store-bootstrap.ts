// SQL store: the bootstrap role (credentials, rules, assignments, provisions and their capabilities; migration
// 0005_bootstrap; the remote targets of 0015 in sql-bootstrap-targets.ts). Its tables have their own Kysely types
// (schema-bootstrap.ts), so the handle is viewed as one over them.
import { sql, type Kysely, type Selectable } from "kysely";
import type { BootstrapStore } from "../bootstrap-store.js";
import { checkCredential, checkProvision, checkRule, credentialConflict } from "../bootstrap-rules.js";
import { provisionNotFound, provisionNotPending, ruleNotFound } from "../bootstrap-rules.js";
import { decodeCursor, fromJsonText, invalid, pageLimit, requireText, toJsonText, toPage } from "../rules.js";
import {
  ProvisionState,
  type BootstrapCredential,
  type BootstrapProvision,
  type BootstrapRule,
  type BootstrapSecMode,
  type BootstrapTarget,
} from "../types-bootstrap.js";
import type { BootstrapDatabase, BootstrapCredentialsTable, BootstrapProvisionsTable } from "./schema-bootstrap.js";
import { onUniqueViolation, type Db, type SqlContext } from "./sql-context.js";
import { createSqlBootstrapTargets } from "./sql-bootstrap-targets.js";

type BDb = Kysely<BootstrapDatabase>;
const view = (db: Db): BDb => db as unknown as BDb;

function toCredential(row: Selectable<BootstrapCredentialsTable>): BootstrapCredential {
  return {
    id: row.id,
    secMode: row.sec_mode as BootstrapSecMode,
    pskIdentity: row.psk_identity,
    pskKeyHex: row.psk_key,
    certFingerprint: row.cert_fingerprint,
    deviceId: row.device_id,
    devIdPattern: row.dev_id_pattern,
    labels: fromJsonText(row.labels) as Record<string, string>,
    notiSecretHex: row.noti_secret,
    createdAt: row.created_at,
  };
}

interface RuleBody {
  readonly devIdPattern: string | null;
  readonly labels: Record<string, string>;
  readonly devInfo: Record<string, string>;
  readonly targets: BootstrapTarget[];
}

function toRule(row: {
  id: string;
  priority: number;
  body: string;
  created_at: number;
  updated_at: number;
}): BootstrapRule {
  const body = fromJsonText(row.body) as unknown as RuleBody;
  return { id: row.id, priority: row.priority, ...body, createdAt: row.created_at, updatedAt: row.updated_at };
}

function toProvision(row: Selectable<BootstrapProvisionsTable>): BootstrapProvision {
  return {
    id: row.id,
    deviceId: row.device_id,
    credentialId: row.credential_id,
    ruleId: row.rule_id,
    state: row.state as ProvisionState,
    targets: fromJsonText(row.targets) as unknown as BootstrapProvision["targets"],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    completedAt: row.completed_at,
  };
}

export function createSqlBootstrap(ctx: SqlContext): BootstrapStore {
  const db = (): BDb => view(ctx.db());
  const tx = <T>(fn: (trx: BDb) => Promise<T>): Promise<T> => ctx.transaction((trx) => fn(view(trx)));
  return {
    importCredentials: async (input) => {
      const checked = input.map(checkCredential);
      const now = ctx.now();
      const rows = checked.map((c) => ({
        id: c.id ?? ctx.newId(),
        sec_mode: c.secMode,
        psk_identity: c.pskIdentity,
        psk_key: c.pskKeyHex,
        cert_fingerprint: c.certFingerprint,
        device_id: c.deviceId,
        dev_id_pattern: c.devIdPattern,
        labels: toJsonText(c.labels, "labels"),
        noti_secret: c.notiSecretHex,
        created_at: now,
      }));
      if (rows.length === 0) return [];
      return tx(async (trx) => {
        const out: BootstrapCredential[] = [];
        // Chunks keep each INSERT under the drivers' parameter limits (SQLite 32766, PostgreSQL 65535).
        for (let i = 0; i < rows.length; i += 500) {
          const inserted = await onUniqueViolation(
            () =>
              trx
                .insertInto("bootstrap_credentials")
                .values(rows.slice(i, i + 500))
                .returningAll()
                .execute(),
            () => credentialConflict("an id, PSK identity or certificate of this import"),
          );
          out.push(...inserted.map(toCredential));
        }
        return out;
      });
    },
    findCredential: async (key) => {
      const q = db().selectFrom("bootstrap_credentials").selectAll();
      const row = await (
        "pskIdentity" in key
          ? q.where("psk_identity", "=", key.pskIdentity)
          : q.where("cert_fingerprint", "=", key.certFingerprint.toLowerCase())
      ).executeTakeFirst();
      return row === undefined ? null : toCredential(row);
    },
    getCredential: async (id) => {
      const row = await db().selectFrom("bootstrap_credentials").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? null : toCredential(row);
    },
    listCredentials: async (query = {}) => {
      const limit = pageLimit(query);
      let q = db().selectFrom("bootstrap_credentials").selectAll();
      if (query.cursor !== undefined) {
        const [after] = decodeCursor(query.cursor, ["string"]);
        q = q.where("id", ">", after);
      }
      const rows = await q
        .orderBy("id")
        .limit(limit + 1)
        .execute();
      return toPage(rows.map(toCredential), limit, (c) => [c.id]);
    },
    deleteCredential: async (id) => {
      const r = await db().deleteFrom("bootstrap_credentials").where("id", "=", id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    putRule: async (input) => {
      const r = checkRule(input);
      const body = toJsonText(
        { devIdPattern: r.devIdPattern, labels: r.labels, devInfo: r.devInfo, targets: r.targets },
        "rule",
      );
      const now = ctx.now();
      const row = await db()
        .insertInto("bootstrap_rules")
        .values({ id: r.id, priority: r.priority, body, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column("id").doUpdateSet({ priority: r.priority, body, updated_at: now }))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRule(row);
    },
    getRule: async (id) => {
      const row = await db().selectFrom("bootstrap_rules").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? null : toRule(row);
    },
    listRules: async () => {
      const rows = await db().selectFrom("bootstrap_rules").selectAll().orderBy("priority").orderBy("id").execute();
      return rows.map(toRule);
    },
    deleteRule: async (id) => {
      return tx(async (trx) => {
        await trx.deleteFrom("bootstrap_assignments").where("rule_id", "=", id).execute();
        const r = await trx.deleteFrom("bootstrap_rules").where("id", "=", id).executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      });
    },
    assign: async (deviceId, ruleId) => {
      requireText(deviceId, "deviceId");
      await tx(async (trx) => {
        if (ruleId === null) {
          await trx.deleteFrom("bootstrap_assignments").where("device_id", "=", deviceId).execute();
          return;
        }
        const rule = await trx.selectFrom("bootstrap_rules").select("id").where("id", "=", ruleId).executeTakeFirst();
        if (rule === undefined) throw ruleNotFound(ruleId);
        await trx
          .insertInto("bootstrap_assignments")
          .values({ device_id: deviceId, rule_id: ruleId })
          .onConflict((oc) => oc.column("device_id").doUpdateSet({ rule_id: ruleId }))
          .execute();
      });
    },
    assignment: async (deviceId) => {
      const row = await db()
        .selectFrom("bootstrap_assignments")
        .select("rule_id")
        .where("device_id", "=", deviceId)
        .executeTakeFirst();
      return row?.rule_id ?? null;
    },
    openProvision: async (input) => {
      checkProvision(input);
      const payloads = input.capabilities.map((c) => toJsonText(c.payload, "capability payload"));
      const targets = toJsonText(
        input.targets.map((t) => ({ srvId: t.srvId, miid: t.miid })),
        "targets",
      );
      return tx(async (trx) => {
        await ctx.lock(trx as unknown as Db, `bootstrap:${input.deviceId}`);
        const superseded = await trx
          .updateTable("bootstrap_provisions")
          .set({ state: ProvisionState.Superseded })
          .where("device_id", "=", input.deviceId)
          .where("state", "=", ProvisionState.Pending)
          .returning("id")
          .execute();
        if (superseded.length > 0) {
          await trx
            .deleteFrom("bootstrap_capabilities")
            .where(
              "provision_id",
              "in",
              superseded.map((s) => s.id),
            )
            .execute();
        }
        const id = ctx.newId();
        const row = await onUniqueViolation(
          () =>
            trx
              .insertInto("bootstrap_provisions")
              .values({
                id,
                device_id: input.deviceId,
                credential_id: input.credentialId,
                rule_id: input.ruleId,
                session_hash: input.sessionHash,
                state: ProvisionState.Pending,
                targets,
                created_at: ctx.now(),
                expires_at: input.expiresAt,
                completed_at: null,
              })
              .returningAll()
              .executeTakeFirstOrThrow(),
          () => invalid("session token already in use"),
        );
        if (input.capabilities.length > 0) {
          await onUniqueViolation(
            () =>
              trx
                .insertInto("bootstrap_capabilities")
                .values(
                  input.capabilities.map((c, i) => ({
                    token_hash: c.tokenHash,
                    provision_id: id,
                    device_id: input.deviceId,
                    payload: payloads[i] ?? null,
                    expires_at: input.expiresAt,
                  })),
                )
                .execute(),
            () => invalid("capability token already in use"),
          );
        }
        return toProvision(row);
      });
    },
    takeCapability: async (tokenHash, deviceId) => {
      // One conditional UPDATE: of two concurrent fetches exactly one gets the payload.
      const taken = await tx(async (trx) => {
        const row = await trx
          .selectFrom("bootstrap_capabilities as c")
          .innerJoin("bootstrap_provisions as p", "p.id", "c.provision_id")
          .select(["c.payload", "c.expires_at", "c.device_id", "p.state"])
          .where("c.token_hash", "=", tokenHash)
          .executeTakeFirst();
        if (row?.payload == null || row.device_id !== deviceId || row.expires_at <= ctx.now()) return null;
        if (row.state !== ProvisionState.Pending) return null;
        const r = await trx
          .updateTable("bootstrap_capabilities")
          .set({ payload: null })
          .where("token_hash", "=", tokenHash)
          .where("payload", "is not", null)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) === 1 ? row.payload : null;
      });
      return taken === null ? null : fromJsonText(taken);
    },
    findProvisionBySession: async (sessionHash) => {
      const row = await db()
        .selectFrom("bootstrap_provisions")
        .selectAll()
        .where("session_hash", "=", sessionHash)
        .executeTakeFirst();
      return row === undefined ? null : toProvision(row);
    },
    finishProvision: async (id, state) => {
      if ((state as string) !== ProvisionState.Completed && (state as string) !== ProvisionState.Failed)
        throw invalid("state must be completed or failed");
      return tx(async (trx) => {
        const row = await trx.selectFrom("bootstrap_provisions").selectAll().where("id", "=", id).executeTakeFirst();
        if (row === undefined) throw provisionNotFound(id);
        if (row.state !== ProvisionState.Pending) throw provisionNotPending(id, row.state);
        const updated = await trx
          .updateTable("bootstrap_provisions")
          .set({ state, completed_at: ctx.now() })
          .where("id", "=", id)
          .where("state", "=", ProvisionState.Pending)
          .returningAll()
          .executeTakeFirst();
        if (updated === undefined) throw provisionNotPending(id, "no longer pending");
        await trx.deleteFrom("bootstrap_capabilities").where("provision_id", "=", id).execute();
        return toProvision(updated);
      });
    },
    lastCompleted: async (deviceId) => {
      const row = await db()
        .selectFrom("bootstrap_provisions")
        .selectAll()
        .where("device_id", "=", deviceId)
        .where("state", "=", ProvisionState.Completed)
        .orderBy("seq", "desc")
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? null : toProvision(row);
    },
    listProvisions: async (query = {}) => {
      const limit = pageLimit(query);
      let q = db().selectFrom("bootstrap_provisions").selectAll();
      if (query.deviceId !== undefined) q = q.where("device_id", "=", query.deviceId);
      if (query.cursor !== undefined) {
        const [before] = decodeCursor(query.cursor, ["number"]);
        q = q.where(sql.ref("seq"), "<", before);
      }
      const rows = await q
        .orderBy("seq", "desc")
        .limit(limit + 1)
        .execute();
      const page = toPage(rows, limit, (r) => [r.seq]);
      return { items: page.items.map(toProvision), nextCursor: page.nextCursor };
    },
    ...createSqlBootstrapTargets(ctx),
  };
}
