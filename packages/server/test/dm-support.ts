// Helpers for the DM endpoint tests: a clock the test drives, an app with only the DM endpoint, package
// headers and bodies, and a snapshot of everything the endpoint may write (to prove a refusal changed nothing).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { AT_CLIENT_INIT, MT_P1, MT_P2, MT_P3, type GenericAlert, type StatusItem } from "@omadm/protocol";
import { dmEndpointPlugin, type DmEndpointOptions } from "../src/dm/dm-endpoint.js";
import type { Store } from "../src/store/store.js";
import type { Clock } from "../src/store/types.js";

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
  const app = Fastify({ logger: false });
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
