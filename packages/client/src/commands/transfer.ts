// HTTP transfers of MO data between the DM Client and a Data Repository or DM Server endpoint: the PUT/POST of
// HPUT, HPOST and SUB reports with the 415 + OMADM-Accept retry (docs/protocol.md §4.10, §1.6; docs/protocol.md §1.6, §4.2,
// §4.10), and the GET of HGET with `Accept` (docs/protocol.md §4.1 step 1). Every request carries `OMADM-DevID`
// (docs/protocol.md §1.3 (omadm's choice): harmless, and it lets a repository identify the device). A repository that
// authenticates devices (docs/protocol.md §11.2) gets its 401 answered once with the credentials of the DM Account
// the transfer is for, exactly as the session answers its DM Server.
import { randomBytes } from "node:crypto";
import { errorMessage, HDR_ACCEPT, HDR_DEVID, type MoSerialization, Status } from "@omadm/protocol";
import { createHttpAuthenticator } from "../http/http-auth.js";
import {
  HttpErrorCode,
  headerValue,
  headerValues,
  isHttpTransportError,
  type HttpResponse,
} from "../http/http-client.js";
import { readAccounts } from "../tree/dmacc.js";
import type { CommandEnv } from "./command-env.js";
import { chooseRetryType, chooseSendType } from "./server-accept.js";

/** How a PUT/POST of MO data ended. */
export type SendOutcome =
  | { readonly kind: "sent"; readonly mediaType: string; readonly httpStatus: number }
  /** An HTTP error status (after the one 415 retry, if any). */
  | { readonly kind: "http-error"; readonly httpStatus: number; readonly mediaType: string }
  /** 415 with an OMADM-Accept listing nothing this client writes (§1.6: 406 for HPUT/HPOST). */
  | { readonly kind: "not-acceptable"; readonly omadmAccept: string }
  | { readonly kind: "transport"; readonly code: string; readonly message: string };

export interface SendRequest {
  readonly method: "PUT" | "POST";
  readonly url: string;
  readonly items: MoSerialization;
  /** The DM Server whose OMADM-Accept list applies (the session's server, or the subscriber). */
  readonly serverId: string;
  readonly signal?: AbortSignal;
}

/** The DM status for a send outcome (docs/protocol.md §4.2, omadm's choice). */
export function sendStatus(outcome: SendOutcome): number {
  switch (outcome.kind) {
    case "sent":
      return Status.OK;
    case "http-error":
      return outcome.httpStatus;
    case "not-acceptable":
      return Status.NOT_ACCEPTABLE;
    case "transport":
      return transportStatus(outcome.code);
  }
}

/** A transport failure as a DM status: 503 (unreachable, timed out), 413 (body too large), 400 (unusable URL). */
export function transportStatus(code: string): number {
  if (code === HttpErrorCode.BODY_TOO_LARGE) return Status.REQUEST_ENTITY_TOO_LARGE;
  if (code === HttpErrorCode.BAD_URL) return Status.BAD_REQUEST;
  return Status.SERVICE_UNAVAILABLE;
}

type TransferRequest = {
  method: "GET" | "PUT" | "POST";
  url: string;
  headers: Record<string, string>;
  body?: Uint8Array;
};
type Exchanged = { ok: true; response: HttpResponse } | { ok: false; code: string; message: string };

/**
 * One transfer; a 401 with a challenge is answered once with the HTTP credentials (DMAcc Ext/HttpAuth) of the
 * account `serverId` names. Without credentials, or after a second 401, the 401 stands (copied into the status).
 */
async function exchange(
  env: CommandEnv,
  req: TransferRequest,
  signal: AbortSignal | undefined,
  serverId: string | undefined,
): Promise<Exchanged> {
  const first = await send(env, req, signal);
  if (!first.ok || first.response.status !== 401 || serverId === undefined) return first;
  const challenges = headerValues(first.response.headers, "www-authenticate");
  const credentials = readAccounts(env.tree).find((a) => a.srvId === serverId)?.httpAuth;
  if (challenges.length === 0 || credentials === undefined) return first;
  const auth = createHttpAuthenticator({
    credentials,
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
    // §11.2 (omadm's choice): Basic over plain http only where plain http is allowed at all (as for sessions).
    allowBasicOverHttp: env.allowHttp,
  });
  const answer = auth.answer(challenges, { method: req.method, url: req.url, ...(req.body && { body: req.body }) });
  if (!answer.ok) {
    env.logger.info?.({ url: req.url, code: answer.error.code }, `401 not answered: ${answer.error.message}`);
    return first;
  }
  return send(env, { ...req, headers: { ...req.headers, Authorization: answer.value } }, signal);
}

async function send(env: CommandEnv, req: TransferRequest, signal: AbortSignal | undefined): Promise<Exchanged> {
  try {
    const response = await env.http.request({
      ...req,
      timeoutMs: env.transferTimeoutMs,
      ...(signal === undefined ? {} : { signal }),
    });
    return { ok: true, response };
  } catch (error) {
    if (isHttpTransportError(error)) return { ok: false, code: error.code, message: error.message };
    // The HttpClient contract allows only HttpTransportError; anything else is treated as a network failure.
    return { ok: false, code: HttpErrorCode.NETWORK, message: errorMessage(error) };
  }
}

/**
 * Sends `items` to `url` in the best supported type (chooseSendType); on `415` with `OMADM-Accept` it retries once
 * in a listed type this client writes, and remembers that type for the URL.
 */
export async function sendMoData(env: CommandEnv, req: SendRequest): Promise<SendOutcome> {
  const supported = env.codecs.mediaTypes;
  let mediaType = chooseSendType(
    supported,
    env.serverAccept.uriType(req.url),
    env.serverAccept.serverAccept(req.serverId),
  );
  for (let attempt = 0; ; attempt++) {
    const codec = env.codecs.codecFor(mediaType);
    // Unreachable: both choosers pick from env.codecs.mediaTypes. Kept total rather than asserted.
    if (codec === undefined) return { kind: "not-acceptable", omadmAccept: mediaType };
    const r = await exchange(
      env,
      {
        method: req.method,
        url: req.url,
        headers: { "Content-Type": mediaType, [HDR_DEVID]: env.devId },
        body: codec.encode(req.items),
      },
      req.signal,
      req.serverId,
    );
    if (!r.ok) return { kind: "transport", code: r.code, message: r.message };
    const status = r.response.status;
    if (status >= 200 && status < 300) {
      if (attempt > 0) env.serverAccept.rememberUriType(req.url, mediaType);
      return { kind: "sent", mediaType, httpStatus: status };
    }
    const omadmAccept = headerValue(r.response.headers, HDR_ACCEPT);
    if (status !== Status.UNSUPPORTED_MEDIA_TYPE || attempt > 0 || omadmAccept === undefined) {
      return { kind: "http-error", httpStatus: status, mediaType };
    }
    // §1.6: retry once in one of the listed types; none we write → 406 (HPUT/HPOST), pending (SUB).
    const retry = chooseRetryType(supported, mediaType, omadmAccept);
    if (retry === undefined) return { kind: "not-acceptable", omadmAccept };
    env.logger.info?.({ url: req.url, refused: mediaType, retry }, "415 Unsupported Media Type: retrying once");
    mediaType = retry;
  }
}

/** How an HGET download ended. */
export type FetchOutcome =
  | { readonly kind: "items"; readonly items: MoSerialization }
  | { readonly kind: "failed"; readonly sc: number; readonly message: string };

/**
 * GETs MO data from a Data Repository (docs/protocol.md §4.1 steps 1–2) and decodes it in the format the response
 * names (docs/protocol.md §4.1, omadm's choice): repository error ≥ 400 → that code; no response → 503; a format
 * this client does not read → 415; a body it cannot decode → 400; larger than maxBodyBytes → 413.
 */
export async function fetchMoData(
  env: CommandEnv,
  url: string,
  signal?: AbortSignal,
  serverId?: string,
): Promise<FetchOutcome> {
  const r = await exchange(
    env,
    { method: "GET", url, headers: { Accept: env.codecs.acceptHeader, [HDR_DEVID]: env.devId } },
    signal,
    serverId,
  );
  if (!r.ok) return { kind: "failed", sc: transportStatus(r.code), message: r.message };
  const { status, headers, body } = r.response;
  if (status >= 400) return { kind: "failed", sc: status, message: `the repository answered HTTP ${status}` };
  if (status < 200 || status >= 300) {
    return { kind: "failed", sc: Status.COMMAND_FAILED, message: `unexpected HTTP ${status} from the repository` };
  }
  if (body.byteLength > env.maxBodyBytes) {
    return {
      kind: "failed",
      sc: Status.REQUEST_ENTITY_TOO_LARGE,
      message: `MO data of ${body.byteLength} bytes exceeds the limit of ${env.maxBodyBytes}`,
    };
  }
  // A response without Content-Type is read as the mandatory JSON serialization (§7.2); a named type must be one
  // we read.
  const contentType = headerValue(headers, "content-type") ?? env.codecs.mediaTypes[0] ?? "";
  const codec = env.codecs.codecFor(contentType);
  if (codec === undefined) {
    return {
      kind: "failed",
      sc: Status.UNSUPPORTED_MEDIA_TYPE,
      message: `the repository sent ${JSON.stringify(contentType.slice(0, 80))}; this client reads ${env.codecs.acceptHeader}`,
    };
  }
  const decoded = codec.decode(body, { maxBytes: env.maxBodyBytes });
  if (!decoded.ok) {
    return { kind: "failed", sc: Status.BAD_REQUEST, message: `MO data from the repository: ${decoded.error.message}` };
  }
  return { kind: "items", items: decoded.value };
}
