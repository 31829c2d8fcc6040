// Webhook delivery (docs/observability.md "Webhooks"). Each webhook has a cursor in the store; a worker per
// webhook reads the event log after it, sends one event at a time (so each webhook receives its events in log
// order), and moves the cursor only once the event was delivered or dead-lettered. A failed attempt is retried
// after an exponential back-off with jitter, up to `maxAttempts`; then the event becomes a dead letter and the
// worker goes on. Nothing lives only in memory: after a restart the workers start again from the cursors, so
// an event in flight at the crash is sent again (at-least-once; receivers de-duplicate by OMADM-Delivery-Id).
//
// With several server nodes (PostgreSQL) the delivery runs on one of them: the store lease `omadm:webhooks`,
// taken and renewed every `pollMs`, decides which; a node that loses it stops before its next attempt. Without a
// lease (single-node stores) the dispatcher just runs; should two run anyway, the cursor's conditional move
// keeps them from skipping events (but not from sending some twice).
import type { EventLog, ServerEvent } from "../events/event-types.js";
import type { Timers } from "../notifier/wake-on-queue.js";
import { createPeriodicJob } from "../periodic-job.js";
import type { Clock } from "../store/types.js";
import type { LeaseStore } from "../store/types-lease.js";
import type { Webhook, WebhookStore } from "../store/types-webhooks.js";
import { sendAttempt as defaultSend, type AttemptResult, type SendAttempt } from "./http-attempt.js";
import { backoffDelay } from "./signature.js";

/** The store's lease part (store/types-lease.ts): a named lease held by one holder until it expires. */
export type DeliveryLease = LeaseStore;

export interface WebhookMetrics {
  /** One attempt: `result` "delivered" | "failed"; `seconds` it took. */
  webhookAttempt(result: string, seconds: number): void;
  /** An event given up on after its last attempt. */
  webhookDeadLettered(): void;
}

export interface DispatcherLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface WebhookDispatcherDeps {
  readonly webhooks: WebhookStore;
  readonly events: EventLog;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: DispatcherLogger;
  /** [0, 1): the back-off jitter. */
  readonly random?: (() => number) | undefined;
  readonly send?: SendAttempt | undefined;
  readonly metrics?: WebhookMetrics | null | undefined;
  readonly lease?: DeliveryLease | null | undefined;
  /** This node's name as a lease holder. */
  readonly holder?: string | undefined;
}

export interface WebhookDispatchOptions {
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** How often the store is read without a wake-up (other nodes' events, a lost wake-up). */
  readonly pollMs: number;
}

export interface RedeliveryResult {
  readonly delivered: boolean;
  readonly error: string | null;
}

export interface WebhookDispatcher {
  start(): void;
  /** New events are in the log: the workers of the webhooks known to be enabled read again at once (no store read
   *  unless the list was never read). */
  kick(): void;
  /** The webhook list changed through this node (created, changed): read it again now. */
  refresh(): void;
  /** Stops the workers: back-off waits end at once, an attempt under way gets up to 2 s (or the time-out) to finish;
   *  one aborted then is sent again by the next dispatcher. */
  stop(): Promise<void>;
  /** One attempt at a dead letter now: delivered → the letter is deleted; failed → its attempt is counted. */
  redeliver(webhookId: string, eventId: number): Promise<RedeliveryResult | null>;
  /** Resolves when no worker is running (tests). */
  idle(): Promise<void>;
}

export const WEBHOOK_LEASE = "omadm:webhooks";
const READ_BATCH = 100;
/** How long `stop()` lets attempts under way finish before it aborts them. */
const STOP_GRACE_MS = 2000;

export function createWebhookDispatcher(
  deps: WebhookDispatcherDeps,
  options: WebhookDispatchOptions,
): WebhookDispatcher {
  const send = deps.send ?? defaultSend;
  const random = deps.random ?? Math.random;
  const holder = deps.holder ?? "omadm";
  const leaseTtl = Math.max(3 * options.pollMs, options.timeoutMs + options.pollMs);
  /** Running workers by webhook id; `again` asks a worker to read once more before it ends. */
  const workers = new Map<string, { again: boolean; done: Promise<void> }>();
  /** Aborted at stop: ends back-off waits at once. */
  let stopper = new AbortController();
  /** Aborted a grace period after stop: an attempt under way may finish, so its event is not sent twice. */
  let sendStopper = new AbortController();
  let running = false;
  let leaseHeld = deps.lease === null || deps.lease === undefined;
  /** The enabled webhooks as of the last tick: what a kick wakes without reading the store (null: not read yet).
   *  A webhook enabled on another node joins at the next tick, within `pollMs`; a worker re-reads its webhook
   *  before every attempt, so one disabled or deleted meanwhile is not sent to. */
  let knownEnabled: readonly string[] | null = null;

  const active = () => running && leaseHeld;

  async function attempt(hook: Webhook, event: ServerEvent, signal?: AbortSignal): Promise<AttemptResult> {
    const started = process.hrtime.bigint();
    const result = await send({
      url: hook.url,
      webhookId: hook.id,
      secret: hook.secret,
      event,
      nowMs: deps.clock.now(),
      timeoutMs: options.timeoutMs,
      signal,
    });
    deps.metrics?.webhookAttempt(result.ok ? "delivered" : "failed", Number(process.hrtime.bigint() - started) / 1e9);
    return result;
  }

  /** Resolves after `ms`, or early (false) when the dispatcher stops. */
  function wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const signal = stopper.signal;
      if (signal.aborted) {
        resolve(false);
        return;
      }
      const onStop = () => {
        deps.timers.clearTimeout(handle);
        resolve(false);
      };
      const handle = deps.timers.setTimeout(() => {
        signal.removeEventListener("abort", onStop);
        resolve(true);
      }, ms);
      signal.addEventListener("abort", onStop, { once: true });
    });
  }

  /** Every attempt at one event; null when the worker must stop (dispatcher stopped, webhook gone or disabled). */
  async function deliver(id: string, event: ServerEvent): Promise<{ attempts: number; error: string | null } | null> {
    let error = "";
    for (let n = 1; n <= options.maxAttempts; n++) {
      if (n > 1 && !(await wait(backoffDelay(n - 1, options.backoffBaseMs, options.backoffMaxMs, random)))) return null;
      // Read before every attempt: the operator may have changed the URL, rotated the secret or disabled it.
      const hook = await deps.webhooks.get(id);
      if (hook === null || !hook.enabled || !active()) return null;
      const result = await attempt(hook, event, sendStopper.signal);
      if (result.ok) return { attempts: n, error: null };
      if (!active()) return null;
      error = result.error ?? "failed";
      deps.logger.warn({ webhookId: hook.id, eventId: event.id, attempt: n, error }, "webhook delivery attempt failed");
    }
    return { attempts: options.maxAttempts, error };
  }

  /** Delivers what the log holds after the webhook's cursor; returns when caught up or told to stop. */
  async function drain(id: string): Promise<void> {
    for (;;) {
      const hook = await deps.webhooks.get(id);
      if (hook === null || !hook.enabled || !active()) return;
      const last = await deps.events.lastId();
      const batch = await deps.events.after({
        afterId: hook.cursor,
        limit: READ_BATCH,
        ...(hook.kinds.length > 0 && { kinds: hook.kinds }),
      });
      if (batch.length === 0) {
        // Nothing it wants up to `last` (ids become visible in order): skip past them so the next read is short.
        if (last > hook.cursor) await deps.webhooks.advance(id, hook.cursor, last);
        return;
      }
      let cursor = hook.cursor;
      for (const event of batch) {
        const outcome = await deliver(id, event);
        if (outcome === null) return;
        const letter =
          outcome.error === null ? undefined : { event, attempts: outcome.attempts, lastError: outcome.error };
        // Another dispatcher moved the cursor (no lease, or ours ran out): read again from where it is now.
        if (!(await deps.webhooks.advance(id, cursor, event.id, letter))) break;
        cursor = event.id;
        if (letter !== undefined) {
          deps.metrics?.webhookDeadLettered();
          deps.logger.warn(
            { webhookId: id, eventId: event.id, attempts: outcome.attempts, error: outcome.error },
            "webhook event dead-lettered",
          );
        }
      }
    }
  }

  function spawn(id: string): void {
    const current = workers.get(id);
    if (current !== undefined) {
      current.again = true;
      return;
    }
    const worker = { again: false, done: Promise.resolve() };
    // Read through a function: `kick()` sets it while `drain` awaits, which flow analysis cannot see.
    const wantsAgain = () => worker.again;
    worker.done = (async () => {
      do {
        worker.again = false;
        try {
          await drain(id);
        } catch (error) {
          // A store failure: the cursor did not move, so the next tick retries from the same place.
          deps.logger.warn({ err: error, webhookId: id }, "webhook delivery stopped on an error; retrying later");
          return;
        }
      } while (wantsAgain() && active());
    })().finally(() => {
      workers.delete(id);
    });
    workers.set(id, worker);
  }

  async function tick(): Promise<void> {
    if (!running) return;
    try {
      if (deps.lease !== null && deps.lease !== undefined) {
        const held = await deps.lease.acquire(WEBHOOK_LEASE, holder, leaseTtl);
        if (held !== leaseHeld)
          deps.logger.info({ holder }, held ? "webhook delivery lease taken" : "webhook delivery lease lost");
        leaseHeld = held;
      }
      if (!active()) return;
      knownEnabled = (await deps.webhooks.list()).filter((hook) => hook.enabled).map((hook) => hook.id);
      for (const id of knownEnabled) spawn(id);
    } catch (error) {
      deps.logger.warn({ err: error }, "webhook dispatch could not read the store; retrying");
    }
  }

  const job = createPeriodicJob(deps.timers, options.pollMs, tick);

  return {
    start() {
      if (running) return;
      running = true;
      stopper = new AbortController();
      sendStopper = new AbortController();
      job.start();
      void job.runOnce();
    },
    kick() {
      // Every appended event batch kicks: reading the list (and, on PostgreSQL, renewing the lease) each time
      // cost a store round trip or two per batch; the periodic tick keeps both current.
      if (knownEnabled === null) void job.runOnce();
      else if (active()) for (const id of knownEnabled) spawn(id);
    },
    refresh() {
      void job.runOnce();
    },
    async stop() {
      if (!running) return;
      running = false;
      stopper.abort();
      const grace = deps.timers.setTimeout(
        () => {
          sendStopper.abort();
        },
        Math.min(options.timeoutMs, STOP_GRACE_MS),
      );
      await job.stop();
      await Promise.allSettled([...workers.values()].map((w) => w.done));
      deps.timers.clearTimeout(grace);
      if (deps.lease !== null && deps.lease !== undefined && leaseHeld) {
        await deps.lease.release(WEBHOOK_LEASE, holder).catch(() => undefined);
        leaseHeld = false;
      }
    },
    async redeliver(webhookId, eventId) {
      const hook = await deps.webhooks.get(webhookId);
      const letter = hook === null ? null : await deps.webhooks.getDeadLetter(webhookId, eventId);
      if (hook === null || letter === null) return null;
      const result = await attempt(hook, letter.event);
      if (result.ok) {
        await deps.webhooks.deleteDeadLetter(webhookId, eventId);
        return { delivered: true, error: null };
      }
      const error = result.error ?? "failed";
      await deps.webhooks.recordDeadLetterAttempt(webhookId, eventId, error);
      return { delivered: false, error };
    },
    async idle() {
      while (workers.size > 0) await Promise.allSettled([...workers.values()].map((w) => w.done));
    },
  };
}
