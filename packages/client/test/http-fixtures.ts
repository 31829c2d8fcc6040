// Test fixtures for the session and HTTP tests: a scripted DM server on 127.0.0.1 (plain http, https, or PSK-TLS)
// that records every request and answers from a script, a throw-away PKI made with the openssl CLI, and small
// fakes implementing the session contracts.
import assert from "node:assert/strict";
import { after } from "node:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import type { TLSSocket } from "node:tls";
import { join } from "node:path";
import {
  MT_P2,
  parsePackage1,
  parsePackage3,
  type Command,
  type Package1,
  type Package3,
  type StatusItem,
} from "@omadm/protocol";
import { createInbox, openHandles, type Inbox } from "../../../test-support/async-inbox.js";
import { hasOpenssl } from "../../../test-support/openssl-pki.js";
import {
  createUndiciHttpClient,
  type UndiciHttpClient,
  type UndiciHttpClientOptions,
} from "../src/http/undici-http-client.js";
import { createAlertOutbox } from "../src/session/alert-outbox.js";
import type { CommandContext, CommandExecutor, CommandOutcome } from "../src/session/contracts.js";
import type { SessionDeps } from "../src/session/session-runner.js";
import type { AbortReason, SessionOutcome } from "../src/session/session-types.js";

/** One request as the scripted server saw it. */
export interface Exchange {
  readonly n: number;
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** Subject CN of the verified client certificate (https with requestCert), if any. */
  readonly peerCn?: string;
}

export interface Reply {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string | Uint8Array;
  /** Never answer (the socket stays open until the server closes): for timeout tests. */
  readonly hang?: boolean;
}

export type Script = (req: Exchange) => Reply | Promise<Reply>;

export interface ScriptedServer {
  readonly origin: string;
  url(path: string): string;
  readonly received: Exchange[];
  readonly requests: Inbox<Exchange>;
  /** TCP connections accepted so far (connection reuse checks). */
  readonly connections: number;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 port 0; `tls` options make it https (certificates or pskCallback). */
export async function startScriptedServer(script: Script, tls?: https.ServerOptions): Promise<ScriptedServer> {
  const received: Exchange[] = [];
  const requests = createInbox<Exchange>();
  let connections = 0;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const socket = req.socket as Partial<Pick<TLSSocket, "authorized" | "getPeerCertificate">>;
      const cn = socket.authorized === true ? socket.getPeerCertificate?.().subject.CN : undefined;
      const ex: Exchange = {
        n: received.length + 1,
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
        ...(typeof cn === "string" ? { peerCn: cn } : {}),
      };
      received.push(ex);
      requests.push(ex);
      void Promise.resolve(script(ex)).then((reply) => {
        if (reply.hang === true) return;
        for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
        res.statusCode = reply.status ?? 200;
        res.end(reply.body ?? "");
      });
    });
  };
  const server = tls === undefined ? http.createServer(handler) : https.createServer(tls, handler);
  const counted = tls === undefined ? "connection" : "secureConnection";
  server.on(counted, () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `${tls === undefined ? "http" : "https"}://127.0.0.1:${port}`;
  return {
    origin,
    url: (path) => origin + path,
    received,
    requests,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** A 200 carrying a Package#2 with these commands. */
export function p2(...cmd: string[][]): Reply {
  return { status: 200, headers: { "content-type": MT_P2 }, body: JSON.stringify({ CMD: cmd }) };
}

export function bodyP1(ex: Exchange): Package1 {
  const r = parsePackage1(ex.body);
  if (!r.ok) throw r.error;
  return r.value;
}

export function bodyP3(ex: Exchange): Package3 {
  const r = parsePackage3(ex.body);
  if (!r.ok) throw r.error;
  return r.value;
}

/** A CommandExecutor that records what it ran and answers from a function (default sc 200). */
export function recordingExecutor(
  answer: (command: Command, ctx: CommandContext) => StatusItem | Promise<StatusItem> = () => ({ sc: 200 }),
): CommandExecutor & { readonly ran: Command[]; readonly contexts: CommandContext[] } {
  const ran: Command[] = [];
  const contexts: CommandContext[] = [];
  return {
    ran,
    contexts,
    async execute(command, ctx): Promise<CommandOutcome> {
      ran.push(command);
      contexts.push(ctx);
      return { status: await answer(command, ctx) };
    },
  };
}

/** A settable clock. */
export function fakeClock(start = Date.UTC(2025, 0, 1)): { now(): number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
  };
}

/** The abort reason of an outcome that must be aborted. */
export function expectAborted(outcome: SessionOutcome): AbortReason {
  if (outcome.kind !== "aborted") assert.fail(`expected an aborted session, got ${outcome.kind}`);
  return outcome.reason;
}

export const silentLogger = { warn(): void {}, info(): void {} };

/**
 * The SessionDeps of a test session against `srv`'s /dm: device IMEI:1 without MOs, a recording executor, an
 * empty outbox, a fake clock and a silent logger; `overrides` replaces any of them.
 */
export function sessionDeps(
  http: SessionDeps["http"],
  srv: ScriptedServer,
  overrides: Partial<SessionDeps> = {},
): SessionDeps {
  return {
    http,
    executor: recordingExecutor(),
    outbox: createAlertOutbox(),
    devId: "IMEI:1",
    account: { srvId: "dm.example", srvUri: srv.url("/dm") },
    mos: () => [],
    clock: fakeClock(),
    logger: silentLogger,
    ...overrides,
  };
}

// ---- what a test file opens and must close ----------------------------------------------------------------

export interface LoopbackHarness {
  /** One shared client with plain http allowed (made on first use). */
  readonly http: UndiciHttpClient;
  /** Another client with these options. */
  readonly client: (options: UndiciHttpClientOptions) => UndiciHttpClient;
  /** Starts a scripted server (https with `tls`). */
  readonly server: (script: Script, tls?: https.ServerOptions) => Promise<ScriptedServer>;
  /** Anything else the file opened. */
  readonly closeLater: (close: () => Promise<void>) => void;
}

/**
 * The clients and scripted servers of one test file: an `after` hook closes them all, newest first, and with
 * `expectNoOpenHandles` then asserts that no socket or timer is left open.
 */
export function loopbackHarness(options: { readonly expectNoOpenHandles: boolean }): LoopbackHarness {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
    if (options.expectNoOpenHandles) assert.deepEqual(await openHandles(), [], "sockets or timers left open");
  });
  let shared: UndiciHttpClient | undefined;
  const client = (clientOptions: UndiciHttpClientOptions): UndiciHttpClient => {
    const c = createUndiciHttpClient(clientOptions);
    closers.push(() => c.close());
    return c;
  };
  return {
    get http() {
      shared ??= client({ allowHttp: true });
      return shared;
    },
    client,
    server: async (script, tls) => {
      const s = await startScriptedServer(script, tls);
      closers.push(() => s.close());
      return s;
    },
    closeLater: (close) => {
      closers.push(close);
    },
  };
}

// ---- PKI ---------------------------------------------------------------------------------------------------

export interface Pki {
  readonly caCert: string;
  readonly otherCaCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate signed by the other CA (the server must refuse it). */
  readonly strangerCert: string;
  readonly strangerKey: string;
}

/**
 * Whether the certificate tests (`what`) can run: false when the openssl CLI is here, else the printed reason
 * they are skipped. With CI=true an absent openssl CLI is a failure, not a skip.
 */
export function opensslSkipReason(what: string): string | false {
  if (hasOpenssl()) return false;
  if (process.env.CI === "true") throw new Error("the openssl CLI is required for the TLS tests (CI=true)");
  const reason = `the openssl CLI is not installed; ${what} skipped`;
  console.log(`# ${reason}`);
  return reason;
}

/** Makes two CAs and server/client certificates (EC P-256) with the openssl CLI in a temp dir. */
export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), "omadm-pki-"));
  const run = (...args: string[]): void => {
    execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  const ca = (name: string): void => {
    run(
      "req",
      "-x509",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.crt`,
      "-subj",
      `/CN=omadm ${name}`,
      "-days",
      "2",
    );
  };
  const leaf = (name: string, caName: string, ext: string): void => {
    run("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    run(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${caName}.crt`,
      "-CAkey",
      `${caName}.key`,
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    );
  };
  try {
    ca("ca");
    ca("other");
    leaf("server", "ca", "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
    leaf("client", "ca", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");
    leaf("stranger", "other", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");
    const read = (f: string): string => readFileSync(join(dir, f), "utf8");
    return {
      caCert: read("ca.crt"),
      otherCaCert: read("other.crt"),
      serverCert: read("server.crt"),
      serverKey: read("server.key"),
      clientCert: read("client.crt"),
      clientKey: read("client.key"),
      strangerCert: read("stranger.crt"),
      strangerKey: read("stranger.key"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
