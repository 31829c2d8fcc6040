// The authenticator as a fastify `onRequest` / `preHandler` hook, for the DM endpoint and the Data Repository:
//
//   const auth = createDeviceAuthHook(authenticator);
//   app.addHook("onRequest", auth.hook);
//   app.post("/dm", (request) => { const deviceId = auth.deviceIdOf(request); … });
//
// A refused request is answered here: 401 with one `WWW-Authenticate` header per challenge, or 403, and a JSON
// body `{ error, message }` that names the problem (bad input gets a clear error: ARCHITECTURE.md invariant 7).

import type { FastifyReply, FastifyRequest } from "fastify";
import type { DeviceAuthenticator } from "./device-authenticator.js";
import type { AuthMode } from "./types.js";

export interface AuthenticatedDevice {
  readonly deviceId: string;
  readonly method: AuthMode;
}

export interface DeviceAuthHook {
  /** Use as `onRequest` (before the body is read, so refused uploads cost nothing) or `preHandler`. */
  readonly hook: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** The device a request was authenticated as; undefined when the hook did not run or refused it. */
  readonly deviceOf: (request: FastifyRequest) => AuthenticatedDevice | undefined;
  /** The device id, or throws when the hook did not authenticate this request (a wiring mistake). */
  readonly deviceIdOf: (request: FastifyRequest) => string;
}

export function createDeviceAuthHook(authenticator: Pick<DeviceAuthenticator, "authenticate">): DeviceAuthHook {
  const devices = new WeakMap<FastifyRequest, AuthenticatedDevice>();
  return {
    async hook(request, reply) {
      const result = await authenticator.authenticate(request.raw);
      if (result.ok) {
        devices.set(request, { deviceId: result.deviceId, method: result.method });
        return;
      }
      if (result.wwwAuthenticate !== undefined) reply.header("WWW-Authenticate", [...result.wwwAuthenticate]);
      await reply
        .code(result.status)
        .send({ error: result.status === 401 ? "Unauthorized" : "Forbidden", message: result.message });
    },
    deviceOf: (request) => devices.get(request),
    deviceIdOf(request) {
      const device = devices.get(request);
      if (device === undefined) throw new Error("deviceIdOf: the device auth hook did not authenticate this request");
      return device.deviceId;
    },
  };
}
