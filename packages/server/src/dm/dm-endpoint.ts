// The DM endpoint (DM 2.0 §5.2, docs/protocol.md §1.2; §1.3–§1.6, §3) as a fastify plugin:
//
//   POST /dm            the DM Server URI: a Package#1 opens a session (a Package#3 is also taken here and
//                       correlated by cookie, else by the device's open session — docs/protocol.md §1.4)
//   POST /dm/s/:token   the session-specific URL sent in CONT: Package#3s of that session
//
// Each answer is a Package#2 (200, Content-Type MT_P2, OMADM-Accept, Set-Cookie) or a problem+json body that
// names what was wrong. Header checks and device authentication run in `onRequest`, before the body is read;
// a refused request changes nothing in the store.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  HDR_ACCEPT,
  HDR_DEVID,
  MT_MO_JSON,
  MT_P1,
  MT_P2,
  MT_P3,
  omadmAcceptHeader,
  parsePackage1,
  parsePackage3,
  serializePackage2,
  ErrorCode,
  ProtocolError,
} from "@omadm/protocol";
import { createAlertIntake, type AlertIntake } from "../alerts/alert-intake.js";
import { createDeviceAuthHook, type RequestAuthenticator } from "../auth/auth-hook.js";
import { makeProblem, problemFromError, refusal, sendProblem, type Refusal } from "../edge/problem.js";
import type { SessionAdmission } from "../edge/admission.js";
import { ServerErrorCode } from "../errors.js";
import { createDeviceRegistry, type DeviceRegistry } from "../registry/device-registry.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../store/types.js";
import type { CapabilityService } from "../capabilities/capability-service.js";
import { capabilityOfUrl } from "../capabilities/capability-urls.js";
import { CapabilityKind } from "../store/types-content.js";
import {
  createDmSessionService,
  type Package2Reply,
  type ReportOf,
  type SessionLocator,
} from "./dm-session-service.js";
import { lazyChildLogger } from "./lazy-child-logger.js";
import { checkDmHeaders, type CheckedDmRequest } from "./request-checks.js";
import { isWellFormedToken, readSessionCookie, sessionCookieHeader } from "./session-cookie.js";

export const DM_PATH = "/dm";
export const DM_SESSION_PATH = "/dm/s";

/** Device authentication (packages/server/src/auth): the part of its authenticator the endpoint uses. */
export type DmAuthenticator = RequestAuthenticator;

export const DM_DEFAULTS = {
  batchSize: 20,
  idleTimeoutMs: 600_000,
  bodyLimitBytes: 1_048_576,
  autoRegister: true,
  maxAlertsPerPackage: 1000,
  moAcceptTypes: [MT_MO_JSON] as readonly string[],
} as const;

export interface DmEndpointOptions {
  readonly store: Store;
  readonly clock: Clock;
  /** Absolute base URL devices reach this server at, without a trailing slash (a function: known at listen). */
  readonly publicBaseUrl: string | (() => string);
  /** Most queued commands per Package#2 (default 20). */
  readonly batchSize?: number | undefined;
  /** docs/protocol.md §1.5 (default 600 000 ms). */
  readonly idleTimeoutMs?: number | undefined;
  /** Largest Package#1/#3 body in bytes (default 1 MiB) → 413. */
  readonly bodyLimitBytes?: number | undefined;
  /** Register unknown devices on their first Package#1 (default true). */
  readonly autoRegister?: boolean | undefined;
  /** Most Generic Alerts in one package (default 1000) → 413 naming the limit. */
  readonly maxAlertsPerPackage?: number | undefined;
  /** Admission control of new sessions (edge/admission.ts); absent: every Package#1 is admitted. */
  readonly admission?: SessionAdmission | undefined;
  /** The MO formats the Data Repository accepts, announced in OMADM-Accept (docs/protocol.md §1.6). */
  readonly moAcceptTypes?: readonly string[] | undefined;
  /** Capability report URIs for asynchronous EXEC results (docs/repository.md "Capability URLs"); absent: none. */
  readonly capabilities?: CapabilityService | undefined;
  /** Device authentication; absent = none (the OMADM-DevID header is trusted). */
  readonly authenticator?: DmAuthenticator | undefined;
  /** Token source for CONT URLs and cookies (tests); default crypto random. */
  readonly newToken?: (() => string) | undefined;
  /** Shared with other components when given; built here otherwise. */
  readonly registry?: DeviceRegistry | undefined;
  readonly alerts?: AlertIntake | undefined;
  /** Told of every Package#1 / #3 handled ("package1" | "package3") and whether a Package#2 answered it. */
  readonly onPackage?: ((kind: string, ok: boolean) => void) | undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    /** What the DM endpoint's onRequest checks found (package type, DevID), for its handler. */
    dmRequest: CheckedDmRequest | null;
  }
}

/** The response header that names the server's DM session, so that client and server logs can be joined. */
export const HDR_SESSION_ID = "OMADM-Session-Id";

export function dmEndpointPlugin(app: FastifyInstance, opts: DmEndpointOptions): Promise<void> {
  const batchSize = opts.batchSize ?? DM_DEFAULTS.batchSize;
  const idleTimeoutMs = opts.idleTimeoutMs ?? DM_DEFAULTS.idleTimeoutMs;
  const bodyLimit = opts.bodyLimitBytes ?? DM_DEFAULTS.bodyLimitBytes;
  const baseUrl = typeof opts.publicBaseUrl === "string" ? () => opts.publicBaseUrl as string : opts.publicBaseUrl;
  const moAccept = omadmAcceptHeader(opts.moAcceptTypes ?? DM_DEFAULTS.moAcceptTypes);
  const registry =
    opts.registry ?? createDeviceRegistry({ store: opts.store }, { autoRegister: opts.autoRegister ?? true });
  const service = createDmSessionService(
    {
      store: opts.store,
      clock: opts.clock,
      registry,
      alerts: opts.alerts ?? createAlertIntake({ store: opts.store }),
      capabilities: opts.capabilities,
      newToken: opts.newToken,
      logger: app.log,
    },
    { batchSize, idleTimeoutMs, contUrl: (token) => `${trimSlash(baseUrl())}${DM_SESSION_PATH}/${token}` },
  );

  // Bodies are read raw and parsed by the protocol's total parsers; the media type was checked in onRequest.
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit }, (_req, body, done) => {
    done(null, body);
  });

  if (!app.hasRequestDecorator("dmRequest")) app.decorateRequest("dmRequest", null);
  const auth =
    opts.authenticator === undefined
      ? undefined
      : createDeviceAuthHook(opts.authenticator, {
          unauthorized: ServerErrorCode.DM_UNAUTHORIZED,
          forbidden: ServerErrorCode.DM_FORBIDDEN,
        });

  /**
   * The DM routes' onRequest check, callback-style: without device authentication it decides synchronously, so
   * a package costs no promise and no microtask turn here. Answers a refusal itself (and never calls `done`).
   */
  const guard =
    (packageTypes: readonly string[]) =>
    (req: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
      const checked = checkDmHeaders(
        {
          contentType: req.headers["content-type"],
          accept: req.headers.accept,
          devIds: headerLines(req, HDR_DEVID),
        },
        packageTypes,
      );
      if (!checked.ok) {
        sendRefusal(req, reply, withHint(checked.error, req, packageTypes));
        return;
      }
      // A new session is refused before anything else is spent on it; Package#3s of admitted sessions always pass.
      const admission = opts.admission;
      if (admission !== undefined && checked.value.packageType === MT_P1 && !admission.admit(checked.value.deviceId)) {
        const detail = "too many DM sessions are open on this server; retry after the Retry-After delay";
        sendRefusal(
          req,
          reply,
          refusal(makeProblem(503, ServerErrorCode.DM_SESSION_LIMIT, detail), {
            "retry-after": String(admission.retryAfterSeconds()),
          }),
        );
        return;
      }
      if (auth === undefined) {
        accept(req, checked.value);
        done();
        return;
      }
      authenticate(req, reply, checked.value).then((admitted) => {
        if (admitted) done();
      }, done);
    };

  /** Device authentication; false when it refused the request (the refusal is sent). */
  const authenticate = async (req: FastifyRequest, reply: FastifyReply, checked: CheckedDmRequest) => {
    if (auth === undefined) return true;
    if (!(await auth.admit(req, reply))) return false;
    const deviceId = auth.deviceIdOf(req);
    if (deviceId !== checked.deviceId) {
      const detail =
        `the ${HDR_DEVID} header (${JSON.stringify(checked.deviceId)}) does not name the ` +
        `authenticated device (${JSON.stringify(deviceId)})`;
      sendRefusal(req, reply, refusal(makeProblem(403, ServerErrorCode.DM_DEVID_MISMATCH, detail)));
      return false;
    }
    accept(req, checked);
    return true;
  };

  const accept = (req: FastifyRequest, checked: CheckedDmRequest): void => {
    req.dmRequest = checked;
    // Every line logged for this request names the device (ARCHITECTURE.md: DM log lines carry deviceId); the
    // child is made only if a line is logged (lazy-child-logger.ts).
    req.log = lazyChildLogger(req.log, { deviceId: checked.deviceId });
  };

  const maxAlerts = opts.maxAlertsPerPackage ?? DM_DEFAULTS.maxAlertsPerPackage;
  /** docs/protocol.md §3.4: alerts are stored as received, so their number is bounded per package. */
  const tooManyAlerts = (alerts: readonly unknown[] | undefined, what: string): Refusal | null =>
    alerts !== undefined && alerts.length > maxAlerts
      ? refusal(
          makeProblem(
            413,
            ServerErrorCode.DM_TOO_MANY_ALERTS,
            `the ${what} carries ${alerts.length} Generic Alerts; the limit is ${maxAlerts} a package ` +
              "(dm.maxAlertsPerPackage): send the rest in the session's Package#3s",
            { limit: maxAlerts },
          ),
        )
      : null;

  const sendReply = (reply: FastifyReply, r: Package2Reply, deviceId: string) => {
    if (r.ended) opts.admission?.closed(deviceId);
    else opts.admission?.opened(deviceId);
    const cookie = r.session.cookie;
    if (cookie !== null) {
      const maxAgeSeconds = r.ended ? 0 : idleTimeoutMs / 1000;
      const secure = baseUrl().startsWith("https:");
      reply.header("set-cookie", sessionCookieHeader(cookie, { path: DM_PATH, maxAgeSeconds, secure }));
    }
    return (
      reply
        .code(200)
        .header(HDR_SESSION_ID, r.session.id)
        .header("content-type", MT_P2)
        .header(HDR_ACCEPT, moAccept)
        .header("cache-control", "no-store")
        // A Buffer, so that fastify adds no charset parameter: the type is exactly MT_P2 (JSON is UTF-8 anyway).
        .send(Buffer.from(serializePackage2(r.package), "utf8"))
    );
  };

  /**
   * docs/protocol.md §4.4: the client posts an EXEC's asynchronous result to the EXEC's ServerURI, which the server
   * made `/dm?cap=<token>` for that one command. The token names the command the alerts report.
   */
  const reportOf = async (
    req: FastifyRequest,
    deviceId: string,
  ): Promise<ReportOf | { readonly problem: Refusal } | undefined> => {
    const token = capabilityOfUrl(req.url);
    if (token === null || opts.capabilities === undefined) return undefined;
    const forbidden = (detail: string) => ({
      problem: refusal(makeProblem(403, ServerErrorCode.DM_FORBIDDEN, detail)),
    });
    const found = await opts.capabilities.check(opts.store, token, CapabilityKind.Report, DM_PATH);
    if (found === null) return forbidden("this report URI's capability is unknown");
    if (found.deviceId !== deviceId) return forbidden("this report URI belongs to another device");
    const command = await opts.store.commands.get(found.commandId);
    if (command === null) return forbidden("the command this report URI was made for no longer exists");
    return { commandId: command.id, sourceUri: command.correlation?.sourceUri ?? command.params[0] ?? "" };
  };

  const handle = async (req: FastifyRequest, reply: FastifyReply, locator: SessionLocator) => {
    const checked = req.dmRequest;
    if (checked === null) throw new Error("DM request reached its handler unchecked");
    const body = bodyBytes(req.body);
    if (checked.packageType === MT_P1) {
      const p1 = body.length === 0 ? emptyBody("Package#1") : parsePackage1(body, { maxBytes: bodyLimit });
      if (!p1.ok) return sendRefusal(req, reply, refusal(problemFromError(p1.error)));
      const crowded = tooManyAlerts(p1.value.Alert, "Package#1");
      if (crowded !== null) return sendRefusal(req, reply, crowded);
      const report = await reportOf(req, checked.deviceId);
      if (report !== undefined && "problem" in report) return sendRefusal(req, reply, report.problem);
      const r = await service.handlePackage1(checked.deviceId, p1.value, report);
      opts.onPackage?.("package1", r.ok);
      return r.ok
        ? sendReply(reply, r.value, checked.deviceId)
        : sendRefusal(req, reply, refusal(problemFromError(r.error)));
    }
    const p3 = body.length === 0 ? emptyBody("Package#3") : parsePackage3(body, { maxBytes: bodyLimit });
    if (!p3.ok) return sendRefusal(req, reply, refusal(problemFromError(p3.error)));
    const crowded = tooManyAlerts(p3.value.Alert, "Package#3");
    if (crowded !== null) return sendRefusal(req, reply, crowded);
    const r = await service.handlePackage3(checked.deviceId, locator, p3.value);
    opts.onPackage?.("package3", r.ok);
    return r.ok
      ? sendReply(reply, r.value, checked.deviceId)
      : sendRefusal(req, reply, refusal(problemFromError(r.error)));
  };

  const guardDm = guard([MT_P1, MT_P3]);
  const guardSession = guard([MT_P3]);
  app.post(DM_PATH, { bodyLimit, onRequest: guardDm }, async (req, reply) =>
    handle(req, reply, { cookie: readSessionCookie(req.headers.cookie) }),
  );

  app.post<{ Params: { token: string } }>(
    `${DM_SESSION_PATH}/:token`,
    {
      bodyLimit,
      onRequest: (req, reply, done) => {
        // An unknown-looking token is answered before anything else: there is no session here to talk to.
        if (!isWellFormedToken(req.params.token)) {
          sendRefusal(
            req,
            reply,
            refusal(makeProblem(404, ServerErrorCode.SESSION_NOT_FOUND, "there is no DM session at this URL")),
          );
          return;
        }
        guardSession(req, reply, done);
      },
    },
    async (req, reply) =>
      handle(req, reply, { contToken: req.params.token, cookie: readSessionCookie(req.headers.cookie) }),
  );

  // Only POST carries packages (docs/protocol.md §3.1, §3.3).
  for (const url of [DM_PATH, `${DM_SESSION_PATH}/:token`]) {
    app.route({
      method: ["GET", "PUT", "DELETE", "PATCH"],
      url,
      handler: async (req, reply) =>
        sendRefusal(
          req,
          reply,
          refusal(
            makeProblem(405, ServerErrorCode.INVALID_INPUT, "DM packages are sent with POST (docs/protocol.md §3.1)"),
            {
              allow: "POST",
            },
          ),
        ),
    });
  }
  return Promise.resolve();
}

export function sendRefusal(req: FastifyRequest, reply: FastifyReply, r: Refusal): FastifyReply {
  return sendProblem(req, reply, r.problem, r.headers);
}

/** A Package#1 at a session URL is a common client mistake worth naming precisely. */
function withHint(r: Refusal, req: FastifyRequest, accepted: readonly string[]): Refusal {
  const sent = req.headers["content-type"]?.split(";", 1)[0]?.trim().toLowerCase();
  if (sent === MT_P1 && !accepted.includes(MT_P1)) {
    const detail = `${r.problem.detail}. A Package#1 starts a session at the DM Server URI (${DM_PATH}); this URL takes the Package#3s of one session`;
    return { ...r, problem: { ...r.problem, detail } };
  }
  return r;
}

/** Every line of a header as received (Node joins repeated unknown headers with ", ", which would hide them). */
export function headerLines(req: FastifyRequest, name: string): string[] {
  const wanted = name.toLowerCase();
  const raw = req.raw.rawHeaders as string[] | undefined;
  if (raw !== undefined && raw.length > 0) {
    const out: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      // Lower-cased only when the length matches: most headers are other headers.
      const key = raw[i] ?? "";
      if (key.length === wanted.length && key.toLowerCase() === wanted) out.push(raw[i + 1] ?? "");
    }
    return out;
  }
  const value = req.headers[wanted];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function bodyBytes(body: unknown): Uint8Array {
  return body instanceof Uint8Array ? body : new Uint8Array(0);
}

function emptyBody(what: string) {
  return {
    ok: false as const,
    error: new ProtocolError(ErrorCode.JSON_SYNTAX, `the request body is empty; a ${what} is a JSON object`),
  };
}

function trimSlash(url: string): string {
  return url.endsWith("/") ? url.slice(0, -1) : url;
}
