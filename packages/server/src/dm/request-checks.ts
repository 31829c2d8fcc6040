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

/** Checks the headers against the package media types this URL accepts, in the order 415, 406, 400. */
export function checkDmHeaders(
  headers: DmRequestHeaders,
  packageTypes: readonly string[],
): Result<CheckedDmRequest, Refusal> {
  const type = checkRequestContentType(headers.contentType, packageTypes);
  if (!type.ok) {
    return err(
      refusal(
        { ...problemFromError(type.error), accept: packageTypes },
        { [HDR_ACCEPT]: omadmAcceptHeader(packageTypes) },
      ),
    );
  }
  const accept = negotiateResponse(headers.accept, [MT_P2]);
  if (!accept.ok) return err(refusal(problemFromError(accept.error)));
  const devId = checkDevId(headers.devIds);
  if (!devId.ok) return devId;
  return ok({ packageType: type.value, deviceId: devId.value });
}

function checkDevId(values: readonly string[]): Result<string, Refusal> {
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
