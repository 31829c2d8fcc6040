// `npm run test:crash:client`: the client daemon (`omadm client daemon`, a real process) is killed with SIGKILL
// while signed Package#0 notifications keep arriving over UDP, so that kills land during state writes (every
// accepted notification is saved before its session). After each kill the state file must decode (atomic saves,
// docs/client-state.md), and the restarted daemon must serve every notification it had accepted: at the end the
// DM server (a scripted one on 127.0.0.1) must have seen a ServerInitiatedMgmt Package#1 for each accepted
// NOTIFICATION-ID. Prints one summary line; exits 1 when a state was invalid or a notification was lost.
// Usage: tsx --conditions=@omadm/source scripts/crash-client.ts [--kills N]
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AT_SERVER_INIT, MT_P2, parsePackage1, signNotification } from "@omadm/protocol";
import { decodeClientState } from "../packages/client/src/state/state-codec.js";

const BIN = fileURLToPath(new URL("../packages/cli/bin/omadm.mjs", import.meta.url));
const DEV_ID = "IMEI:359000000000999";
const SECRET = "crash-test-secret";
const enc = new TextEncoder();
const kills = Number(/--kills[= ](\d+)/.exec(process.argv.join(" "))?.[1] ?? 50);

async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", r));
  const port = s.address().port;
  await new Promise<void>((r) =>
    s.close(() => {
      r();
    }),
  );
  return port;
}

async function main(): Promise<number> {
  const served = new Set<number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const p1 = parsePackage1(Buffer.concat(chunks));
      if (p1.ok) {
        const alert = p1.value.Alert?.[0];
        const id = (alert?.Data as { "NOTIFICATION-ID"?: unknown } | undefined)?.["NOTIFICATION-ID"];
        if (alert?.AlertType === AT_SERVER_INIT && typeof id === "number") served.add(id);
      }
      res.writeHead(200, { "content-type": MT_P2 });
      res.end(JSON.stringify({ CMD: [["END"]] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const dir = mkdtempSync(join(tmpdir(), "omadm-crash-client-"));
  const port = await freeUdpPort();
  const config = join(dir, "device.json");
  writeFileSync(
    config,
    JSON.stringify({
      devInfo: {
        devId: DEV_ID,
        man: "crash",
        mod: "C-1",
        lang: "en",
        devType: "gw",
        oem: "o",
        fwV: "1",
        swV: "1",
        hwV: "1",
      },
      accounts: [
        {
          srvId: "dm1",
          srvUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dm`,
          name: "crash server",
          permittedMoids: ["urn:oma:mo:oma-dm-devinfo:1.2"],
          notification: { secret: { utf8: SECRET }, authData: { utf8: DEV_ID } },
        },
      ],
      notifications: { udp: [{ host: "127.0.0.1", port, srvId: "dm1" }] },
      stateDir: "state",
      allowHttp: true,
    }),
  );
  const accepted = new Set<number>();
  const sender = createSocket("udp4");
  let nextId = 1;
  let validStates = 0;
  let restarts = 0;

  const start = (): Promise<ChildProcess> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, "client", "daemon", "-c", config], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let buf = "";
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (c: string) => {
        buf += c;
        for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          // Printed after the notification was saved (docs/client-state.md): it must be served.
          const m = /^notification from dm1 accepted \(.*NOTIFICATION-ID (\d+)/.exec(line);
          if (m !== null) accepted.add(Number(m[1]));
          if (line.includes("is running")) resolve(child);
        }
      });
      child.stderr.resume();
      child.once("exit", (code) => {
        reject(new Error(`the daemon exited (${code}) before it ran`));
      });
    });

  const send = (): void => {
    const id = nextId++;
    const bytes = signNotification(
      { notificationId: id & 0xffff, reqMos: false, unknownOptions: [], timestamp: Math.floor(Date.now() / 1000) },
      { secret: enc.encode(SECRET), authData: enc.encode(DEV_ID) },
    );
    sender.send(bytes, port, "127.0.0.1");
  };

  try {
    for (let k = 0; k < kills; k++) {
      const child = await start();
      restarts++;
      const pump = setInterval(send, 4);
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 150));
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
      clearInterval(pump);
      const file = join(dir, "state", "state.json");
      if (existsSync(file) && decodeClientState(readFileSync(file)).ok) validStates++;
    }
    // The last life: every accepted notification must be served.
    const child = await start();
    restarts++;
    const deadline = Date.now() + 30_000;
    while ([...accepted].some((id) => !served.has(id)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  } finally {
    sender.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const lost = [...accepted].filter((id) => !served.has(id)).length;
  const servedAccepted = [...accepted].filter((id) => served.has(id)).length;
  process.stdout.write(
    `crash(client): ${kills} kills, valid state ${validStates}, restarts ${restarts}, notifications accepted ${accepted.size}, served ${servedAccepted}, lost ${lost}\n`,
  );
  return lost === 0 && validStates === kills ? 0 : 1;
}

process.exitCode = await main();
