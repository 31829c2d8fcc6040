// Helpers for the DM endpoint tests: a clock the test drives, an app with only the DM endpoint, package
// headers and bodies, and a snapshot of everything the endpoint may write (to prove a refusal changed nothing).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { request } from "undici";
import { AT_CLIENT_INIT, MT_P1, MT_P2, MT_P3, type GenericAlert, type StatusItem } from "@omadm/protocol";
import { createOmadmServer, type OmadmServer } from "../src/app.js";
import { loadServerConfig, type ServerConfigInput } from "../src/config.js";
import { dmEndpointPlugin, type DmEndpointOptions } from "../src/dm/dm-endpoint.js";
import type { Store } from "../src/store/store.js";
import type { Clock } from "../src/store/types.js";
import { edgeApp } from "./edge-support.js";

export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function manualClock(start = 1_800_000_000_000): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
  };
}

export const BASE_URL = "http://127.0.0.1:8080";

/** A fastify instance with only the DM endpoint (for `inject()`). */
export async function dmApp(
  store: Store,
  clock: Clock,
  options: Partial<DmEndpointOptions> = {},
): Promise<FastifyInstance> {
  const app = edgeApp({ logger: false });
  await app.register(dmEndpointPlugin, { store, clock, publicBaseUrl: BASE_URL, ...options });
  await app.ready();
  return app;
}

export function p1Headers(devId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { "content-type": MT_P1, accept: MT_P2, "omadm-devid": devId, ...extra };
}

export function p3Headers(devId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { "content-type": MT_P3, accept: MT_P2, "omadm-devid": devId, ...extra };
}

export function p1Body(alerts: GenericAlert[] = [{ AlertType: AT_CLIENT_INIT }], mos?: unknown): string {
  return JSON.stringify(mos === undefined ? { Alert: alerts } : { MOS: mos, Alert: alerts });
}

export function p3Body(statuses: StatusItem[], alerts?: GenericAlert[]): string {
  return JSON.stringify(alerts === undefined ? { Status: statuses } : { Status: statuses, Alert: alerts });
}

/** The session-specific path of a CONT URL. */
export function contPath(contUrl: string): string {
  return new URL(contUrl).pathname;
}

/** The cookie pair (`name=value`) of a Set-Cookie header. */
export function cookiePair(setCookie: string | string[] | undefined): string {
  const line = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  if (line === undefined) throw new Error("no Set-Cookie header");
  return line.split(";", 1)[0] ?? "";
}

async function all<T>(list: (cursor?: string) => Promise<{ items: readonly T[]; nextCursor: string | null }>) {
  const out: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await list(cursor);
    out.push(...page.items);
    if (page.nextCursor === null) return out;
    cursor = page.nextCursor;
  }
}

/** Everything the DM endpoint writes, as one comparable value. */
export async function storeSnapshot(store: Store): Promise<unknown> {
  return {
    devices: await all((cursor) => store.devices.list({ cursor })),
    commands: await all((cursor) => store.commands.list({ cursor })),
    sessions: await all((cursor) => store.sessions.list({ cursor })),
    alerts: await all((cursor) => store.alerts.list({ cursor })),
  };
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix: string): { readonly path: string; readonly remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    remove: () => {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
  /** The CMD array when the answer is a Package#2. */
  readonly cmd: readonly (readonly string[])[];
}

/**
 * A device as the server sees it over real HTTP (undici): it keeps the session cookie and, after CONT, posts
 * its Package#3s to the CONT URL (docs/protocol.md §4.7). Deliberately minimal — the client package has the real one.
 */
export class SimDevice {
  readonly devId: string;
  #srvUrl: string;
  #cont: string | undefined;
  #cookie: string | undefined;

  constructor(devId: string, srvUrl: string) {
    this.devId = devId;
    this.#srvUrl = srvUrl;
  }

  get contUrl(): string | undefined {
    return this.#cont;
  }

  /** Points the device at another server node (same paths, another origin), as a load balancer would. */
  rebase(origin: string): void {
    const move = (url: string) => `${origin}${new URL(url).pathname}`;
    this.#srvUrl = move(this.#srvUrl);
    if (this.#cont !== undefined) this.#cont = move(this.#cont);
  }

  async p1(alerts?: GenericAlert[], mos?: unknown): Promise<Answer> {
    this.#cont = undefined;
    this.#cookie = undefined;
    return this.#post(this.#srvUrl, MT_P1, p1Body(alerts, mos));
  }

  async p3(statuses: StatusItem[], alerts?: GenericAlert[]): Promise<Answer> {
    return this.#post(this.#cont ?? this.#srvUrl, MT_P3, p3Body(statuses, alerts));
  }

  async #post(url: string, contentType: string, body: string): Promise<Answer> {
    const headers: Record<string, string> = { "content-type": contentType, accept: MT_P2, "omadm-devid": this.devId };
    if (this.#cookie !== undefined) headers.cookie = this.#cookie;
    const res = await request(url, { method: "POST", headers, body });
    const text = await res.body.text();
    const parsed: unknown = text === "" ? null : JSON.parse(text);
    const setCookie = res.headers["set-cookie"];
    if (setCookie !== undefined) this.#cookie = cookiePair(setCookie);
    let cmd: (readonly string[])[] = [];
    if (res.statusCode === 200) {
      cmd = (parsed as { CMD: string[][] }).CMD;
      const first = cmd[0];
      if (first?.[0] === "CONT" && first[1] !== undefined) this.#cont = first[1];
    }
    return { status: res.statusCode, headers: res.headers, body: parsed, cmd };
  }
}

/** A whole server (composition root) on 127.0.0.1, a free port, notifier off unless asked; started. */
export async function startServer(
  store: Store,
  clock: Clock,
  overrides: ServerConfigInput = {},
): Promise<{ server: OmadmServer; base: string }> {
  const loaded = loadServerConfig({
    overrides: {
      ...overrides,
      listen: { host: "127.0.0.1", port: 0, ...overrides.listen },
      components: { notifier: false, ...overrides.components },
    },
  });
  if (!loaded.ok) throw loaded.error;
  const server = createOmadmServer({ store, clock }, loaded.value);
  const { urls } = await server.start();
  return { server, base: urls.base };
}

/** Creates `deviceId` in `store` with one EXEC per URI, sent and answered 202 (state `accepted`); returns their ids. */
export async function acceptExecs(store: Store, deviceId: string, sourceUris: readonly string[]): Promise<string[]> {
  await store.devices.create({ id: deviceId });
  const ids: string[] = [];
  for (const uri of sourceUris) {
    ids.push((await store.commands.enqueue({ deviceId, name: "EXEC", params: [uri] })).command.id);
  }
  const { session } = await store.sessions.open({ deviceId, stateName: "AwaitingPackage3", idleTimeoutMs: 1000 });
  await store.commands.takeBatch({ deviceId, sessionId: session.id, max: 10, packageNo: 2 });
  await store.commands.recordResults(
    session.id,
    ids.map((commandId, i) => ({
      commandId,
      outcome: "accepted" as const,
      statusCode: 202,
      correlation: { sourceUri: sourceUris[i] ?? "" },
    })),
  );
  return ids;
}
