// SQL store: campaigns and their resolved devices (docs/campaigns.md, migration 0012_campaigns). The spec
// (target, steps, plan) is JSON; the driver's place and each device's progress are columns, so that the driver
// finds its work by index. Changes to one campaign serialize on its advisory lock (PostgreSQL).
import type { Selectable } from "kysely";
import { campaignNotFound, checkCampaignTransition, checkDeviceRows, checkNewCampaign } from "../campaign-rules.js";
import { FINAL_CAMPAIGN_STATES, toWaveCounts } from "../campaign-rules.js";
import { decodeCursor, fromJsonText, pageLimit, toJsonText, toPage } from "../rules.js";
import { CampaignDeviceState, CampaignState } from "../types-campaign.js";
import type { Campaign, CampaignDevice, CampaignStore, CampaignKind, CampaignStep } from "../types-campaign.js";
import type { CampaignTarget, RolloutPlan } from "../types-campaign.js";
import { chunksOf } from "./chunks.js";
import type { Db, SqlContext } from "./sql-context.js";
import type { CampaignDevicesTable, CampaignsTable } from "./schema.js";

function toCampaign(row: Selectable<CampaignsTable>): Campaign {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as CampaignKind,
    state: row.state as CampaignState,
    reason: row.reason,
    target: fromJsonText(row.target) as CampaignTarget,
    steps: fromJsonText(row.steps) as unknown as CampaignStep[],
    plan: fromJsonText(row.plan) as unknown as RolloutPlan,
    deviceCount: row.device_count,
    waveCount: row.wave_count,
    currentWave: row.current_wave,
    currentRate: row.current_rate === null ? null : row.current_rate,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at === null ? null : row.started_at,
    endedAt: row.ended_at === null ? null : row.ended_at,
  };
}

function toDevice(row: Selectable<CampaignDevicesTable>): CampaignDevice {
  return {
    campaignId: row.campaign_id,
    deviceId: row.device_id,
    wave: row.wave,
    state: row.state as CampaignDeviceState,
    step: row.step,
    reason: row.reason,
    attempts: row.attempts,
    wakes: row.wakes,
    commandIds: fromJsonText(row.command_ids) as (string | null)[],
    wokenAt: row.woken_at === null ? null : row.woken_at,
    dueAt: row.due_at === null ? null : row.due_at,
    updatedAt: row.updated_at,
  };
}

async function readCampaign(db: Db, id: string): Promise<Campaign | null> {
  const row = await db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirst();
  return row === undefined ? null : toCampaign(row);
}

async function requireCampaign(db: Db, id: string): Promise<Campaign> {
  const c = await readCampaign(db, id);
  if (c === null) throw campaignNotFound(id);
  return c;
}

const lockKey = (id: string) => `campaign:${id}`;

export function createSqlCampaigns(ctx: SqlContext): CampaignStore {
  return {
    create: async (input) => {
      const checked = checkNewCampaign(input);
      const now = ctx.now();
      const id = ctx.newId();
      await ctx
        .db()
        .insertInto("campaigns")
        .values({
          id,
          name: checked.name,
          kind: checked.kind,
          state: CampaignState.Draft,
          reason: null,
          target: toJsonText(checked.target, "target"),
          steps: toJsonText(checked.steps, "steps"),
          plan: toJsonText(checked.plan, "plan"),
          device_count: 0,
          wave_count: 0,
          current_wave: 0,
          current_rate: checked.plan.ratePerMinute,
          created_at: now,
          updated_at: now,
          started_at: null,
          ended_at: null,
        })
        .execute();
      return requireCampaign(ctx.db(), id);
    },
    get: async (id) => readCampaign(ctx.db(), id),
    list: async (query = {}) => {
      const limit = pageLimit(query);
      let q = ctx.db().selectFrom("campaigns").selectAll();
      if (query.states !== undefined) {
        if (query.states.length === 0) return { items: [], nextCursor: null };
        q = q.where("state", "in", query.states);
      }
      if (query.cursor !== undefined) q = q.where("id", ">", decodeCursor(query.cursor, ["string"])[0]);
      const rows = await q
        .orderBy("id")
        .limit(limit + 1)
        .execute();
      const page = toPage(rows, limit, (r) => [r.id]);
      return { items: page.items.map(toCampaign), nextCursor: page.nextCursor };
    },
    transition: async (id, to, options = {}) =>
      ctx.transaction(async (trx) => {
        await ctx.lock(trx, lockKey(id));
        const c = await requireCampaign(trx, id);
        checkCampaignTransition(id, c.state, to);
        const now = ctx.now();
        await trx
          .updateTable("campaigns")
          .set({
            state: to,
            ...(options.reason !== undefined && { reason: options.reason }),
            ...(options.deviceCount !== undefined && { device_count: options.deviceCount }),
            ...(options.waveCount !== undefined && { wave_count: options.waveCount }),
            started_at: c.startedAt ?? (c.state === CampaignState.Draft ? now : null),
            ended_at: FINAL_CAMPAIGN_STATES.includes(to) ? now : null,
            updated_at: now,
          })
          .where("id", "=", id)
          .execute();
        return requireCampaign(trx, id);
      }),
    updateProgress: async (id, patch) =>
      ctx.transaction(async (trx) => {
        await ctx.lock(trx, lockKey(id));
        await requireCampaign(trx, id);
        await trx
          .updateTable("campaigns")
          .set({
            ...(patch.currentWave !== undefined && { current_wave: patch.currentWave }),
            ...(patch.currentRate !== undefined && { current_rate: patch.currentRate }),
            updated_at: ctx.now(),
          })
          .where("id", "=", id)
          .execute();
        return requireCampaign(trx, id);
      }),
    addDevices: async (id, rows) => {
      checkDeviceRows(rows);
      return ctx.transaction(async (trx) => {
        await requireCampaign(trx, id);
        const now = ctx.now();
        let added = 0;
        for (const part of chunksOf(rows)) {
          const known = new Set(
            (
              await trx
                .selectFrom("devices")
                .select("id")
                .where(
                  "id",
                  "in",
                  part.map((r) => r.deviceId),
                )
                .execute()
            ).map((r) => r.id),
          );
          const values = part
            .filter((r) => known.has(r.deviceId))
            .map((r) => ({
              campaign_id: id,
              device_id: r.deviceId,
              wave: r.wave,
              state: CampaignDeviceState.Pending,
              step: 0,
              reason: null,
              attempts: 0,
              wakes: 0,
              command_ids: "[]",
              woken_at: null,
              due_at: null,
              updated_at: now,
            }));
          if (values.length === 0) continue;
          const result = await trx
            .insertInto("campaign_devices")
            .values(values)
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst();
          added += Number(result.numInsertedOrUpdatedRows ?? 0n);
        }
        return added;
      });
    },
    updateDevices: async (id, patches) =>
      ctx.transaction(async (trx) => {
        await requireCampaign(trx, id);
        const now = ctx.now();
        for (const p of patches) {
          await trx
            .updateTable("campaign_devices")
            .set({
              ...(p.state !== undefined && { state: p.state }),
              ...(p.step !== undefined && { step: p.step }),
              ...(p.reason !== undefined && { reason: p.reason }),
              ...(p.attempts !== undefined && { attempts: p.attempts }),
              ...(p.wakes !== undefined && { wakes: p.wakes }),
              ...(p.commandIds !== undefined && { command_ids: toJsonText(p.commandIds, "commandIds") }),
              ...(p.wokenAt !== undefined && { woken_at: p.wokenAt }),
              ...(p.dueAt !== undefined && { due_at: p.dueAt }),
              updated_at: now,
            })
            .where("campaign_id", "=", id)
            .where("device_id", "=", p.deviceId)
            .execute();
        }
      }),
    listDevices: async (id, query = {}) => {
      const limit = pageLimit(query);
      await requireCampaign(ctx.db(), id);
      let q = ctx.db().selectFrom("campaign_devices").selectAll().where("campaign_id", "=", id);
      if (query.states !== undefined) {
        if (query.states.length === 0) return { items: [], nextCursor: null };
        q = q.where("state", "in", query.states);
      }
      if (query.wave !== undefined) q = q.where("wave", "=", query.wave);
      if (query.maxWave !== undefined) q = q.where("wave", "<=", query.maxWave);
      if (query.cursor !== undefined) q = q.where("device_id", ">", decodeCursor(query.cursor, ["string"])[0]);
      const rows = await q
        .orderBy("device_id")
        .limit(limit + 1)
        .execute();
      const page = toPage(rows, limit, (r) => [r.device_id]);
      return { items: page.items.map(toDevice), nextCursor: page.nextCursor };
    },
    counts: async (id) => {
      await requireCampaign(ctx.db(), id);
      const rows = await ctx
        .db()
        .selectFrom("campaign_devices")
        .select(["wave", "state", (eb) => eb.fn.countAll<number>().as("n")])
        .where("campaign_id", "=", id)
        .groupBy(["wave", "state"])
        .execute();
      return toWaveCounts(rows.map((r) => ({ wave: r.wave, state: r.state, n: r.n })));
    },
  };
}
