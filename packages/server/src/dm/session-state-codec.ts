// Reading a DM session state back from the store. The state is written by this server (any node), but a
// database is outside the process: a row edited by hand, or written by an incompatible version, must give a
// typed error (DM_SESSION_STATE_CORRUPT), never a crash deep inside a handler.
import { err, ok, type Result } from "@omadm/protocol";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { JsonValue } from "../store/types.js";
import { DmEndReason, DmStateKind, type DmSentItem, type DmState } from "./session-machine.js";

type Obj = Readonly<Record<string, unknown>>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isPackageNo = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

/** The stored form of a state: exactly the state object (it is already JSON). */
export function encodeDmState(state: DmState): JsonValue {
  return state as unknown as JsonValue;
}

/** Validates a stored state; `stateName` must agree with the state's own kind. */
export function decodeDmState(stateName: string, data: JsonValue): Result<DmState, ServerError> {
  const state = check(data);
  if (state === undefined || state.kind !== stateName) {
    return err(
      new ServerError(
        ServerErrorCode.DM_SESSION_STATE_CORRUPT,
        `the stored DM session state (${stateName}) is not a valid session state of this server`,
      ),
    );
  }
  return ok(state);
}

function check(v: unknown): DmState | undefined {
  if (!isObj(v)) return undefined;
  switch (v.kind) {
    case DmStateKind.Start:
      return { kind: DmStateKind.Start };
    case DmStateKind.Composing:
      return isPackageNo(v.packageNo) && typeof v.contUri === "string" && typeof v.first === "boolean"
        ? { kind: DmStateKind.Composing, packageNo: v.packageNo, contUri: v.contUri, first: v.first }
        : undefined;
    case DmStateKind.AwaitingPackage3: {
      if (!isPackageNo(v.packageNo) || typeof v.contUri !== "string" || !Array.isArray(v.sent)) return undefined;
      const sent: DmSentItem[] = [];
      for (const item of v.sent as unknown[]) {
        const s = checkSent(item);
        if (s === undefined) return undefined;
        sent.push(s);
      }
      return { kind: DmStateKind.AwaitingPackage3, packageNo: v.packageNo, contUri: v.contUri, sent };
    }
    case DmStateKind.Ended: {
      const reasons: readonly unknown[] = Object.values(DmEndReason);
      return isPackageNo(v.packageNo) && reasons.includes(v.reason)
        ? { kind: DmStateKind.Ended, packageNo: v.packageNo, reason: v.reason as DmEndReason }
        : undefined;
    }
    default:
      return undefined;
  }
}

function checkSent(v: unknown): DmSentItem | undefined {
  if (!isObj(v)) return undefined;
  if (!(v.commandId === null || typeof v.commandId === "string")) return undefined;
  if (typeof v.name !== "string" || !isStrings(v.params)) return undefined;
  if (v.sourceUri === undefined) return { commandId: v.commandId, name: v.name, params: v.params };
  if (typeof v.sourceUri !== "string") return undefined;
  return { commandId: v.commandId, name: v.name, params: v.params, sourceUri: v.sourceUri };
}
