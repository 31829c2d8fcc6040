// Input checks for commands and sessions, shared by every store implementation.
import { jsonRoundTrip, requireInt, requireOneOf, requireStrings, requireText } from "./rules.js";
import { DEFAULT_MAX_DELIVERIES, defaultDelivery, MAX_MAX_DELIVERIES } from "./delivery-rules.js";
import { CommandState, DeliveryPolicy, type AsyncCompletion, type AsyncCorrelation, type JsonValue } from "./types.js";
import type { NewCommand } from "./types.js";
import { SessionStatus, type NewSession, type Session, type SessionPatch } from "./types-session.js";

export interface CheckedCommand {
  readonly deviceId: string;
  readonly name: string;
  readonly params: readonly string[];
  readonly idempotencyKey: string | null;
  readonly expiresAt: number | null;
  readonly correlation: AsyncCorrelation | null;
  readonly delivery: DeliveryPolicy;
  readonly maxDeliveries: number;
}

export function checkCorrelation(value: AsyncCorrelation): AsyncCorrelation {
  const sourceUri = requireText(value.sourceUri, "correlation.sourceUri");
  return value.serverUri === undefined
    ? { sourceUri }
    : { sourceUri, serverUri: requireText(value.serverUri, "correlation.serverUri") };
}

export function checkNewCommand(input: NewCommand): CheckedCommand {
  return {
    deviceId: requireText(input.deviceId, "deviceId"),
    name: requireText(input.name, "command name"),
    params: [...requireStrings(input.params, "params")],
    idempotencyKey: input.idempotencyKey === undefined ? null : requireText(input.idempotencyKey, "idempotencyKey"),
    expiresAt: input.expiresAt === undefined ? null : requireInt(input.expiresAt, "expiresAt", 0),
    correlation: input.correlation === undefined ? null : checkCorrelation(input.correlation),
    ...checkDelivery(input.name, input.delivery, input.maxDeliveries),
  };
}

export interface CheckedDelivery {
  readonly delivery: DeliveryPolicy;
  readonly maxDeliveries: number;
}

/** The policy of a new command: the given one or the command's default; at-most-once means one delivery. */
export function checkDelivery(name: string, delivery: unknown, maxDeliveries: unknown): CheckedDelivery {
  const policy =
    delivery === undefined ? defaultDelivery(name) : requireOneOf(delivery, Object.values(DeliveryPolicy), "delivery");
  if (policy === DeliveryPolicy.AtMostOnce) return { delivery: policy, maxDeliveries: 1 };
  const max =
    maxDeliveries === undefined
      ? DEFAULT_MAX_DELIVERIES
      : requireInt(maxDeliveries, "maxDeliveries", 1, MAX_MAX_DELIVERIES);
  return { delivery: policy, maxDeliveries: max };
}

/** Same idempotency key, same command? (name and parameters; expiry and correlation are not compared) */
export function commandsEqual(
  a: { readonly name: string; readonly params: readonly string[] },
  b: { readonly name: string; readonly params: readonly string[] },
): boolean {
  return a.name === b.name && a.params.length === b.params.length && a.params.every((p, i) => p === b.params[i]);
}

/** `D`: what the check made of stateData (the value as JSON gives it back, or a SQL store's JSON text). */
export interface CheckedNewSession<D = JsonValue> {
  readonly deviceId: string;
  readonly stateName: string;
  readonly stateData: D;
  readonly packageNo: number;
  readonly contToken: string | null;
  readonly cookie: string | null;
  readonly idleTimeoutMs: number;
}

function optionalKey(value: string | null | undefined, what: string): string | null {
  return value == null ? null : requireText(value, what);
}

/**
 * `json` checks stateData and makes what the store keeps of it: by default the value as JSON gives it back (the
 * memory store returns what SQL returns); a SQL store passes toJsonText and writes the text as it is, so the
 * state is made JSON once per write, not three times (text, value, and text again).
 */
export function checkNewSession<D = JsonValue>(
  input: NewSession,
  json: (value: unknown, what: string) => D = jsonRoundTrip as (value: unknown, what: string) => D,
): CheckedNewSession<D> {
  return {
    deviceId: requireText(input.deviceId, "deviceId"),
    stateName: requireText(input.stateName, "stateName"),
    stateData: json(input.stateData === undefined ? null : input.stateData, "stateData"),
    packageNo: input.packageNo === undefined ? 1 : requireInt(input.packageNo, "packageNo", 0),
    contToken: optionalKey(input.contToken, "contToken"),
    cookie: optionalKey(input.cookie, "cookie"),
    idleTimeoutMs: requireInt(input.idleTimeoutMs, "idleTimeoutMs", 1),
  };
}

export interface CheckedSessionPatch<D = JsonValue> {
  readonly stateName?: string;
  readonly stateData?: D;
  readonly packageNo?: number;
  readonly contToken?: string | null;
  readonly cookie?: string | null;
  readonly idleTimeoutMs?: number;
}

/** `json`: as for checkNewSession. */
export function checkSessionPatch<D = JsonValue>(
  patch: SessionPatch,
  json: (value: unknown, what: string) => D = jsonRoundTrip as (value: unknown, what: string) => D,
): CheckedSessionPatch<D> {
  const out: { -readonly [K in keyof CheckedSessionPatch<D>]: CheckedSessionPatch<D>[K] } = {};
  if (patch.stateName !== undefined) out.stateName = requireText(patch.stateName, "stateName");
  if (patch.stateData !== undefined) out.stateData = json(patch.stateData, "stateData");
  if (patch.packageNo !== undefined) out.packageNo = requireInt(patch.packageNo, "packageNo", 0);
  if (patch.contToken !== undefined) out.contToken = optionalKey(patch.contToken, "contToken");
  if (patch.cookie !== undefined) out.cookie = optionalKey(patch.cookie, "cookie");
  if (patch.idleTimeoutMs !== undefined) out.idleTimeoutMs = requireInt(patch.idleTimeoutMs, "idleTimeoutMs", 1);
  return out;
}

/** Open and not past its idle expiry (docs/protocol.md §1.5: after the idle timeout the state is dropped). */
export function sessionLive(session: Pick<Session, "status" | "idleExpiresAt">, now: number): boolean {
  return session.status === SessionStatus.Open && session.idleExpiresAt > now;
}

export function checkCloseReason(reason: unknown): void {
  requireOneOf(reason, [SessionStatus.Ended, SessionStatus.Aborted, SessionStatus.Expired], "reason");
}

/** Checks an asynchronous completion; returns its data as JSON, or undefined when it carries none. */
export function checkCompletion(completion: AsyncCompletion): JsonValue | undefined {
  requireInt(completion.statusCode, "statusCode", 0, 999);
  requireOneOf(completion.outcome, [CommandState.Done, CommandState.Failed], "outcome");
  if (completion.alertId !== undefined) requireText(completion.alertId, "alertId");
  return completion.data === undefined ? undefined : jsonRoundTrip(completion.data, "data");
}
