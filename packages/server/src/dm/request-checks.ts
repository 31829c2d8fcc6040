// The header checks of a DM POST, before its body is read (docs/protocol.md §3.1, §3.3, §1.6; docs/protocol.md §1.3,
// §1.6): the Content-Type must be a package type this URL takes (415), the Accept header must allow a
// Package#2 (406; a malformed one is 400), and OMADM-DevID must be present (400). Pure: headers in, a decision
// out.
import {
  checkRequestContentType,
  err,
  HDR_ACCEPT,
  HDR_DEVID,
  MT_P2,
  negotiateResponse,
  ok,
  omadmAcceptHeader,
  type Result,
} from "@omadm/protocol";
import { ServerErrorCode } from "../errors.js";
import { deviceIdProblem } from "../device-id.js";
import { makeProblem, problemFromError, refusal, type Refusal } from "../edge/problem.js";

export interface DmRequestHeaders {
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  /** Every OMADM-DevID header line received (duplicates kept apart). */
  readonly devIds: readonly string[];
}

export interface CheckedDmRequest {
  /** The accepted entry of `packageTypes` that the Content-Type matched. */
  readonly packageType: string;
  readonly deviceId: string;
}

/**
 * Content-Type and Accept values that passed, remembered by value: a fleet sends a handful of distinct values,
 * and parsing them again on every package was a measurable part of a session's CPU. Refusals are not
 * remembered (their messages quote the value); each memo is emptied when it reaches MEMO_LIMIT values.
 */
const MEMO_LIMIT = 256;
/** Per list of accepted package types: Content-Type value → the accepted type it matched. */
const contentTypeMemo = new WeakMap<readonly string[], Map<string, string>>();
/** Accept values that allow a Package#2. */
const acceptMemo = new Set<string>();
const PACKAGE2_ONLY: readonly string[] = [MT_P2];

/** Checks the headers against the package media types this URL accepts, in the order 415, 406, 400. */
export function checkDmHeaders(
  headers: DmRequestHeaders,
  packageTypes: readonly string[],
): Result<CheckedDmRequest, Refusal> {
  let memo = contentTypeMemo.get(packageTypes);
  if (memo === undefined) {
    memo = new Map();
    contentTypeMemo.set(packageTypes, memo);
  }
  const contentType = headers.contentType;
  let packageType = contentType === undefined ? undefined : memo.get(contentType);
  if (packageType === undefined) {
    const type = checkRequestContentType(contentType, packageTypes);
    if (!type.ok) {
      return err(
        refusal(
          { ...problemFromError(type.error), accept: packageTypes },
          { [HDR_ACCEPT]: omadmAcceptHeader(packageTypes) },
        ),
      );
    }
    packageType = type.value;
    if (contentType !== undefined) remember(memo, contentType, packageType);
  }
  const acceptHeader = headers.accept;
  if (acceptHeader === undefined || !acceptMemo.has(acceptHeader)) {
    const accept = negotiateResponse(acceptHeader, PACKAGE2_ONLY);
    if (!accept.ok) return err(refusal(problemFromError(accept.error)));
    if (acceptHeader !== undefined) {
      if (acceptMemo.size >= MEMO_LIMIT) acceptMemo.clear();
      acceptMemo.add(acceptHeader);
    }
  }
  const devId = checkDevId(headers.devIds);
  if (!devId.ok) return devId;
  return ok({ packageType, deviceId: devId.value });
}

function remember(memo: Map<string, string>, key: string, value: string): void {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
}

function checkDevId(values: readonly string[]): Result<string, Refusal> {
  // The usual request: one header line.
  const only = values.length === 1 ? (values[0] ?? "").trim() : "";
  if (only !== "") {
    const wrong = deviceIdProblem(only);
    return wrong === null ? ok(only) : err(refusal(invalid(`${HDR_DEVID}: ${wrong}`)));
  }
  const distinct = [...new Set(values.map((v) => v.trim()))].filter((v) => v !== "");
  if (distinct.length === 0) {
    return err(
      refusal(
        makeProblem(
          400,
          ServerErrorCode.DM_DEVID_MISSING,
          `the ${HDR_DEVID} header is required on every Package#1 and Package#3 (the device's DevInfo/DevID) ` +
            `and was ${values.length === 0 ? "missing" : "empty"}`,
        ),
      ),
    );
  }
  const [id = ""] = distinct;
  if (distinct.length > 1) {
    return err(refusal(invalid(`the request carries ${distinct.length} different ${HDR_DEVID} headers`)));
  }
  const wrong = deviceIdProblem(id);
  if (wrong !== null) return err(refusal(invalid(`${HDR_DEVID}: ${wrong}`)));
  return ok(id);
}

function invalid(detail: string) {
  return makeProblem(400, ServerErrorCode.INVALID_INPUT, detail);
}
