// End to end: the real DM Server (composition root, SQLite store, Data Repository,
// REST API) and the project's own DM Client over real loopback HTTP. An operator queues a full command set
// through the REST API; the device runs it in one client-initiated session that follows the server's CONT URL;
// every status and result shows up in the API — including the asynchronous EXEC result, which the device sends
// in a new session to the EXEC's ServerURI (§4.4), and a SUB report the device PUTs after a local change (§4.10).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AT_EXEC_COMPLETE, MT_MO_JSON, parseMoSerialization } from "@omadm/protocol";
import type { ExecCompletion } from "@omadm/client";
import { MOID_DEVINFO, MOID_GATEWAY, startDevice, statusesOf, type E2eDevice } from "./e2e-support/device-harness.js";
import { startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

const DEV_ID = "IMEI:350000000000101";
const dir = tempDir("omadm-e2e-full-");
let srv: E2eServer;
let device: E2eDevice;

before(async () => {
  srv = await startE2eServer({ dataDir: join(dir.path, "server") });
  device = await startDevice({ devId: DEV_ID, srvUri: srv.dmUrl, stateDir: join(dir.path, "device") });
});

after(async () => {
  await device.stop();
  await srv.stop();
  dir.remove();
});

/** A per-device Data Repository URL (where HPUT/HPOST/SUB bodies go, docs/protocol.md §4.2). */
function repoUrl(path: string): string {
  return `${srv.server.publicBaseUrl()}/repo/devices/${encodeURIComponent(DEV_ID)}/${path}`;
}

/** A promise the test settles by hand: the EXEC handler waits on it. */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const GUEST = {
  Hostname: "guest-ap",
  LogLevel: "debug",
  Wan: { Mode: "static", Mtu: 1400 },
  Ops: { Reboot: null, Diagnostics: null },
};

test(
  "a client-initiated session runs HGET, GET, HPUT, HPOST, EXEC (async, ServerURI), SUB, DELETE via CONT; results in the API",
  { timeout: 30_000 },
  async () => {
    // First contact: the BootstrapComplete session registers the device (§14); nothing is queued yet.
    const first = await device.client.runSession();
    assert.equal(first.kind, "completed", JSON.stringify(first));
    assert.equal(first.trigger.kind, "bootstrap-complete");
    assert.equal((await srv.api.device(DEV_ID)).state, "registered");
    await device.sessions.next();

    // The operator puts a gateway instance into the repository (a DMAcc-permitted MOID) and queues the commands.
    const content = await srv.api.putContent(
      { path: "gateway/guest.json", deviceId: DEV_ID },
      MT_MO_JSON,
      JSON.stringify([{ ClientURI: `${MOID_GATEWAY}/guest/`, MOData: { guest: GUEST } }]),
    );
    assert.equal(content.url, repoUrl("gateway/guest.json"));
    const reboot = deferred<ExecCompletion>();
    let rebootCalls = 0;
    device.client.registerExec(MOID_GATEWAY, "Ops/Reboot", (request) => {
      rebootCalls += 1;
      assert.equal(request.asyncRequired, true, "a ServerURI makes the report asynchronous");
      return { async: reboot.promise };
    });
    const queued = [
      await srv.api.queue(DEV_ID, ["HGET", content.url]),
      await srv.api.queue(DEV_ID, { name: "GET", clientUri: `${MOID_DEVINFO}//` }),
      await srv.api.queue(DEV_ID, ["HPUT", repoUrl("up/wan"), `${MOID_GATEWAY}/main/Wan`]),
      await srv.api.queue(DEV_ID, [
        "HPOST",
        repoUrl("up/hostnames"),
        `${MOID_GATEWAY}/guest/Hostname`,
        `${MOID_GATEWAY}/main/Hostname`,
      ]),
      await srv.api.queue(DEV_ID, ["EXEC", `${MOID_GATEWAY}/main/Ops/Reboot`, srv.dmUrl]),
      await srv.api.queue(DEV_ID, ["SUB", repoUrl("sub/wan"), `${MOID_GATEWAY}/main/Wan`]),
      await srv.api.queue(DEV_ID, ["DELETE", `${MOID_GATEWAY}/guest/`]),
    ];
    const [hget, get, , , exec] = queued.map((c) => c.id);
    assert.deepEqual(
      queued.map((c) => c.state),
      Array<string>(7).fill("queued"),
    );

    const outcome = await device.client.runSession();
    assert.equal(outcome.kind, "completed", `${JSON.stringify(outcome)}\n${device.log.join("\n")}`);
    assert.equal(outcome.trigger.kind, "client-initiated");
    assert.equal((await device.sessions.next()).sessionId, outcome.sessionId);
    // CONT first (the session's own URL on this server), then the queue in order; Package#3 went to the CONT URL.
    assert.deepEqual(statusesOf(outcome), [
      ["CONT", 200],
      ["HGET", 200],
      ["GET", 200],
      ["HPUT", 200],
      ["HPOST", 200],
      ["EXEC", 202],
      ["SUB", 200],
      ["DELETE", 200],
      ["END", 200],
    ]);
    const cont = outcome.commands[0]?.item[1] ?? "";
    assert.match(cont, new RegExp(`^${srv.server.publicBaseUrl()}/dm/s/[\\w-]{16,}$`));
    assert.equal(outcome.lastUrl, cont);

    // On the device: the HGET created instance "guest", which the DELETE then removed; the SUB is registered.
    assert.deepEqual(device.client.tree.instances(MOID_GATEWAY), ["main"]);
    // The SUB's ServerURI as the server sent it: the repository URL with its capability token.
    const subs = device.client.subscriptions();
    assert.deepEqual(
      subs.map((s) => s.clientUri),
      [`${MOID_GATEWAY}/main/Wan`],
    );
    assert.match(
      subs[0]?.serverUri ?? "",
      new RegExp(`^${repoUrl("sub/wan").replace(/[?.]/g, "\\$&")}\\?cap=[\\w-]{32}$`),
    );

    // In the API: every status code and result.
    const view = await srv.api.commands(DEV_ID);
    assert.deepEqual(
      view.map((c) => [c.name, c.state, c.statusCode, c.attempts]),
      [
        ["HGET", "done", 200, 1],
        ["GET", "done", 200, 1],
        ["HPUT", "done", 200, 1],
        ["HPOST", "done", 200, 1],
        ["EXEC", "accepted", 202, 1],
        ["SUB", "done", 200, 1],
        ["DELETE", "done", 200, 1],
      ],
    );
    const byId = new Map(view.map((c) => [c.id, c]));
    assert.ok(hget !== undefined && get !== undefined && exec !== undefined);
    assert.deepEqual(byId.get(hget)?.result?.uris, [`${MOID_GATEWAY}/guest/`], "HGET reports where it stored");
    const getData = byId.get(get)?.result?.data as readonly { ClientURI: string; MOData: unknown }[];
    assert.equal(getData.length, 1);
    assert.match(getData[0]?.ClientURI ?? "", /^urn:oma:mo:oma-dm-devinfo:1\.2\/[^/]+\/$/);
    assert.deepEqual((await srv.api.device(DEV_ID)).devInfo, {
      DevID: DEV_ID,
      Man: "omadm e2e",
      Mod: "E2E-1",
      DmV: "2.0",
      Lang: "en-US",
      DevType: "gateway",
      OEM: "omadm",
      FwV: "1.0.0",
      SwV: "1.0.0",
      HwV: "a",
    });

    // The HPUT and HPOST uploads are in the API with their bodies (MO serializations with concrete ClientURIs).
    const uploads = await srv.api.uploads(DEV_ID);
    assert.deepEqual(
      uploads.map((u) => [u.method, u.path, u.mediaType.split(";")[0]]),
      [
        ["PUT", "up/wan", MT_MO_JSON],
        ["POST", "up/hostnames", MT_MO_JSON],
      ],
    );
    const wanItems = parseMoSerialization(await srv.api.uploadContent(uploads[0]?.id ?? ""));
    assert.ok(wanItems.ok);
    assert.deepEqual(wanItems.value, [
      { ClientURI: `${MOID_GATEWAY}/main/Wan`, MOData: { Wan: { Mode: "dhcp", Mtu: 1500 } } },
    ]);
    const hostItems = parseMoSerialization(await srv.api.uploadContent(uploads[1]?.id ?? ""));
    assert.ok(hostItems.ok);
    assert.deepEqual(
      hostItems.value.map((i) => [i.ClientURI, i.MOData]),
      [
        [`${MOID_GATEWAY}/guest/Hostname`, { Hostname: "guest-ap" }],
        [`${MOID_GATEWAY}/main/Hostname`, { Hostname: "hgw-e2e" }],
      ],
    );

    // The EXEC finishes: the device opens a new session to the EXEC's ServerURI with the result alert in
    // Package#1, and the accepted command becomes done.
    assert.equal(rebootCalls, 1);
    reboot.resolve({ sc: 200 });
    const report = await device.sessions.next();
    assert.equal(report.kind, "completed", JSON.stringify(report));
    // The report goes to the EXEC's ServerURI exactly as the server sent it: its per-command report URI.
    const trigger = report.trigger as { kind: string; targetUri?: string };
    assert.equal(trigger.kind, "async-report");
    assert.ok(trigger.targetUri?.startsWith(`${srv.dmUrl}?cap=`), trigger.targetUri);
    await device.client.idle();
    const done = await srv.api.command(exec);
    assert.deepEqual([done.state, done.statusCode, done.result?.data], ["done", 200, { sc: 200 }]);
    const alerts = await srv.api.alerts(DEV_ID);
    const execAlert = alerts.find((a) => a.alertType === AT_EXEC_COMPLETE);
    assert.equal(execAlert?.sourceUri, `${MOID_GATEWAY}/main/Ops/Reboot`);
    assert.equal(execAlert.matchedCommandId, exec);
    assert.equal(rebootCalls, 1, "executed once");

    // SUB: a local change on the device is PUT to the subscription's ServerURI and is visible in the API.
    const set = await device.client.setValue(`${MOID_GATEWAY}/main/Wan/Mtu`, "1280");
    assert.ok(set.ok && set.value.changed);
    await device.client.flushSubscriptions();
    const afterSub = await srv.api.uploads(DEV_ID);
    assert.equal(afterSub.length, 3);
    const report3 = afterSub[2];
    assert.deepEqual([report3?.method, report3?.path], ["PUT", "sub/wan"]);
    const subItems = parseMoSerialization(await srv.api.uploadContent(report3?.id ?? ""));
    assert.ok(subItems.ok);
    assert.deepEqual(subItems.value[0]?.MOData, { Wan: { Mode: "dhcp", Mtu: 1280 } });
    // The latest SUB report is also the repository item at that path (what an operator reads as "current").
    const current = await srv.api.content({ path: "sub/wan", deviceId: DEV_ID });
    assert.deepEqual(JSON.parse(current.body), JSON.parse(await srv.api.uploadContent(report3?.id ?? "")));
  },
);
