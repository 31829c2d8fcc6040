// Shared by the Data Repository's HTTP tests (repository-http-read.test.ts, repository-http-write.test.ts): a
// repository plugin over each store kind with devices A and B, problem+json reading, a hand-written authenticator.
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import type { Store } from "../src/store/store.js";
import { storeCases, type StoreCase } from "./store-cases.js";
import { repositoryPlugin, type RepositoryPluginOptions } from "../src/repository/plugin.js";
import type { DeviceAuthOutcome, RequestAuthenticator } from "../src/auth/auth-hook.js";
import { edgeApp } from "./edge-support.js";

const BASE = "http://repo.test";
export const DEVINFO = [
  {
    ClientURI: "urn:oma:mo:oma-dm-devinfo:1.0/1/",
    MOData: { DevInfo: { DevID: "A", Man: "Acme", Mod: "G1", DmV: "2.0", Lang: "en" } },
  },
];
export const MO_BODY = JSON.stringify(DEVINFO);
export const OMADM_ACCEPT =
  "application/dmmo+json, application/json, application/vnd.oma.dm.mo+json, application/vnd.syncml.dmtnds+xml";

export interface Harness {
  readonly app: FastifyInstance;
  readonly store: Store;
}

export const STORES = storeCases("omadm-repo-");

export function harnessFor(kind: StoreCase) {
  return async (options: Partial<RepositoryPluginOptions>, use: (h: Harness) => Promise<void>): Promise<void> => {
    let now = 1_700_000_000_000;
    const { store, dispose } = await kind.open({ now: () => (now += 1000) });
    const app = edgeApp();
    try {
      await store.devices.create({ id: "A" });
      await store.devices.create({ id: "B" });
      await app.register(repositoryPlugin, { store, publicBaseUrl: BASE, ...options });
      await app.ready();
      await use({ app, store });
    } finally {
      await app.close();
      await store.close();
      await dispose();
    }
  };
}

export function problem(res: LightMyRequestResponse): Record<string, unknown> {
  assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
  return res.json<Record<string, unknown>>();
}

export const bytes = (text: string) => new TextEncoder().encode(text);

/** A hand-written authenticator: `Authorization: Device <id>` authenticates as <id>; no header → 401. */
export function fakeAuthenticator(): RequestAuthenticator & { readonly calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    authenticate(request: IncomingMessage): DeviceAuthOutcome {
      calls.push(request.url ?? "");
      const header = request.headers.authorization;
      if (header === undefined) {
        return {
          ok: false,
          status: 401,
          wwwAuthenticate: ['Digest realm="dm"', 'Basic realm="dm"'],
          message: "credentials required",
        };
      }
      const m = /^Device (\S+)$/.exec(header);
      if (m?.[1] === undefined) return { ok: false, status: 403, message: "unknown credentials" };
      return { ok: true, deviceId: m[1] };
    },
  };
}
