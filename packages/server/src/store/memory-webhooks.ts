// The memory webhook store (types-webhooks.ts): the reference the SQL one is checked against. Like the event log
// its data lives beside a `MemoryStoreData`, so a second memory store on the same data (a simulated restart)
// finds the webhooks, their cursors and dead letters.
/* eslint-disable @typescript-eslint/require-await -- an async interface implemented synchronously. */
import { decodeCursor, pageLimit, toPage } from "./rules.js";
import { out, type MemoryStoreData } from "./memory-context.js";
import type { DeadLetter, Webhook, WebhookStore } from "./types-webhooks.js";
import { checkAdvance, checkNewWebhook, checkWebhookPatch, clipError } from "./webhook-rules.js";
import { deadLetterNotFound, webhookNotFound } from "./webhook-rules.js";

interface WebhookData {
  readonly hooks: Map<string, Webhook>;
  /** Per webhook, by event id. */
  readonly letters: Map<string, Map<number, DeadLetter>>;
}

const held = new WeakMap<MemoryStoreData, WebhookData>();

export function createMemoryWebhooks(
  data: MemoryStoreData,
  ctx: { now(): number; newId(): string; check(): void },
): WebhookStore {
  let found = held.get(data);
  if (found === undefined) {
    found = { hooks: new Map(), letters: new Map() };
    held.set(data, found);
  }
  const { hooks, letters } = found;
  const need = (id: string): Webhook => {
    const hook = hooks.get(id);
    if (hook === undefined) throw webhookNotFound(id);
    return hook;
  };
  return {
    async create(input) {
      ctx.check();
      const checked = checkNewWebhook(input);
      const now = ctx.now();
      const hook: Webhook = { id: ctx.newId(), ...checked, createdAt: now, updatedAt: now };
      hooks.set(hook.id, hook);
      letters.set(hook.id, new Map());
      return out(hook);
    },
    async get(id) {
      ctx.check();
      const hook = hooks.get(id);
      return hook === undefined ? null : out(hook);
    },
    async list() {
      ctx.check();
      return out([...hooks.values()]);
    },
    async update(id, patch) {
      ctx.check();
      const checked = checkWebhookPatch(patch);
      const hook: Webhook = { ...need(id), ...checked, updatedAt: ctx.now() };
      hooks.set(id, hook);
      return out(hook);
    },
    async delete(id) {
      ctx.check();
      letters.delete(id);
      return hooks.delete(id);
    },
    async advance(id, from, to, deadLetter) {
      ctx.check();
      checkAdvance(from, to, deadLetter);
      const hook = hooks.get(id);
      if (hook?.cursor !== from) return false;
      hooks.set(id, { ...hook, cursor: to });
      if (deadLetter !== undefined) {
        const byEvent = letters.get(id) ?? new Map<number, DeadLetter>();
        letters.set(id, byEvent);
        byEvent.set(deadLetter.event.id, {
          webhookId: id,
          eventId: deadLetter.event.id,
          event: out(deadLetter.event),
          attempts: deadLetter.attempts,
          lastError: clipError(deadLetter.lastError),
          failedAt: ctx.now(),
        });
      }
      return true;
    },
    async listDeadLetters(id, query) {
      ctx.check();
      need(id);
      const limit = pageLimit(query);
      const [after] = query?.cursor === undefined ? [0] : decodeCursor(query.cursor, ["number"] as const);
      const rows = [...(letters.get(id)?.values() ?? [])]
        .filter((l) => l.eventId > after)
        .sort((a, b) => a.eventId - b.eventId)
        .slice(0, limit + 1);
      return out(toPage(rows, limit, (l) => [l.eventId]));
    },
    async getDeadLetter(id, eventId) {
      ctx.check();
      const letter = letters.get(id)?.get(eventId);
      return letter === undefined ? null : out(letter);
    },
    async recordDeadLetterAttempt(id, eventId, error) {
      ctx.check();
      const byEvent = letters.get(id);
      const letter = byEvent?.get(eventId);
      if (byEvent === undefined || letter === undefined) throw deadLetterNotFound(id, eventId);
      const next: DeadLetter = {
        ...letter,
        attempts: letter.attempts + 1,
        lastError: clipError(error),
        failedAt: ctx.now(),
      };
      byEvent.set(eventId, next);
      return out(next);
    },
    async deleteDeadLetter(id, eventId) {
      ctx.check();
      return letters.get(id)?.delete(eventId) ?? false;
    },
  };
}
