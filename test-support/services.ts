// Shared test helper: find an external service (Mosquitto, PostgreSQL, …) that a test needs, and skip or fail
// honestly when it is absent (tests use real parts, not mocks).
//
// How a test file uses it:
//
//   import { requireMqtt, skipUnlessAvailable, serviceUrl } from "../../../test-support/services.js";
//   const mqtt = await requireMqtt();                       // top-level await: probes 127.0.0.1:1883 once
//   test("publishes a notification", skipUnlessAvailable(mqtt), async () => {
//     const url = serviceUrl(mqtt);                         // the URL, or throws with the reason
//     …
//   });
//
// Rules it implements:
// - The service is looked for at its default loopback address, or at the URL in its env var
//   (`OMADM_TEST_MQTT_URL`, `OMADM_TEST_PG_URL`, …) when that is set. The probe is one TCP connect with a timeout;
//   it leaves no socket or timer behind.
// - Absent service, `CI` unset: `skipUnlessAvailable` returns `{ skip: "<reason>" }`, so node:test prints the
//   reason and counts the test as skipped.
// - Absent service, `CI=true`: `skipUnlessAvailable` returns `{ skip: false }`, the test runs, and `serviceUrl`
//   throws an Error carrying the reason, so the test fails instead of passing silently.
// `requireService` can also be called directly for a service without a preset below.

import { connect } from "node:net";

/** Where a service is expected by default and which env var overrides it. */
export interface ServiceLocation {
  readonly host: string;
  readonly port: number;
  /** Env var holding a URL (`scheme://[user@]host:port/…`) that replaces the default address. */
  readonly envVar: string;
  /** URL scheme used to build the default URL (default `tcp`). */
  readonly scheme?: string;
  /** Userinfo + path appended to the default URL, e.g. `{ user: "postgres", path: "/test" }`. */
  readonly user?: string;
  readonly path?: string;
  /** How long the TCP probe may take (default 1000 ms). */
  readonly timeoutMs?: number;
}

export type ServiceStatus =
  | { readonly available: true; readonly name: string; readonly url: string }
  | { readonly available: false; readonly name: string; readonly reason: string };

const DEFAULT_PROBE_TIMEOUT_MS = 1000;

/** True when running in CI, where an absent service is a test failure rather than a skip. */
export function isCi(): boolean {
  return process.env.CI === "true";
}

/** Probes the service once (TCP connect on its host:port) and reports its URL or why it is unusable. */
export async function requireService(name: string, location: ServiceLocation): Promise<ServiceStatus> {
  const override = process.env[location.envVar];
  let url: string;
  let host: string;
  let port: number;
  if (override !== undefined && override !== "") {
    let parsed: URL;
    try {
      parsed = new URL(override);
    } catch {
      return { available: false, name, reason: `${name}: ${location.envVar}="${override}" is not a valid URL` };
    }
    url = override;
    host = parsed.hostname.replace(/^\[(.*)\]$/, "$1"); // URL keeps IPv6 literals in brackets
    port = parsed.port === "" ? location.port : Number(parsed.port);
  } else {
    host = location.host;
    port = location.port;
    const user = location.user === undefined ? "" : `${location.user}@`;
    const hostPart = host.includes(":") ? `[${host}]` : host;
    url = `${location.scheme ?? "tcp"}://${user}${hostPart}:${port}${location.path ?? ""}`;
  }
  const failure = await probeTcp(host, port, location.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS);
  if (failure === undefined) return { available: true, name, url };
  return {
    available: false,
    name,
    reason: `${name} not reachable at ${host}:${port} (${failure}); start it or set ${location.envVar}`,
  };
}

/** node:test options: skip with the reason when a service is absent, except under CI=true (run and fail). */
export function skipUnlessAvailable(...services: readonly ServiceStatus[]): { skip: string | false } {
  if (isCi()) return { skip: false };
  const reasons = services.flatMap((s) => (s.available ? [] : [s.reason]));
  return { skip: reasons.length === 0 ? false : reasons.join("; ") };
}

/** The service URL for use inside a test body; throws with the reason when the service is absent. */
export function serviceUrl(service: ServiceStatus): string {
  if (service.available) return service.url;
  throw new Error(`required service absent${isCi() ? " (CI=true, so this is a failure)" : ""}: ${service.reason}`);
}

/** Mosquitto on 127.0.0.1:1883, overridable by OMADM_TEST_MQTT_URL (e.g. `mqtt://127.0.0.1:1884`). */
export function requireMqtt(): Promise<ServiceStatus> {
  return requireService("MQTT broker", {
    host: "127.0.0.1",
    port: 1883,
    envVar: "OMADM_TEST_MQTT_URL",
    scheme: "mqtt",
  });
}

/** PostgreSQL on 127.0.0.1:5432 (trust auth, database `test`), overridable by OMADM_TEST_PG_URL. */
export function requirePostgres(): Promise<ServiceStatus> {
  return requireService("PostgreSQL", {
    host: "127.0.0.1",
    port: 5432,
    envVar: "OMADM_TEST_PG_URL",
    scheme: "postgres",
    user: "postgres",
    path: "/test",
  });
}

/** Resolves to undefined when a TCP connection opens, or to a short failure description. Never rejects. */
function probeTcp(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return Promise.resolve(`invalid port ${port}`);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (failure: string | undefined): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on("error", () => undefined); // a late error after destroy must not become an uncaught exception
      socket.destroy();
      resolve(failure);
    };
    const timer = setTimeout(() => {
      finish(`no answer within ${timeoutMs} ms`);
    }, timeoutMs);
    socket.once("connect", () => {
      finish(undefined);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      finish(error.code ?? error.message);
    });
  });
}
