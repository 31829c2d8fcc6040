// The bootstrap role's adapter to a management server in another deployment (docs/bootstrap.md "Remote
// targets"): before the device is answered, the target's registry must hold the device with the credentials just
// generated for it, through that server's REST API (`PATCH /devices/{id}`, or `POST /devices` for a device it does
// not know) with the API token configured for the target. Any refusal or failure is
// BOOTSTRAP_TARGET_UNAVAILABLE, whose message names the target and what it answered, never the token.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { errorMessage } from "@omadm/protocol";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { RemoteTarget } from "../store/types-bootstrap.js";

/** The REST API's credential fields of a device (POST /devices); null clears one. */
export interface RemoteCredentials {
  readonly http: { readonly type: "digest"; readonly username: string; readonly password: string } | null;
  readonly psk: { readonly identity: string; readonly key: string } | null;
  readonly notification: { readonly type: number; readonly secret: string; readonly authData: string } | null;
}

export interface RemoteTargetClient {
  /** The target knows the device with exactly these credentials afterwards; BOOTSTRAP_TARGET_UNAVAILABLE else. */
  register(
    target: RemoteTarget,
    deviceId: string,
    labels: Readonly<Record<string, string>>,
    credentials: RemoteCredentials,
  ): Promise<void>;
  /** The target no longer accepts the device's session credentials (a device it does not know is fine). */
  revoke(target: RemoteTarget, deviceId: string): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly detail: string | undefined;
}

const MAX_ANSWER_BYTES = 64 * 1024;

export function createRemoteTargetClient(options: { readonly timeoutMs?: number } = {}): RemoteTargetClient {
  const timeoutMs = options.timeoutMs ?? 10_000;

  const call = (target: RemoteTarget, method: string, path: string, body: unknown): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const url = new URL(`${target.apiBaseUrl}${path}`);
      const headers = {
        authorization: `Bearer ${target.token}`,
        "content-type": "application/json",
        accept: "application/json, application/problem+json",
      };
      const onAnswer = (res: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(c);
        });
        res.on("end", () => {
          let problem: { code?: unknown; detail?: unknown } = {};
          try {
            problem = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof problem;
          } catch {
            // not JSON: the status says enough
          }
          resolve({
            status: res.statusCode ?? 0,
            code: typeof problem.code === "string" ? problem.code : undefined,
            detail: typeof problem.detail === "string" ? problem.detail : undefined,
          });
        });
        res.on("error", reject);
      };
      // A connection per call (no agent): bootstraps are rare per target, and nothing lingers after a stop.
      const req =
        url.protocol === "https:"
          ? httpsRequest(
              url,
              { method, headers, agent: false, ...(target.caPem === null ? {} : { ca: target.caPem }) },
              onAnswer,
            )
          : httpRequest(url, { method, headers, agent: false }, onAnswer);
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(JSON.stringify(body));
    });

  const unavailable = (target: RemoteTarget, what: string): ServerError =>
    new ServerError(
      ServerErrorCode.BOOTSTRAP_TARGET_UNAVAILABLE,
      `the management server ${target.srvId} (${target.apiBaseUrl}) did not learn the device's credentials: ${what}`,
    );
  const refused = (target: RemoteTarget, a: Answer): ServerError => {
    const why =
      a.status === 401 || a.status === 403 ? "it refused the bootstrap server's API token" : "it refused the request";
    return unavailable(
      target,
      `${why} (${a.status}${a.code === undefined ? "" : ` ${a.code}`}${a.detail === undefined ? "" : `: ${a.detail}`})`,
    );
  };

  return {
    async register(target, deviceId, labels, credentials) {
      const path = `/devices/${encodeURIComponent(deviceId)}`;
      try {
        let a = await call(target, "PATCH", path, credentials);
        if (a.status === 404 && a.code === ServerErrorCode.DEVICE_NOT_FOUND) {
          a = await call(target, "POST", "/devices", { id: deviceId, labels, ...credentials });
          // Created meanwhile by someone else: set the credentials on it.
          if (a.status === 409 && a.code === ServerErrorCode.DEVICE_EXISTS)
            a = await call(target, "PATCH", path, credentials);
        }
        if (a.status < 200 || a.status >= 300) throw refused(target, a);
      } catch (error) {
        if (error instanceof ServerError) throw error;
        throw unavailable(target, errorMessage(error));
      }
    },
    async revoke(target, deviceId) {
      try {
        const a = await call(target, "PATCH", `/devices/${encodeURIComponent(deviceId)}`, { http: null, psk: null });
        const gone = a.status === 404 && a.code === ServerErrorCode.DEVICE_NOT_FOUND;
        if (!gone && (a.status < 200 || a.status >= 300)) throw refused(target, a);
      } catch (error) {
        if (error instanceof ServerError) throw error;
        throw unavailable(target, errorMessage(error));
      }
    },
  };
}
