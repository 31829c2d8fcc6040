// Helpers of the TLS tests (tls-*.test.ts): the composed server (createOmadmServer) over a real SQLite store in a
// temp dir, listening with HTTPS on 127.0.0.1; undici dispatchers with a client certificate or PSK-TLS
// credentials; and a minimal device that speaks Package#1/#3 through such a dispatcher.
import type { TLSSocket } from "node:tls";
import assert from "node:assert/strict";
import { MT_P1, MT_P2, MT_P3, AT_CLIENT_INIT, type StatusItem } from "@omadm/protocol";
import { Agent, request } from "undici";
import { PSK_CIPHER_SUITES } from "../src/tls/tls-options.js";
import { createOmadmServer, type OmadmServer } from "../src/app.js";
import { loadServerConfig, type ServerConfigInput } from "../src/config.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import type { FilePki } from "../../../test-support/openssl-pki.js";

export interface TlsTestServer {
  readonly server: OmadmServer;
  readonly store: Store;
  /** https://127.0.0.1:<port> */
  readonly base: string;
  /** The operator's REST API over TLS (no client certificate; loopback needs no token). */
  api(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<ApiAnswer>;
  stop(): Promise<void>;
}

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Starts the composed server with `overrides` over a SQLite store in `dataDir`; `before` runs before start. */
export async function startTlsServer(
  pki: FilePki,
  dataDir: string,
  overrides: ServerConfigInput,
  before?: (store: Store) => Promise<void>,
): Promise<TlsTestServer> {
  const loaded = loadServerConfig({
    overrides: {
      listen: { host: "127.0.0.1", port: 0 },
      dataDir,
      components: { notifier: false },
      sweepIntervalMs: 3_600_000,
      ...overrides,
    },
  });
  if (!loaded.ok) throw loaded.error;
  const clock = { now: () => Date.now() };
  const store = await openSqliteStore({ clock }, { dataDir });
  let server: OmadmServer;
  try {
    await before?.(store);
    server = createOmadmServer({ store, clock }, loaded.value);
  } catch (error) {
    await store.close();
    throw error;
  }
  const { urls } = await server.start();
  const operator = tlsDispatcher({ ca: pki.ca });
  return {
    server,
    store,
    base: urls.base,
    async api(method, path, body) {
      const res = await request(`${urls.base}/api/v1${path}`, {
        method,
        dispatcher: operator,
        ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      });
      const text = await res.body.text();
      return { status: res.statusCode, body: text === "" ? null : (JSON.parse(text) as unknown) };
    },
    async stop() {
      await operator.close();
      await server.stop();
      await store.close();
    },
  };
}

export interface DispatcherOptions {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  /** PSK-TLS: the §11.2 PSK suites on TLS 1.2, this identity and key (hex). */
  readonly psk?: { readonly identity: string; readonly keyHex: string };
  /** Called with the server's PSK identity hint. */
  readonly onHint?: (hint: string | null) => void;
}

/** An undici Agent whose connections use these TLS credentials. Close it when done. */
export function tlsDispatcher(options: DispatcherOptions): Agent {
  const { psk } = options;
  return new Agent({
    connect: {
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      ...(options.cert === undefined ? {} : { cert: options.cert, key: options.key }),
      ...(psk === undefined
        ? {}
        : {
            ciphers: PSK_CIPHER_SUITES.join(":"),
            maxVersion: "TLSv1.2" as const,
            // A PSK suite presents no certificate: the shared key authenticates the server.
            checkServerIdentity: () => undefined,
            pskCallback: (hint: string | null) => {
              options.onHint?.(hint);
              return { identity: psk.identity, psk: Buffer.from(psk.keyHex, "hex") };
            },
          }),
    },
  });
}

/** Records, for each TLS connection the server accepts, whether it resumed an earlier session. */
export function watchResumption(server: OmadmServer): { readonly reused: boolean[]; stop(): void } {
  const reused: boolean[] = [];
  const onSecure = (socket: TLSSocket): void => {
    reused.push(socket.isSessionReused());
  };
  server.app.server.on("secureConnection", onSecure);
  return {
    reused,
    stop() {
      server.app.server.off("secureConnection", onSecure);
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
  /** The CMD array of a Package#2. */
  readonly cmd: readonly (readonly string[])[];
}

/** A device speaking Package#1/#3 through one dispatcher; keeps the session cookie and the CONT URL. */
export class TlsDevice {
  readonly devId: string;
  readonly #dmUrl: string;
  readonly #dispatcher: Agent;
  readonly #newConnectionEach: boolean;
  #cont: string | undefined;
  #cookie: string | undefined;

  /** `newConnectionEach`: every package on its own connection (`Connection: close`), which the dispatcher opens
   *  offering the TLS session of the previous one for resumption. */
  constructor(devId: string, dmUrl: string, dispatcher: Agent, options: { newConnectionEach?: boolean } = {}) {
    this.devId = devId;
    this.#dmUrl = dmUrl;
    this.#dispatcher = dispatcher;
    this.#newConnectionEach = options.newConnectionEach ?? false;
  }

  get contUrl(): string | undefined {
    return this.#cont;
  }

  p1(): Promise<Answer> {
    this.#cont = undefined;
    this.#cookie = undefined;
    return this.#post(this.#dmUrl, MT_P1, JSON.stringify({ Alert: [{ AlertType: AT_CLIENT_INIT }] }));
  }

  p3(statuses: StatusItem[]): Promise<Answer> {
    return this.#post(this.#cont ?? this.#dmUrl, MT_P3, JSON.stringify({ Status: statuses }));
  }

  async #post(url: string, contentType: string, body: string): Promise<Answer> {
    const headers: Record<string, string> = { "content-type": contentType, accept: MT_P2, "omadm-devid": this.devId };
    if (this.#cookie !== undefined) headers.cookie = this.#cookie;
    const res = await request(url, {
      method: "POST",
      headers,
      body,
      dispatcher: this.#dispatcher,
      reset: this.#newConnectionEach,
    });
    const text = await res.body.text();
    const parsed: unknown = text === "" ? null : JSON.parse(text);
    const setCookie = res.headers["set-cookie"];
    const line = Array.isArray(setCookie) ? setCookie[0] : setCookie;
    if (line !== undefined) this.#cookie = line.split(";", 1)[0];
    let cmd: (readonly string[])[] = [];
    if (res.statusCode === 200) {
      cmd = (parsed as { CMD: string[][] }).CMD;
      const first = cmd[0];
      if (first?.[0] === "CONT" && first[1] !== undefined) this.#cont = first[1];
    }
    return { status: res.statusCode, headers: res.headers, body: parsed, cmd };
  }
}

/**
 * Queues one DELETE for the device through the API and runs its session over `dev` (a device that opens a new
 * connection per request): Package#1 → CONT + DELETE → Package#3 → END, asserting each step. Returns, per
 * connection the server accepted, whether it resumed an earlier TLS session.
 */
export async function twoConnectionSession(srv: TlsTestServer, dev: TlsDevice, deviceId: string): Promise<boolean[]> {
  const queued = await srv.api("POST", `/devices/${encodeURIComponent(deviceId)}/commands`, {
    command: ["DELETE", "urn:oma:mo:oma-fumo:1.0/fw/Old"],
  });
  assert.equal(queued.status, 201, JSON.stringify(queued.body));
  const watch = watchResumption(srv.server);
  try {
    const p2 = await dev.p1();
    assert.equal(p2.cmd.length, 2, "CONT and the DELETE: the session goes on to a Package#3");
    assert.equal(p2.status, 200, JSON.stringify(p2.body));
    const end = await dev.p3(p2.cmd.map(() => ({ sc: 200 })));
    assert.equal(end.status, 200, JSON.stringify(end.body));
    assert.deepEqual(end.cmd, [["END"]]);
    return [...watch.reused];
  } finally {
    watch.stop();
  }
}
