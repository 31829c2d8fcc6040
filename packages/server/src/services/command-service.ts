// The command service: how operators (the REST API, the UI-session service) put commands into a device's
// durable queue. It checks what the store cannot know — the command's parameters
// against the DM 2.0 tables (docs/protocol.md §4), that END/CONT stay the server's, the expiry — and then leaves
// atomicity, idempotency and durability to the store (ARCHITECTURE.md invariant 5).
import { ServerError, ServerErrorCode } from "../errors.js";
import type { Store } from "../store/store.js";
import type {
  AsyncCorrelation,
  Clock,
  Command,
  CommandQuery,
  DeliveryPolicy,
  NewCommand,
  Page,
} from "../store/types.js";
import { checkOperatorCommand, type OperatorCommandInput } from "./command-input.js";

/** Longest idempotency key accepted (a UUID is 36; this leaves room for "<client>:<uuid>" schemes). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
/** Longest TTL accepted: one year. A command that should wait longer than that is better queued later. */
export const MAX_TTL_SECONDS = 365 * 24 * 3600;

export interface CommandServiceDeps {
  /** With `transaction`, `enqueueMany` queues a whole list in one commit; without, one command at a time. */
  readonly store: Pick<Store, "commands"> & Partial<Pick<Store, "transaction">>;
  readonly clock: Clock;
  /**
   * Called after a new command is durably stored (not for an idempotent repeat), e.g.
   * `(id) => wakeOnQueue.commandQueued(id)`. Its failures are reported to `onQueuedError` and never undo or
   * fail the enqueue: the command is safely queued either way and the next session will take it.
   */
  readonly onQueued?: ((deviceId: string, command: Command) => unknown) | undefined;
  readonly onQueuedError?: ((error: unknown, deviceId: string) => void) | undefined;
}

export interface CommandServiceOptions {
  /** Accept plain-http ServerURIs (loopback tests, docs/protocol.md §6.2); default false: https only. */
  readonly allowHttp?: boolean | undefined;
  /** dm.maxDeliveries: how many times an at-least-once command may go out (default 3, docs/delivery.md). */
  readonly maxDeliveries?: number | undefined;
}

export interface EnqueueRequest {
  readonly deviceId: string;
  /** The P2 array form `["HGET", serverUri, clientUri]` or the named form `{ name: "HGET", serverUri, … }`. */
  readonly command: OperatorCommandInput;
  /** Same key for the same device → the first command back, not a second one. */
  readonly idempotencyKey?: string | undefined;
  /** Epoch ms after which the command is not sent any more (it becomes `expired`). */
  readonly expiresAt?: number | undefined;
  /** Alternative to `expiresAt`: seconds from now. */
  readonly ttlSeconds?: number | undefined;
  /** Default: the command's own (at-most-once for EXEC, HPOST, SHOW; docs/delivery.md). */
  readonly delivery?: DeliveryPolicy | undefined;
}

export interface EnqueueResponse {
  readonly command: Command;
  /** false when the idempotency key matched an earlier command, which is returned unchanged. */
  readonly created: boolean;
}

/** Most requests one `enqueueMany` takes. */
export const MAX_BULK_COMMANDS = 1000;

/** One request of `enqueueMany`: queued (or its idempotent repeat found), or refused with its error. */
export type BulkEnqueueResult =
  (EnqueueResponse & { readonly deviceId: string }) | { readonly deviceId: string; readonly error: ServerError };

export interface CommandService {
  /**
   * Checks and queues a command. COMMAND_INVALID (parameter named), COMMAND_RESERVED (END, CONT),
   * INVALID_INPUT (key, expiry), DEVICE_NOT_FOUND, IDEMPOTENCY_CONFLICT (same key, different command).
   */
  enqueue(request: EnqueueRequest): Promise<EnqueueResponse>;
  /**
   * Checks and queues up to MAX_BULK_COMMANDS commands in one store transaction (one commit): each request is
   * checked and queued on its own, and one refused (the same errors as `enqueue`) changes nothing else.
   */
  enqueueMany(requests: readonly EnqueueRequest[]): Promise<readonly BulkEnqueueResult[]>;
  /** queued | sent | accepted → cancelled. COMMAND_NOT_FOUND, COMMAND_ILLEGAL_TRANSITION. */
  cancel(id: string): Promise<Command>;
  /** COMMAND_NOT_FOUND when there is none. */
  get(id: string): Promise<Command>;
  list(query?: CommandQuery): Promise<Page<Command>>;
}

export function createCommandService(deps: CommandServiceDeps, options: CommandServiceOptions = {}): CommandService {
  const allowHttp = options.allowHttp ?? false;
  const { store, clock } = deps;

  function notifyQueued(deviceId: string, command: Command): void {
    if (deps.onQueued === undefined) return;
    try {
      const pending = deps.onQueued(deviceId, command);
      if (pending instanceof Promise) pending.catch((error: unknown) => deps.onQueuedError?.(error, deviceId));
    } catch (error) {
      deps.onQueuedError?.(error, deviceId);
    }
  }

  function newCommandOf(request: EnqueueRequest): NewCommand {
    const { command, item } = checkOperatorCommand(request.command, { allowHttp });
    return {
      deviceId: request.deviceId,
      name: command.name,
      params: item.slice(1),
      idempotencyKey: checkIdempotencyKey(request.idempotencyKey),
      expiresAt: expiryOf(request, clock.now()),
      correlation: correlationOf(command.name === "EXEC" ? command : undefined),
      delivery: request.delivery,
      maxDeliveries: options.maxDeliveries,
    };
  }

  return {
    async enqueue(request) {
      const result = await store.commands.enqueue(newCommandOf(request));
      if (result.created) notifyQueued(result.command.deviceId, result.command);
      return result;
    },
    async enqueueMany(requests) {
      if (requests.length > MAX_BULK_COMMANDS) {
        throw new ServerError(ServerErrorCode.INVALID_INPUT, `a bulk enqueue takes 1 to ${MAX_BULK_COMMANDS} commands`);
      }
      const inputs = requests.map((request) => {
        try {
          return newCommandOf(request);
        } catch (error) {
          return refusal(request.deviceId, error);
        }
      });
      // A store that queues a list in one step (PostgreSQL: one statement) takes it whole; else one `enqueue`
      // per command in one transaction, a refused one rolled back alone (a savepoint): the others go on.
      const many = store.commands.enqueueMany?.bind(store.commands);
      const queueAll = async (commands: Pick<Store, "commands">["commands"]) => {
        const out: BulkEnqueueResult[] = [];
        for (const input of inputs) {
          if ("error" in input) {
            out.push(input);
            continue;
          }
          try {
            out.push({ deviceId: input.deviceId, ...(await commands.enqueue(input)) });
          } catch (error) {
            out.push(refusal(input.deviceId, error));
          }
        }
        return out;
      };
      const results =
        many !== undefined
          ? await queueMany(many, inputs)
          : store.transaction === undefined
            ? await queueAll(store.commands)
            : await store.transaction((tx) => queueAll(tx.commands));
      for (const r of results) if ("created" in r && r.created) notifyQueued(r.deviceId, r.command);
      return results;
    },
    cancel: (id) => store.commands.cancel(id),
    async get(id) {
      const found = await store.commands.get(id);
      if (found === null) throw new ServerError(ServerErrorCode.COMMAND_NOT_FOUND, `no command ${id}`);
      return found;
    },
    list: (query) => store.commands.list(query),
  };
}

/** The inputs the service's checks passed, queued with the store's `enqueueMany`; the refused kept in place. */
async function queueMany(
  many: NonNullable<Store["commands"]["enqueueMany"]>,
  inputs: readonly (NewCommand | BulkEnqueueResult)[],
): Promise<BulkEnqueueResult[]> {
  const accepted = inputs.filter((i): i is NewCommand => !("error" in i));
  const stored = await many(accepted);
  let next = 0;
  return inputs.map((input) => {
    if ("error" in input) return input;
    const r = stored[next++];
    if (r === undefined) throw new Error("enqueueMany gave fewer results than inputs");
    return "error" in r ? { deviceId: input.deviceId, error: r.error } : { deviceId: input.deviceId, ...r };
  });
}

function refusal(deviceId: string, error: unknown): { readonly deviceId: string; readonly error: ServerError } {
  // Every refusal of the checks and the store is a ServerError; anything else is a fault and fails the call.
  if (error instanceof ServerError) return { deviceId, error };
  throw error;
}

/**
 * EXEC is the one command answered 202 and completed later by a Generic Alert whose SourceURI is the executed
 * ClientURI (docs/protocol.md §4.4, §4.12): record that now so the alert can be matched back to this command.
 */
function correlationOf(exec: { readonly clientUri: string; readonly serverUri?: string } | undefined) {
  if (exec === undefined) return undefined;
  const correlation: AsyncCorrelation =
    exec.serverUri === undefined
      ? { sourceUri: exec.clientUri }
      : { sourceUri: exec.clientUri, serverUri: exec.serverUri };
  return correlation;
}

function checkIdempotencyKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  // Printable ASCII only, so a key round-trips through an HTTP header unchanged (RFC 9110 §5.5 field values).
  if (typeof key !== "string" || !/^[\x21-\x7e]+$/.test(key) || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new ServerError(
      ServerErrorCode.INVALID_INPUT,
      `idempotency key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters without spaces`,
    );
  }
  return key;
}

function expiryOf(request: EnqueueRequest, now: number): number | undefined {
  const { expiresAt, ttlSeconds } = request;
  if (expiresAt !== undefined && ttlSeconds !== undefined) {
    throw new ServerError(ServerErrorCode.INVALID_INPUT, "give either expiresAt or ttlSeconds, not both");
  }
  if (ttlSeconds !== undefined) {
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
      throw new ServerError(
        ServerErrorCode.INVALID_INPUT,
        `ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}`,
      );
    }
    return now + ttlSeconds * 1000;
  }
  if (expiresAt !== undefined) {
    if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) {
      throw new ServerError(ServerErrorCode.INVALID_INPUT, "expiresAt must be a time in the future");
    }
    return expiresAt;
  }
  return undefined;
}
