// Memory store: the per-device command queue (the DM sessions, which requeue what they had in flight when they
// close, are in memory-sessions.ts and use `requeue` from here).
/* eslint-disable @typescript-eslint/require-await -- see memory-store.ts */
import { ServerError, ServerErrorCode } from "../errors.js";
import { memoryPage, out, requireDevice, type MemoryContext } from "./memory-context.js";
import { checkCompletion, checkNewCommand, commandsEqual, sessionLive } from "./queue-rules.js";
import { checkCancellable, checkResultTarget, commandNotFound, illegalCommand, invalid } from "./rules.js";
import { jsonRoundTrip, requireInt, sessionNotFound, sweepLimit, validateResults } from "./rules.js";
import type { CommandStore } from "./store.js";
import { unansweredOutcome } from "./delivery-rules.js";
import { CommandState, type Command, type CommandOutcome } from "./types.js";

function setCommand(ctx: MemoryContext, next: Command): void {
  const row = ctx.data.commands.get(next.id);
  if (row !== undefined) ctx.data.commands.set(next.id, { seq: row.seq, rec: next });
}

/** The commands `sent` in the session go back to the queue or end, by their delivery policy (delivery-rules.ts). */
export function requeue(
  ctx: MemoryContext,
  sessionId: string,
  now: number,
): { requeued: Command[]; unanswered: Command[] } {
  const requeued: Command[] = [];
  const unanswered: Command[] = [];
  for (const { rec } of ctx.data.commands.values()) {
    if (rec.state !== CommandState.Sent || rec.sessionId !== sessionId) continue;
    const outcome = unansweredOutcome(rec);
    if (outcome.state === CommandState.Queued) {
      const next: Command = {
        ...rec,
        state: CommandState.Queued,
        sessionId: null,
        packageNo: null,
        position: null,
        updatedAt: now,
      };
      setCommand(ctx, next);
      requeued.push(next);
    } else {
      // Ended: session, package and position stay, to say where it went out last.
      const next: Command = { ...rec, state: outcome.state, reason: outcome.reason, updatedAt: now, completedAt: now };
      setCommand(ctx, next);
      unanswered.push(next);
    }
  }
  return { requeued, unanswered };
}

function completedAt(outcome: CommandOutcome, now: number): number | null {
  return outcome === CommandState.Accepted ? null : now;
}

export function createMemoryCommands(ctx: MemoryContext): CommandStore {
  const { data } = ctx;
  const find = (id: string) => data.commands.get(id)?.rec;
  const byKey = (deviceId: string, key: string) =>
    [...data.commands.values()].find((c) => c.rec.deviceId === deviceId && c.rec.idempotencyKey === key)?.rec;
  return {
    enqueue: async (input) => {
      ctx.check();
      const c = checkNewCommand(input);
      requireDevice(ctx, c.deviceId);
      if (c.idempotencyKey !== null) {
        const existing = byKey(c.deviceId, c.idempotencyKey);
        if (existing !== undefined) {
          if (!commandsEqual(existing, c)) {
            throw new ServerError(
              ServerErrorCode.IDEMPOTENCY_CONFLICT,
              `idempotency key ${c.idempotencyKey} was used for a different command`,
            );
          }
          return { command: out(existing), created: false };
        }
      }
      const now = ctx.now();
      const command: Command = {
        id: ctx.newId(),
        ...c,
        state: CommandState.Queued,
        createdAt: now,
        updatedAt: now,
        sentAt: null,
        completedAt: null,
        attempts: 0,
        sessionId: null,
        packageNo: null,
        position: null,
        statusCode: null,
        result: null,
        reason: null,
      };
      data.commands.set(command.id, { seq: ctx.nextSeq(), rec: command });
      return { command: out(command), created: true };
    },
    get: async (id) => {
      ctx.check();
      const c = find(id);
      return c === undefined ? null : out(c);
    },
    findByIdempotencyKey: async (deviceId, key) => {
      ctx.check();
      const c = byKey(deviceId, key);
      return c === undefined ? null : out(c);
    },
    takeBatch: async (input) => {
      ctx.check();
      const max = requireInt(input.max, "max", 1);
      const packageNo = requireInt(input.packageNo, "packageNo", 0);
      const first = requireInt(input.firstPosition ?? 0, "firstPosition", 0);
      const now = ctx.now();
      const session = data.sessions.get(input.sessionId);
      if (session === undefined) throw sessionNotFound(input.sessionId);
      if (session.deviceId !== input.deviceId || !sessionLive(session, now)) {
        throw new ServerError(
          ServerErrorCode.SESSION_NOT_OPEN,
          `session ${session.id} is not the device's live session`,
        );
      }
      const taken: Command[] = [];
      for (const { rec } of data.commands.values()) {
        if (taken.length === max) break;
        if (rec.deviceId !== input.deviceId || rec.state !== CommandState.Queued) continue;
        if (rec.expiresAt !== null && rec.expiresAt <= now) {
          setCommand(ctx, { ...rec, state: CommandState.Expired, updatedAt: now, completedAt: now });
          continue;
        }
        const next: Command = {
          ...rec,
          state: CommandState.Sent,
          sessionId: session.id,
          packageNo,
          position: first + taken.length,
          sentAt: now,
          attempts: rec.attempts + 1,
          updatedAt: now,
        };
        setCommand(ctx, next);
        taken.push(next);
      }
      return out(taken);
    },
    recordResults: async (sessionId, results) => {
      ctx.check();
      validateResults(results);
      for (const r of results) checkResultTarget(r, find(r.commandId), sessionId);
      const prepared = results.map((r) => ({
        r,
        data: r.data === undefined ? null : jsonRoundTrip(r.data, "data"),
      }));
      const now = ctx.now();
      return out(
        prepared.map(({ r, data: resultData }) => {
          const rec = find(r.commandId) as Command;
          // A command cancelled while sent stays cancelled; its late answer is recorded (docs/delivery.md).
          const next: Command = {
            ...rec,
            state: rec.state === CommandState.Cancelled ? rec.state : r.outcome,
            statusCode: r.statusCode,
            result: { uris: [...(r.uris ?? [])], data: resultData },
            correlation: r.correlation === undefined ? rec.correlation : { ...r.correlation },
            completedAt: rec.state === CommandState.Cancelled ? rec.completedAt : completedAt(r.outcome, now),
            updatedAt: now,
          };
          setCommand(ctx, next);
          return next;
        }),
      );
    },
    completeAccepted: async (selector, completion) => {
      ctx.check();
      const resultData = checkCompletion(completion);
      let rec: Command | undefined;
      if ("commandId" in selector) {
        rec = find(selector.commandId);
        if (rec === undefined) throw commandNotFound(selector.commandId);
        if (rec.state !== CommandState.Accepted) throw illegalCommand(rec.id, rec.state, completion.outcome);
      } else {
        rec = [...data.commands.values()].find(
          ({ rec: c }) =>
            c.deviceId === selector.deviceId &&
            c.state === CommandState.Accepted &&
            c.correlation?.sourceUri === selector.sourceUri,
        )?.rec;
        if (rec === undefined) return null;
      }
      const alert = completion.alertId === undefined ? undefined : data.alerts.get(completion.alertId);
      if (completion.alertId !== undefined && alert?.rec.deviceId !== rec.deviceId) {
        throw invalid(`alert ${completion.alertId} is not an alert of device ${rec.deviceId}`);
      }
      const now = ctx.now();
      const next: Command = {
        ...rec,
        state: completion.outcome,
        statusCode: completion.statusCode,
        result: { uris: rec.result?.uris ?? [], data: resultData ?? rec.result?.data ?? null },
        completedAt: now,
        updatedAt: now,
      };
      setCommand(ctx, next);
      if (alert !== undefined)
        data.alerts.set(alert.rec.id, { seq: alert.seq, rec: { ...alert.rec, matchedCommandId: rec.id } });
      return out(next);
    },
    requeueSession: async (sessionId) => {
      ctx.check();
      return out(requeue(ctx, sessionId, ctx.now()).requeued);
    },
    expireDue: async (options = {}) => {
      ctx.check();
      const limit = sweepLimit(options);
      const now = ctx.now();
      let count = 0;
      for (const { rec } of data.commands.values()) {
        if (count >= limit) break;
        if (rec.state === CommandState.Queued && rec.expiresAt !== null && rec.expiresAt <= now) {
          setCommand(ctx, { ...rec, state: CommandState.Expired, updatedAt: now, completedAt: now });
          count++;
        }
      }
      return count;
    },
    cancel: async (id) => {
      ctx.check();
      const rec = find(id);
      if (rec === undefined) throw commandNotFound(id);
      checkCancellable(id, rec.state);
      const now = ctx.now();
      const next: Command = { ...rec, state: CommandState.Cancelled, updatedAt: now, completedAt: now };
      setCommand(ctx, next);
      return out(next);
    },
    list: async (query = {}) => {
      ctx.check();
      const states = query.state === undefined ? undefined : ([] as string[]).concat(query.state);
      const rows = [...data.commands.values()].filter(
        ({ rec }) =>
          (query.deviceId === undefined || rec.deviceId === query.deviceId) &&
          (query.sessionId === undefined || rec.sessionId === query.sessionId) &&
          (states === undefined || states.includes(rec.state)),
      );
      const page = memoryPage(rows, query, (row) => [row.seq], ["number"]);
      return { items: page.items.map((row) => row.rec), nextCursor: page.nextCursor };
    },
  };
}
