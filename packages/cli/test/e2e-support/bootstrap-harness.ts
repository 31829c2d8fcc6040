// The bootstrap end-to-end tests' harness (docs/bootstrap.md): `omadm server` composed in-process over HTTPS with
// the bootstrap role on (PSK-TLS and client certificates for bootstrap credentials, HTTP Digest for the managed
// devices), on a real SQLite store; and devices made with the project's DmClient from a factory config that holds
// bootstrap credentials only (files in a temp dir, parsed by the real config parser).
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  createAccountHttpClient,
  createDmClient,
  createFileStateStore,
  createUdpNotificationTransport,
  nodeStateFs,
  parseDeviceConfig,
  type DmClient,
  type SessionOutcome,
  type UdpNotificationTransport,
} from "@omadm/client";
import { createOmadmServer, loadServerConfig, openSqliteStore, type OmadmServer, type Store } from "@omadm/server";
import type { FilePki } from "../../../../test-support/openssl-pki.js";
import { createInbox, type Inbox } from "../../../../test-support/async-inbox.js";
import { Agent, request } from "undici";

export const MGMT_ID = "omadm";
export const BOOTSTRAP_ID = "omadm-bootstrap";
export const MOID_DEVINFO = "urn:oma:mo:oma-dm-devinfo:1.2";
export const MOID_DMACC = "urn:oma:mo:oma-dm-dmacc:1.2";

export interface BootstrapServer {
  readonly server: OmadmServer;
  readonly store: Store;
  readonly base: string;
  readonly bootstrapUrl: string;
  readonly dmUrl: string;
  stop(): Promise<void>;
}

/** `seed` runs on the store before the server starts (so the PSK keys it imports are loaded at start). */
export async function startBootstrapServer(
  dataDir: string,
  pki: FilePki,
  seed?: (store: Store) => Promise<void>,
): Promise<BootstrapServer> {
  return startTlsServer(
    dataDir,
    pki,
    {
      serverId: MGMT_ID,
      tls: { psk: true, requestClientCert: true },
      bootstrap: { enabled: true, capabilityTtlMs: 60_000 },
    },
    seed,
  );
}

/**
 * A management server of another deployment (no bootstrap role, its own store) whose REST API needs a token even
 * from loopback: a bootstrap server's remote target (docs/bootstrap.md "Remote targets").
 */
export function startManagementServer(dataDir: string, pki: FilePki, serverId: string): Promise<BootstrapServer> {
  return startTlsServer(dataDir, pki, { serverId, api: { loopbackWithoutToken: false } });
}

async function startTlsServer(
  dataDir: string,
  pki: FilePki,
  extra: { serverId: string; tls?: Record<string, unknown>; [key: string]: unknown },
  seed?: (store: Store) => Promise<void>,
): Promise<BootstrapServer> {
  const loaded = loadServerConfig({
    overrides: {
      listen: { host: "127.0.0.1", port: 0 },
      dataDir,
      deviceAuth: { modes: ["digest"] },
      sweepIntervalMs: 3_600_000,
      notifier: { udp: true },
      logLevel: "silent",
      ...extra,
      tls: {
        enabled: true,
        certFile: pki.server.certFile,
        keyFile: pki.server.keyFile,
        caFile: pki.caFile,
        ...extra.tls,
      },
    },
  });
  if (!loaded.ok) throw loaded.error;
  const clock = { now: () => Date.now() };
  const store = await openSqliteStore({ clock }, { dataDir: loaded.value.dataDir });
  await seed?.(store);
  const server = createOmadmServer({ store, clock }, loaded.value);
  let urls;
  try {
    ({ urls } = await server.start());
  } catch (error) {
    await store.close();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    server,
    store,
    base: urls.base,
    bootstrapUrl: urls.bootstrap ?? "",
    dmUrl: urls.dm,
    stop: () => (stopping ??= server.stop().finally(() => store.close())),
  };
}

export interface FactoryCredentials {
  readonly psk?: { readonly identity: string; readonly keyHex: string };
  readonly cert?: { readonly certFile: string; readonly keyFile: string };
  /** The bootstrap account's Auth/Noti secret (server-initiated bootstrap). */
  readonly notiSecretHex?: string;
}

export interface TestDevice {
  readonly client: DmClient;
  readonly sessions: Inbox<SessionOutcome>;
  readonly udpPort: number;
  readonly log: string[];
  stop(): Promise<void>;
}

/** A device that leaves the factory with its DevInfo and one account: the bootstrap server's. */
export async function startFactoryDevice(
  dir: string,
  devId: string,
  bootstrapUrl: string,
  caFile: string,
  creds: FactoryCredentials,
  options: {
    readonly bootstrapAfterAuthFailures?: number;
    /** The factory bootstrap account's Perm (default: the DMAcc MOID only). */
    readonly factoryMoids?: readonly string[];
    readonly devInfo?: { readonly man?: string; readonly mod?: string; readonly fwV?: string };
  } = {},
): Promise<TestDevice> {
  mkdirSync(dir, { recursive: true });
  let bootstrap: Record<string, unknown>;
  if (creds.psk !== undefined) {
    writeFileSync(join(dir, "bootstrap.psk"), creds.psk.keyHex);
    bootstrap = { secMode: "psk", psk: { identity: creds.psk.identity, keyFile: "bootstrap.psk" } };
  } else if (creds.cert !== undefined) {
    bootstrap = { secMode: "x509", cert: creds.cert.certFile, key: creds.cert.keyFile };
  } else throw new Error("give psk or cert");
  const config = {
    devInfo: {
      devId,
      man: "omadm e2e",
      mod: "BS-1",
      lang: "en-US",
      devType: "gateway",
      oem: "omadm",
      fwV: "1",
      swV: "1",
      hwV: "a",
      ...options.devInfo,
    },
    accounts: [
      {
        srvId: BOOTSTRAP_ID,
        srvUri: bootstrapUrl,
        name: "factory bootstrap server",
        permittedMoids: options.factoryMoids ?? [MOID_DMACC],
        miid: "factory",
        bootstrap,
        tls: { ca: caFile },
        ...(creds.notiSecretHex === undefined
          ? {}
          : { notification: { secret: { hex: creds.notiSecretHex }, authData: { utf8: devId } } }),
      },
    ],
    notifications: { bearers: [3] },
    stateDir: join(dir, "state"),
    allowHttp: false,
    allowUnauthenticatedNotifications: false,
  };
  const parsed = parseDeviceConfig(config, { baseDir: dir, readFile: (p) => new Uint8Array(readFileSync(p)) });
  if (!parsed.ok) throw parsed.error;
  const log: string[] = [];
  const logger = {
    info: (d: Record<string, unknown>, m: string) => {
      log.push(`info ${m} ${JSON.stringify(d)}`);
    },
    debug: (d: Record<string, unknown>, m: string) => {
      log.push(`debug ${m} ${JSON.stringify(d)}`);
    },
    warn: (d: Record<string, unknown>, m: string) => {
      log.push(`warn ${m} ${JSON.stringify(d)}`);
    },
  };
  const udp: UdpNotificationTransport = createUdpNotificationTransport({ host: "127.0.0.1", port: 0, logger });
  const holder: { client?: DmClient } = {};
  const http = createAccountHttpClient({
    base: { ca: readFileSync(caFile, "utf8"), connectTimeoutMs: 5_000, requestTimeoutMs: 15_000 },
    accounts: () => holder.client?.accounts() ?? [],
  });
  const started = createDmClient(
    {
      stateStore: createFileStateStore({ fs: nodeStateFs() }, { path: join(dir, "state", "state.json") }),
      http,
      transports: [udp],
      clock: { now: () => Date.now() },
      timers: {
        setTimeout: (cb: () => void, ms: number) => setTimeout(cb, ms).unref(),
        clearTimeout: (h: unknown) => {
          clearTimeout(h as ReturnType<typeof setTimeout>);
        },
      },
      random: (n) => new Uint8Array(randomBytes(n)),
      logger,
    },
    parsed.value,
    {
      responseTimeoutMs: 15_000,
      transferTimeoutMs: 15_000,
      ...(options.bootstrapAfterAuthFailures === undefined
        ? {}
        : { bootstrapAfterAuthFailures: options.bootstrapAfterAuthFailures }),
    },
  );
  holder.client = started;
  const sessions = createInbox<SessionOutcome>();
  started.on("session", (o) => {
    sessions.push(o);
  });
  await started.start();
  const port = udp.address()?.port ?? 0;
  let stopping: Promise<void> | undefined;
  return {
    client: started,
    sessions,
    udpPort: port,
    log,
    stop: () => (stopping ??= started.stop().finally(() => http.close())),
  };
}

/** One REST API call over HTTPS trusting `ca`; the answer's status and JSON body (null when empty). */
export async function apiCall(
  base: string,
  ca: string,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; json: unknown }> {
  const dispatcher = new Agent({ connect: { ca } });
  try {
    const res = await request(`${base}/api/v1${path}`, {
      method,
      dispatcher,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.body.text();
    return { status: res.statusCode, json: text === "" ? null : (JSON.parse(text) as unknown) };
  } finally {
    await dispatcher.close();
  }
}
