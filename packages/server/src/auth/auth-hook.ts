// The one device-authentication step of the HTTP edge (docs/protocol.md §11.2), shared by the DM endpoint and
// the Data Repository as a fastify `onRequest` hook, so that both authenticate the same way before any body is
// read:
//
//   const auth = createDeviceAuthHook(authenticator, { unauthorized: DM_UNAUTHORIZED, forbidden: DM_FORBIDDEN });
//   app.post("/dm", { onRequest: auth.hook }, (request) => { const id = auth.deviceIdOf(request); … });
//
// The outcome travels on the request itself (`request.authenticatedDevice`, a fastify request decoration), not in
// a module-level map. A refused request is answered here as a problem: 401 with one `WWW-Authenticate` header per
// challenge, or 403, with the component's code and a detail that names the problem (ARCHITECTURE.md invariant 7).
import type { IncomingMessage } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ServerErrorCode } from "../errors.js";
import { makeProblem, sendProblem } from "../edge/problem.js";
import type { AuthMode } from "./types.js";

export interface AuthenticatedDevice {
  readonly deviceId: string;
  /** How it authenticated (absent for an authenticator that does not say). */
  readonly method?: AuthMode | undefined;
}

/** What a device authenticator answers for one request (the server's `DeviceAuthenticator` fits as it is). */
export type DeviceAuthOutcome =
  | { readonly ok: true; readonly deviceId: string; readonly method?: AuthMode | undefined }
  | {
      readonly ok: false;
      /** 401 (no, wrong or stale credentials) or 403 (retrying will not help). */
      readonly status: number;
      /** The challenges to send back with a 401 (Basic / Digest), one header value each. */
      readonly wwwAuthenticate?: string | readonly string[] | undefined;
      readonly message: string;
    };

/** Authenticates the device behind an HTTP request (Basic/Digest, client certificate, PSK-TLS, …). */
export interface RequestAuthenticator {
  authenticate(request: IncomingMessage): DeviceAuthOutcome | Promise<DeviceAuthOutcome>;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The device the shared authentication step authenticated this request as (null: not authenticated). */
    authenticatedDevice: AuthenticatedDevice | null;
  }
}

/** Declares the request decoration (the HTTP edge does it once on the root instance; idempotent). */
export function decorateDeviceAuth(app: FastifyInstance): void {
  if (!app.hasRequestDecorator("authenticatedDevice")) app.decorateRequest("authenticatedDevice", null);
}

/** The codes a component answers refusals with. */
export interface AuthRefusalCodes {
  readonly unauthorized: string;
  readonly forbidden: string;
}

export interface DeviceAuthHook {
  /**
   * Authenticates, or answers the refusal: true when the request may go on. (A boolean, because a FastifyReply
   * is a thenable: awaiting one waits for the response instead of returning it.)
   */
  readonly admit: (request: FastifyRequest, reply: FastifyReply) => Promise<boolean>;
  /** `admit` as an `onRequest` hook (before the body is read, so refused uploads cost nothing). */
  readonly hook: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** The device a request was authenticated as; undefined when the hook did not run or refused it. */
  readonly deviceOf: (request: FastifyRequest) => AuthenticatedDevice | undefined;
  /** The device id, or throws when the hook did not authenticate this request (a wiring mistake). */
  readonly deviceIdOf: (request: FastifyRequest) => string;
}

const DEFAULT_CODES: AuthRefusalCodes = {
  unauthorized: ServerErrorCode.DM_UNAUTHORIZED,
  forbidden: ServerErrorCode.DM_FORBIDDEN,
};

export function createDeviceAuthHook(
  authenticator: RequestAuthenticator,
  codes: AuthRefusalCodes = DEFAULT_CODES,
): DeviceAuthHook {
  const deviceOf = (request: FastifyRequest) => request.authenticatedDevice ?? undefined;
  const admit = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    const result = await authenticator.authenticate(request.raw);
    if (result.ok) {
      request.authenticatedDevice = { deviceId: result.deviceId, method: result.method };
      return true;
    }
    const code = result.status === 401 ? codes.unauthorized : codes.forbidden;
    const challenges = result.wwwAuthenticate;
    const headers = challenges === undefined ? {} : { "www-authenticate": challenges };
    sendProblem(request, reply, makeProblem(result.status, code, result.message), headers);
    return false;
  };
  return {
    admit,
    async hook(request, reply) {
      await admit(request, reply);
    },
    deviceOf,
    deviceIdOf(request) {
      const device = deviceOf(request);
      if (device === undefined) throw new Error("deviceIdOf: the device auth hook did not authenticate this request");
      return device.deviceId;
    },
  };
}
