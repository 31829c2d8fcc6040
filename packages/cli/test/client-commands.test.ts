// `omadm client run | tree | set | alert` in-process against a scripted DM server and Data Repository on
// 127.0.0.1: what each prints, the exit codes, and that consecutive commands see the same device (its state
// directory).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { AT_BOOTSTRAP_COMPLETE, AT_CLIENT_INIT, AT_EXEC_COMPLETE } from "@omadm/protocol";
import {
  DEVINFO,
  DEV_ID,
  GATEWAY,
  type DeviceDir,
  type ScriptedServer,
  p1,
  p2,
  p3,
  runClient,
  startScriptedServer,
  writeDevice,
} from "./client-support.js";

let server: ScriptedServer;
let device: DeviceDir;

before(async () => {
  server = await startScriptedServer();
  device = writeDevice(server.url("/dm"));
});
after(async () => {
  device.remove();
  await server.close();
});

test("client run: the first session is BootstrapComplete; commands and outcome are printed; exit 0", async () => {
  const r = await runClient(["run", "-c", device.config]);
  assert.equal(r.exitCode, 0, r.err);
  assert.match(r.out, /with dm1 \(BootstrapComplete\): completed, 1 command\(s\), 1 package\(s\)/);
  assert.deepEqual(p1(server.received.at(-1)!).Alert, [{ AlertType: AT_BOOTSTRAP_COMPLETE }]);
  assert.equal(server.received.at(-1)?.headers["omadm-devid"], DEV_ID);
  assert.ok(existsSync(join(device.dir, "state", "state.json")), "the state is saved in the config's stateDir");
});

test("client run: each command with its status, then the asynchronous EXEC report session to its ServerURI", async () => {
  server.route("/dm", (ex) =>
    ex.body.includes("Status")
      ? p2(["END"])
      : p2(
          ["GET", `${DEVINFO}//DevID`],
          ["EXEC", `${GATEWAY}/main/Ops/Reboot`, server.url("/reports")],
          ["EXEC", `${GATEWAY}/main/Ops/Diagnostics`],
          ["DELETE", `${GATEWAY}/nope/`],
        ),
  );
  server.route("/reports", () => p2(["END"]));
  const r = await runClient(["run", "-c", device.config, "--server", "dm1"]);
  assert.equal(r.exitCode, 0, r.err);
  const lines = r.out.split("\n");
  assert.ok(lines.includes(`  [1.1] GET ${DEVINFO}//DevID → 200 OK ${DEVINFO}/devinfo/DevID`), r.out);
  assert.ok(lines.includes(`  [1.2] EXEC ${GATEWAY}/main/Ops/Reboot ${server.url("/reports")} → 202 Accepted`), r.out);
  assert.ok(lines.includes(`  [1.3] EXEC ${GATEWAY}/main/Ops/Diagnostics → 200 OK`), r.out);
  assert.ok(
    lines.some((l) => l.startsWith(`  [1.4] DELETE ${GATEWAY}/nope/ → 404`)),
    r.out,
  );
  assert.match(r.out, /with dm1 \(ClientInitiatedMgmt\): completed, 5 command\(s\), 2 package\(s\)/);
  assert.match(r.out, new RegExp(`with dm1 \\(asynchronous report to ${server.url("/reports")}\\): completed`));
  const statuses = p3(server.received.filter((ex) => ex.path === "/dm").at(-1)!).Status.map((s) => s.sc);
  assert.deepEqual(statuses, [200, 202, 200, 404]);
  const report = server.received.at(-1)!;
  assert.equal(report.path, "/reports");
  const alert = p1(report).Alert?.find((a) => a.AlertType === AT_EXEC_COMPLETE);
  assert.equal(alert?.SourceURI, `${GATEWAY}/main/Ops/Reboot`);
  server.route("/dm", () => p2(["END"]));
});

test("client run: an aborted session prints its reason and exits 1", async () => {
  server.route("/dm", () => ({ status: 503, body: "busy" }));
  const r = await runClient(["run", "-c", device.config]);
  assert.equal(r.exitCode, 1);
  assert.match(r.out, /\(ClientInitiatedMgmt\): aborted — http-status \(HTTP 503\)/);
  server.route("/dm", () => p2(["END"]));
});

test("client tree prints the whole tree or the nodes a ClientURI selects; a bad ClientURI exits 1", async () => {
  const all = await runClient(["tree", "-c", device.config]);
  assert.equal(all.exitCode, 0, all.err);
  const lines = all.out.split("\n");
  assert.ok(lines.includes(`${GATEWAY}/main/`));
  assert.ok(lines.includes("  Wan/"));
  assert.ok(lines.includes("    Mode = dhcp"));
  assert.ok(lines.includes(`  DevID = ${DEV_ID}`));
  assert.ok(lines.includes("    Reboot = (null)"));
  const sub = await runClient(["tree", "-c", device.config, `${GATEWAY}/main/Wan`]);
  assert.equal(sub.out, `${GATEWAY}/main/Wan\n  Mode = dhcp\n  Mtu = 1500\n`);
  const leaf = await runClient(["tree", "-c", device.config, `${DEVINFO}//DevID`]);
  assert.equal(leaf.out, `${DEVINFO}/devinfo/DevID = ${DEV_ID}\n`);
  const bad = await runClient(["tree", "-c", device.config, "not a uri"]);
  assert.equal(bad.exitCode, 1);
  assert.match(bad.err, /^error: .*ClientURI/);
});

test("client set writes a leaf the next command sees; a value of the wrong format exits 1 and changes nothing", async () => {
  const set = await runClient(["set", "-c", device.config, `${GATEWAY}/main/Wan/Mtu`, "1400"]);
  assert.equal(set.exitCode, 0, set.err);
  assert.equal(set.out, `${GATEWAY}/main/Wan/Mtu = 1400\n`);
  const bad = await runClient(["set", "-c", device.config, `${GATEWAY}/main/Wan/Mtu`, "big"]);
  assert.equal(bad.exitCode, 1);
  assert.match(bad.err, /must be an integer/);
  const shown = await runClient(["tree", "-c", device.config, `${GATEWAY}/main/Wan/Mtu`]);
  assert.equal(shown.out, `${GATEWAY}/main/Wan/Mtu = 1400\n`);
});

test("client alert queues a Generic Alert for the next session; --now sends it at once", async () => {
  const before = server.received.length;
  const queued = await runClient([
    "alert",
    "-c",
    device.config,
    "urn:x-omadm:test:LinkDown",
    "--source",
    `${GATEWAY}/main/Wan`,
    "--mark",
    "critical",
    "--data-type",
    "application/json",
    "--data",
    '{"since":42}',
  ]);
  assert.equal(queued.exitCode, 0, queued.err);
  assert.match(queued.out, /^alert a-[0-9a-f]+ queued for dm1; it goes with the next session\n$/);
  assert.equal(server.received.length, before, "queuing sends nothing");
  const run = await runClient(["run", "-c", device.config]);
  assert.equal(run.exitCode, 0, run.err);
  assert.deepEqual(p1(server.received.at(-1)!).Alert, [
    { AlertType: AT_CLIENT_INIT },
    {
      AlertType: "urn:x-omadm:test:LinkDown",
      SourceURI: `${GATEWAY}/main/Wan`,
      Mark: "critical",
      DataType: "application/json",
      Data: { since: 42 },
    },
  ]);
  const now = await runClient(["alert", "-c", device.config, "urn:x-omadm:test:Ping", "--now"]);
  assert.equal(now.exitCode, 0, now.err);
  assert.match(now.out, /alert a-[0-9a-f]+ sent to dm1\n$/);
  assert.deepEqual(p1(server.received.at(-1)!).Alert?.[1], { AlertType: "urn:x-omadm:test:Ping" });
});

test("client alert refuses --data without --data-type and a bad mark (exit 2), queuing nothing", async () => {
  const noType = await runClient(["alert", "-c", device.config, "urn:x:a", "--data", "1"]);
  assert.equal(noType.exitCode, 2);
  assert.match(noType.err, /--data needs --data-type/);
  const badMark = await runClient(["alert", "-c", device.config, "urn:x:a", "--mark", "loud"]);
  assert.equal(badMark.exitCode, 2);
  assert.match(badMark.err, /Mark/);
  await runClient(["run", "-c", device.config]);
  assert.deepEqual(p1(server.received.at(-1)!).Alert, [{ AlertType: AT_CLIENT_INIT }], "nothing was queued");
});

test("a config problem exits 2 and names the key", async () => {
  const broken = writeDevice(server.url("/dm"), { allowHttp: "yes" });
  try {
    const r = await runClient(["tree", "-c", broken.config]);
    assert.equal(r.exitCode, 2);
    assert.match(r.err, /^error: .*device\.json: allowHttp: must be a boolean\n$/);
    const missing = await runClient(["run", "-c", join(broken.dir, "nope.json")]);
    assert.equal(missing.exitCode, 2);
    assert.match(missing.err, /cannot read config/);
  } finally {
    broken.remove();
  }
});
