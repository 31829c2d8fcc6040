// `omadm client set|tree|run` next to a running `omadm client daemon` (docs/client-state.md): `set` goes over the
// daemon's control socket into its live tree, so the SUB subscriber gets the value the device really has and
// nothing is overwritten when the daemon stops; `run` is refused while the daemon holds the lock; without a
// daemon the commands edit the state under the lock, and the next daemon starts from it. The socket is 0600
// inside a 0700 directory and answers a bad request with a typed error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { DmClientErrorCode, controlRequest } from "@omadm/client";
import { createInbox } from "../../../test-support/async-inbox.js";
import { GATEWAY, type RunningDaemon, p2, runClient, startScriptedServer, writeDevice } from "./client-support.js";

const MTU = `${GATEWAY}/main/Wan/Mtu`;

async function startDaemon(
  config: string,
): Promise<{ daemon: RunningDaemon; lines: ReturnType<typeof createInbox<string>> }> {
  const lines = createInbox<string>();
  const started = createInbox<RunningDaemon>();
  const result = await runClient(["daemon", "-c", config], {
    onOut: (text) => {
      for (const l of text.split("\n")) if (l !== "") lines.push(l);
    },
    onDaemonStarted: (d) => {
      started.push(d);
    },
  });
  assert.equal(result.exitCode, 0, result.err);
  return { daemon: await started.next(), lines };
}

async function nextMatching(lines: ReturnType<typeof createInbox<string>>, re: RegExp): Promise<string> {
  for (;;) {
    const line = await lines.next();
    if (re.test(line)) return line;
  }
}

/** One raw line over the socket, one answer line back. */
function rawExchange(path: string, line: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    let buf = "";
    s.setEncoding("utf8");
    s.on("connect", () => s.write(line));
    s.on("data", (c: string) => {
      buf += c;
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        s.destroy();
        resolve(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      }
    });
    s.on("error", reject);
  });
}

test(
  "client set next to a running daemon reaches its live tree and the SUB subscriber; nothing is lost",
  { timeout: 30_000 },
  async (t) => {
    const server = await startScriptedServer();
    // The first session subscribes the server to the Wan subtree (§4.10); later sessions just end.
    let subscribed = false;
    server.route("/dm", () => {
      if (subscribed) return p2(["END"]);
      subscribed = true;
      return p2(["SUB", server.url("/sub"), `${GATEWAY}/main/Wan`], ["END"]);
    });
    const reports = createInbox<string>();
    server.route("/sub", (ex) => {
      reports.push(ex.body.toString("utf8"));
      return { status: 204 };
    });
    // A long debounce: the report must come from the daemon flushing on `set`, not from a timer.
    const device = writeDevice(server.url("/dm"), {
      notifications: { udp: [{ host: "127.0.0.1", port: 0, srvId: "dm1" }] },
      subDebounceMs: 600_000,
    });
    t.after(async () => {
      device.remove();
      await server.close();
    });
    const stateDir = join(device.dir, "state");

    const first = await startDaemon(device.config);
    const lines = first.lines;
    let daemon = first.daemon;
    let running = true;
    t.after(async () => {
      if (running) await daemon.stop();
    });
    await nextMatching(lines, /\(BootstrapComplete\): completed/);
    assert.equal(daemon.client.subscriptions().length, 1);
    assert.equal(statSync(stateDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(stateDir, "control.sock")).mode & 0o777, 0o600);

    // `client set` while the daemon runs: answered by the daemon, which changes its own tree and reports it.
    const set = await runClient(["set", "-c", device.config, MTU, "1400"]);
    assert.equal(set.exitCode, 0, set.err);
    assert.equal(set.out, `${MTU} = 1400\n`);
    const report = JSON.parse(await reports.next()) as { ClientURI: string; MOData: unknown }[];
    assert.deepEqual(
      report.map((i) => i.ClientURI),
      [`${GATEWAY}/main/Wan`],
    );
    assert.match(JSON.stringify(report[0]?.MOData), /"Mtu":1400/);
    const live = daemon.client.getValue(MTU);
    assert.ok(live.ok && live.value === 1400, "the daemon's live tree has the value the subscriber was told");

    // `client tree` goes through the daemon too; `client run` is refused: the daemon holds the state.
    const tree = await runClient(["tree", "-c", device.config, MTU]);
    assert.equal(tree.out, `${MTU} = 1400\n`);
    const run = await runClient(["run", "-c", device.config]);
    assert.equal(run.exitCode, 1);
    assert.match(run.err, new RegExp(`in use by process ${process.pid} \\(daemon\\)`));

    // A bad value is refused by the daemon with its reason, and changes nothing.
    const badValue = await runClient(["set", "-c", device.config, MTU, "not-a-number"]);
    assert.equal(badValue.exitCode, 1);
    assert.match(badValue.err, /^error: /);
    const unchanged = daemon.client.getValue(MTU);
    assert.ok(unchanged.ok && unchanged.value === 1400);

    // Typed errors on the socket: an unknown operation, a line that is not JSON.
    const socket = join(stateDir, "control.sock");
    await assert.rejects(controlRequest(socket, "reboot", {}), { code: DmClientErrorCode.CONTROL_REQUEST });
    const raw = await rawExchange(socket, "not json\n");
    assert.deepEqual(raw.error, { code: DmClientErrorCode.CONTROL_REQUEST, message: "the request is not valid JSON" });

    // The daemon stops: its save keeps 1400 (it never writes an older tree over a command's change).
    await daemon.stop();
    running = false;
    const after = await runClient(["tree", "-c", device.config, MTU]);
    assert.equal(after.exitCode, 0, after.err);
    assert.equal(after.out, `${MTU} = 1400\n`);

    // Without a daemon, `set` edits the state under the lock; the next daemon starts from it.
    const offline = await runClient(["set", "-c", device.config, MTU, "1300"]);
    assert.equal(offline.exitCode, 0, offline.err);
    ({ daemon } = await startDaemon(device.config));
    running = true;
    const restarted = daemon.client.getValue(MTU);
    assert.ok(restarted.ok && restarted.value === 1300, "the daemon starts from the value set without it");
  },
);
