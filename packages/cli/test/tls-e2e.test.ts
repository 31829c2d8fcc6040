// End to end over TLS (client certificates (mTLS) and PSK-TLS for devices, as configured;
// docs/protocol.md §11.2): `omadm server` started through its command parser with --tls-cert/--tls-key/--tls-ca and
// OMADM_* variables, on a real SQLite store in a temp dir; the project's DM Client session runner (`runSession`)
// over its own HTTP transport (`createUndiciHttpClient`) with a device certificate or a PSK; commands queued and
// read back through the REST API over https. Certificates made by the openssl CLI.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Command } from "commander";
import { Agent, request } from "undici";
// The session runner is internal to @omadm/client (devices use the DmClient facade); it and the HTTP client it
// drives come from the client's sources by path, so one copy of each module (and of HttpTransportError) is loaded.
import { createUndiciHttpClient, type UndiciHttpClientOptions } from "../../client/src/http/undici-http-client.js";
import { createAlertOutbox } from "../../client/src/session/alert-outbox.js";
import type { CommandExecutor } from "../../client/src/session/contracts.js";
import { runSession } from "../../client/src/session/session-runner.js";
import type { SessionOutcome } from "../../client/src/session/session-types.js";
import { certificateFingerprint } from "@omadm/server";
import { refusedServerCommand } from "./server-command-support.js";
import { registerServerCommand } from "../src/server-command.js";
import type { RunningServer } from "../src/server-command-types.js";
import { makeFilePki, skipWithoutOpenssl, type FilePki } from "../../../test-support/openssl-pki.js";
import { openHandles } from "../../../test-support/async-inbox.js";
import { tempDir } from "./e2e-support/server-harness.js";

const skip = skipWithoutOpenssl();
if (skip !== false) console.log(`# ${skip}`);
const DEVINFO_FWV = "urn:oma:mo:oma-dm-devinfo:1.2//FwV";
const CERT_DEV = "IMEI:350000000000941";
const PSK_DEV = { id: "IMEI:350000000000942", identity: "hgw-942", keyHex: "5e".repeat(16) };
const dir = tempDir("omadm-tls-e2e-");
let pki: FilePki;
let operator: Agent;
const closers: (() => Promise<unknown>)[] = [];

before(async () => {
  if (skip !== false) return;
  pki = await makeFilePki();
  operator = new Agent({ connect: { ca: pki.ca } });
  closers.push(() => operator.close());
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await pki?.cleanup(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- absent when skipped
  dir.remove();
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

/** `omadm server <flags>` with these OMADM_* variables, until the test file ends. */
async function omadmServer(
  flags: string[],
  env: Record<string, string>,
): Promise<{ running: RunningServer; out: string }> {
  const out: string[] = [];
  const err: string[] = [];
  let onStarted!: (r: RunningServer) => void;
  const started = new Promise<RunningServer>((resolve) => (onStarted = resolve));
  const program = new Command("omadm").exitOverride();
  registerServerCommand(program, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { OMADM_LOG_LEVEL: "silent", OMADM_COMPONENTS_NOTIFIER: "false", ...env },
    setExitCode: (code) => {
      throw new Error(`omadm server exited with ${code}: ${err.join("")}`);
    },
    onStarted: (r) => {
      onStarted(r);
    },
  });
  await program.parseAsync(["node", "omadm", "server", "--port", "0", ...flags]);
  const running = await started;
  closers.push(() => running.stop());
  assert.deepEqual(err, []);
  return { running, out: out.join("") };
}

/** The operator's REST API call over https (loopback: no token needed). */
async function api(running: RunningServer, method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
  const res = await request(`${running.urls.api ?? ""}${path}`, {
    method,
    dispatcher: operator,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const json: unknown = await res.body.json();
  assert.ok(res.statusCode < 300, `${method} ${path}: ${res.statusCode} ${JSON.stringify(json)}`);
  return json;
}

/** A device that answers GET with a DevInfo FwV value and every other command with 200. */
const executor: CommandExecutor = {
  execute(command) {
    if (command.name !== "GET") return Promise.resolve({ status: { sc: 200 } });
    return Promise.resolve({ status: { sc: 200, Data: [{ ClientURI: DEVINFO_FWV, MOData: { FwV: "3.1" } }] } });
  },
};

/** One client-initiated DM session of `devId` with the project's client over this TLS transport. */
async function session(running: RunningServer, devId: string, transport: UndiciHttpClientOptions) {
  const http = createUndiciHttpClient(transport);
  try {
    return await runSession(
      {
        http,
        executor,
        outbox: createAlertOutbox(),
        devId,
        account: { srvId: "omadm", srvUri: running.urls.dm },
        mos: () => [],
        clock: { now: () => Date.now() },
        logger: { warn: () => undefined },
      },
      { kind: "client-initiated" },
    );
  } finally {
    await http.close();
  }
}

function aborted(outcome: SessionOutcome) {
  assert.equal(outcome.kind, "aborted", JSON.stringify(outcome));
  return outcome.reason;
}

test("mtls: the registered device certificate gets the session, an unknown one 403, none 403", { skip }, async () => {
  const { running, out } = await omadmServer(
    [
      "--data-dir",
      join(dir.path, "mtls"),
      "--tls-cert",
      pki.server.certFile,
      "--tls-key",
      pki.server.keyFile,
      "--tls-ca",
      pki.caFile,
    ],
    { OMADM_DEVICE_AUTH_MODES: "mtls" },
  );
  for (const name of ["dm", "repository", "ui", "api"]) {
    assert.match(out, new RegExp(`^  ${name} +https://127\\.0\\.0\\.1:\\d+/`, "m"));
  }
  await api(running, "POST", "/devices", { id: CERT_DEV, certFingerprint: certificateFingerprint(pki.deviceA.cert) });
  const queued = (await api(running, "POST", `/devices/${encodeURIComponent(CERT_DEV)}/commands`, {
    command: ["GET", DEVINFO_FWV],
  })) as { id: string };

  const outcome = await session(running, CERT_DEV, { ca: pki.ca, cert: pki.deviceA.cert, key: pki.deviceA.key });
  assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
  assert.deepEqual(
    outcome.commands.map((c) => [c.item[0], c.status.sc]),
    [
      ["CONT", 200],
      ["GET", 200],
      ["END", 200],
    ],
  );
  const command = (await api(running, "GET", `/commands/${queued.id}`)) as { state: string; result: unknown };
  assert.equal(command.state, "done");
  assert.deepEqual(command.result, { uris: [], data: [{ ClientURI: DEVINFO_FWV, MOData: { FwV: "3.1" } }] });

  const unknown = aborted(
    await session(running, CERT_DEV, { ca: pki.ca, cert: pki.deviceB.cert, key: pki.deviceB.key }),
  );
  assert.deepEqual([unknown.code, unknown.httpStatus], ["http-status", 403]);
  const none = aborted(await session(running, CERT_DEV, { ca: pki.ca }));
  assert.deepEqual([none.code, none.httpStatus], ["http-status", 403]);
});

test(
  "psk: a device added through the API after start runs its session; a wrong key fails the handshake",
  { skip },
  async () => {
    const { running } = await omadmServer(
      ["--data-dir", join(dir.path, "psk"), "--tls-cert", pki.server.certFile, "--tls-key", pki.server.keyFile],
      { OMADM_DEVICE_AUTH_MODES: "psk" },
    );
    await api(running, "POST", "/devices", {
      id: PSK_DEV.id,
      psk: { identity: PSK_DEV.identity, key: PSK_DEV.keyHex },
    });
    await api(running, "POST", `/devices/${encodeURIComponent(PSK_DEV.id)}/commands`, {
      command: ["GET", DEVINFO_FWV],
    });
    const key = new Uint8Array(Buffer.from(PSK_DEV.keyHex, "hex"));

    const outcome = await session(running, PSK_DEV.id, { psk: { identity: PSK_DEV.identity, key } });
    assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
    assert.deepEqual(
      outcome.commands.map((c) => c.item[0]),
      ["CONT", "GET", "END"],
    );
    const device = (await api(running, "GET", `/devices/${encodeURIComponent(PSK_DEV.id)}`)) as { devInfo: unknown };
    assert.deepEqual(device.devInfo, { FwV: "3.1" });

    const wrong = aborted(
      await session(running, PSK_DEV.id, { psk: { identity: PSK_DEV.identity, key: key.map((b) => b ^ 1) } }),
    );
    assert.equal(wrong.code, "transport");
    assert.equal(wrong.transportCode, "OMADM_HTTP_TLS");
  },
);

test("omadm server refuses an unreadable --tls-key naming the file, with exit code 2", { skip }, async () => {
  const missing = join(pki.dir, "missing.key");
  const { code, err } = await refusedServerCommand([
    "--port",
    "0",
    "--tls-cert",
    pki.server.certFile,
    "--tls-key",
    missing,
  ]);
  assert.equal(code, 2);
  assert.match(err, new RegExp(`tls.keyFile ${missing.replaceAll(".", "\\.")} cannot be read`));
});
