// Shared fixtures of the `omadm client` tests: a scripted DM server and Data Repository on 127.0.0.1 (node:http,
// port 0) that records every request and answers from a per-path script, a device config file in a temporary
// directory (the example gateway MO from examples/), and `omadm client …` run in-process with its output and exit
// code captured.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { MT_P2, parsePackage1, parsePackage3, type Package1, type Package3 } from "@omadm/protocol";
import { createInbox, type Inbox } from "../../../test-support/async-inbox.js";
import type { ClientCommandDeps, RunningDaemon } from "../src/client/command-types.js";
import { registerClientCommands } from "../src/client/index.js";

export const GATEWAY_DDF = fileURLToPath(new URL("../../../examples/ddf/gateway.ddf", import.meta.url));
export const GATEWAY = "urn:oma:mo:x-omadm-gateway:1.0";
export const DEVINFO = "urn:oma:mo:oma-dm-devinfo:1.2";
export const DEV_ID = "IMEI:359000000000777";
export const NOTI_SECRET = "cli-test-secret";

export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface Reply {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface ScriptedServer {
  url(path: string): string;
  readonly received: Exchange[];
  readonly requests: Inbox<Exchange>;
  /** Answers for a path; unknown paths get 404, `/dm` answers END unless scripted. */
  route(path: string, answer: (ex: Exchange) => Reply): void;
  close(): Promise<void>;
}

export function p2(...cmd: string[][]): Reply {
  return { status: 200, headers: { "content-type": MT_P2 }, body: JSON.stringify({ CMD: cmd }) };
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  const routes = new Map<string, (ex: Exchange) => Reply>([["/dm", () => p2(["END"])]]);
  const received: Exchange[] = [];
  const requests = createInbox<Exchange>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const ex: Exchange = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      received.push(ex);
      const answer = routes.get(ex.path);
      const reply: Reply = answer === undefined ? { status: 404 } : answer(ex);
      res.writeHead(reply.status ?? 200, reply.headers ?? {});
      res.end(reply.body ?? "");
      requests.push(ex);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path) => origin + path,
    received,
    requests,
    route: (path, answer) => routes.set(path, answer),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

export function p1(ex: Exchange): Package1 {
  const r = parsePackage1(ex.body);
  if (!r.ok) throw r.error;
  return r.value;
}

export function p3(ex: Exchange): Package3 {
  const r = parsePackage3(ex.body);
  if (!r.ok) throw r.error;
  return r.value;
}

export interface DeviceDir {
  readonly config: string;
  readonly dir: string;
  remove(): void;
}

/** Writes a device config (one account "dm1" at `srvUri`) into a fresh temporary directory. */
export function writeDevice(srvUri: string, extra: Record<string, unknown> = {}): DeviceDir {
  const dir = mkdtempSync(join(tmpdir(), "omadm-cli-client-"));
  const config = join(dir, "device.json");
  const json = {
    devInfo: {
      devId: DEV_ID,
      man: "omadm cli tests",
      mod: "CLI-1",
      lang: "en-US",
      devType: "gateway",
      oem: "omadm",
      fwV: "1.0",
      swV: "1.0",
      hwV: "1.0",
    },
    accounts: [
      {
        srvId: "dm1",
        srvUri,
        name: "scripted server",
        permittedMoids: [DEVINFO, "urn:oma:mo:oma-dm-dmacc:1.2", "urn:oma:mo:oma-sessioninfomo:1.0", GATEWAY],
        notification: { secret: { utf8: NOTI_SECRET }, authData: { utf8: DEV_ID } },
      },
    ],
    mos: [
      {
        ddf: GATEWAY_DDF,
        instances: [
          {
            miid: "main",
            values: {
              Hostname: "cli-gw",
              LogLevel: "info",
              Wan: { Mode: "dhcp", Mtu: 1500 },
              Ops: { Reboot: null, Diagnostics: null },
            },
          },
        ],
      },
    ],
    exec: [
      { moid: GATEWAY, path: "Ops/Reboot", async: true, result: 200, delayMs: 1 },
      { moid: GATEWAY, path: "Ops/Diagnostics", result: 200 },
    ],
    stateDir: "state",
    allowHttp: true,
    ...extra,
  };
  writeFileSync(config, JSON.stringify(json, null, 2));
  return {
    config,
    dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  readonly out: string;
  readonly err: string;
  readonly exitCode: number;
}

/** Runs `omadm client …` in-process; resolves when the command's action has finished. */
export async function runClient(
  args: readonly string[],
  extra: Partial<Pick<ClientCommandDeps, "onDaemonStarted">> & { readonly onOut?: (text: string) => void } = {},
): Promise<CliResult> {
  let out = "";
  let err = "";
  let exitCode = 0;
  const program = new Command("omadm").exitOverride().configureOutput({
    writeOut: (t) => (out += t),
    writeErr: (t) => (err += t),
  });
  registerClientCommands(program, {
    out: (t) => {
      out += t;
      extra.onOut?.(t);
    },
    err: (t) => (err += t),
    setExitCode: (code) => {
      exitCode = code;
    },
    ...(extra.onDaemonStarted === undefined ? {} : { onDaemonStarted: extra.onDaemonStarted }),
  });
  try {
    await program.parseAsync(["client", ...args], { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    exitCode = error.exitCode;
  }
  return { out, err, exitCode };
}

export type { RunningDaemon };
