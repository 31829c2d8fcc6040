// End to end (the media handshake and the HTTP error rules, docs/protocol.md §1.5, §1.6) with the real server behind a
// small reverse proxy that records every request (and can answer one itself): the server's public base URL is the
// proxy, so the SrvURI, the CONT URL and the repository URLs all pass through it.
// - docs/protocol.md §1.6, §4.2/§4.10: the device writes a vendor MO format first when it knows nothing of
//   the receiver. In a session the server's OMADM-Accept steers HPUT and the SUB reports to JSON at once; after a
//   reboot (the advertisement is not persisted) the repository refuses the vendor type with 415 + OMADM-Accept and
//   the device retries once in a listed type, and remembers it. An HGET whose item the device cannot read is 406.
// - docs/protocol.md §1.5: a 5xx answer to a Package#3 aborts the session with no retry; the command in flight is
//   not lost — the device's next session gets it again.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parseMoSerialization } from "@omadm/protocol";
import { jsonMoCodec, type MoCodec } from "@omadm/client";
import {
  MOID_DEVINFO,
  MOID_GATEWAY,
  startDevice,
  statusesOf,
  type E2eDevice,
  type E2eDeviceOptions,
} from "./e2e-support/device-harness.js";
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from "./e2e-support/fault-proxy.js";
import { startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

/** A vendor MO format (JSON bytes under another name) that the Data Repository does not take. */
const VENDOR_TYPE = "application/vnd.x-omadm-e2e.mo+json";
const vendorCodec: MoCodec = {
  mediaTypes: [VENDOR_TYPE],
  decode: (body, limits) => jsonMoCodec.decode(body, limits),
  encode: (items) => jsonMoCodec.encode(items),
};
/** JSON MO data under its `application/json` alias (docs/protocol.md §7.2). */
const JSON_ALIAS = "application/json";
/**
 * A device that prefers its vendor format and otherwise writes JSON MO data under the `application/json` alias:
 * knowing nothing of a receiver, it sends the vendor type first (without `application/dmmo+json` in its list the
 * client has no mandatory type to fall back on, docs/protocol.md §1.6).
 */
const VENDOR_DEVICE: Partial<E2eDeviceOptions> = { moCodecs: [vendorCodec], moMediaTypes: [VENDOR_TYPE, JSON_ALIAS] };

const dir = tempDir("omadm-e2e-media-");
let proxy: FaultProxy;
let srv: E2eServer;
const devices: E2eDevice[] = [];

before(async () => {
  proxy = await startFaultProxy();
  srv = await startE2eServer({ dataDir: join(dir.path, "server"), publicBaseUrl: proxy.origin });
  proxy.target = srv.origin;
});

after(async () => {
  await Promise.all(devices.map((d) => d.stop()));
  await srv.stop();
  await proxy.close();
  dir.remove();
});

async function device(devId: string, extra: Partial<E2eDeviceOptions> = {}): Promise<E2eDevice> {
  const d = await startDevice({ devId, srvUri: srv.dmUrl, stateDir: join(dir.path, devId), ...extra });
  devices.push(d);
  return d;
}

function repoUrl(devId: string, path: string): string {
  return `${proxy.origin}/repo/devices/${encodeURIComponent(devId)}/${path}`;
}

/** What the proxy saw of the uploads to one repository path: `[content type essence, status]`. */
function putsTo(devId: string, path: string, from = 0): [string, number][] {
  const url = new URL(repoUrl(devId, path));
  return proxy.log
    .slice(from)
    .filter((r: ProxiedRequest) => r.method === "PUT" && r.path === url.pathname)
    .map((r) => [(r.contentType ?? "").split(";")[0]?.trim() ?? "", r.status]);
}

test(
  "media handshake: OMADM-Accept steers HPUT and SUB; after a reboot a 415 + OMADM-Accept makes the SUB report retry",
  { timeout: 30_000 },
  async () => {
    const devId = "IMEI:350000000000501";
    const wan = `${MOID_GATEWAY}/main/Wan`;
    const first = await device(devId, VENDOR_DEVICE);
    assert.equal((await first.client.runSession()).kind, "completed");
    await first.sessions.next();

    await srv.api.putContent({ path: "notes.txt", deviceId: devId }, "text/plain", "not MO data");
    const queued = [
      await srv.api.queue(devId, ["HPUT", repoUrl(devId, "up/wan"), wan]),
      await srv.api.queue(devId, ["SUB", repoUrl(devId, "sub/wan"), wan]),
      await srv.api.queue(devId, ["HGET", repoUrl(devId, "notes.txt")]),
    ];
    const outcome = await first.client.runSession();
    assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
    // The repository cannot serve text/plain as any format the device reads: 406, copied into the status.
    assert.deepEqual(statusesOf(outcome), [
      ["CONT", 200],
      ["HPUT", 200],
      ["SUB", 200],
      ["HGET", 406],
      ["END", 200],
    ]);
    const view = await Promise.all(queued.map((c) => srv.api.command(c.id)));
    assert.deepEqual(
      view.map((c) => [c.name, c.state, c.statusCode]),
      [
        ["HPUT", "done", 200],
        ["SUB", "done", 200],
        ["HGET", "failed", 406],
      ],
    );
    // The server advertised its upload types in the Package#2 (OMADM-Accept): the HPUT went out as JSON at once.
    assert.deepEqual(putsTo(devId, "up/wan"), [[JSON_ALIAS, 201]]);

    // A SUB report in the same run uses the same advertisement: JSON at once, no 415.
    assert.ok((await first.client.setValue(`${wan}/Mtu`, "1400")).ok);
    await first.client.flushSubscriptions();
    assert.deepEqual(putsTo(devId, "sub/wan"), [[JSON_ALIAS, 201]], "the SUB report used the advertised format");

    // The device reboots: the subscription survives, the server's advertisement does not. The next report goes
    // out in the device's preferred vendor type; the repository answers 415 + OMADM-Accept; the device retries
    // once in a listed type, and keeps using it for that URI.
    await first.stop();
    const rebooted = await device(devId, VENDOR_DEVICE);
    assert.equal(rebooted.client.subscriptions().length, 1);
    const mark = proxy.log.length;
    assert.ok((await rebooted.client.setValue(`${wan}/Mtu`, "1300")).ok);
    await rebooted.client.flushSubscriptions();
    assert.deepEqual(putsTo(devId, "sub/wan", mark), [
      [VENDOR_TYPE, 415],
      [JSON_ALIAS, 204],
    ]);
    const uploads = await srv.api.uploads(devId);
    const last = uploads.at(-1);
    assert.deepEqual([last?.method, last?.path, last?.mediaType.split(";")[0]], ["PUT", "sub/wan", JSON_ALIAS]);
    const items = parseMoSerialization(await srv.api.uploadContent(last?.id ?? ""));
    assert.ok(items.ok);
    assert.deepEqual(items.value[0]?.MOData, { Wan: { Mode: "dhcp", Mtu: 1300 } });

    const mark2 = proxy.log.length;
    assert.ok((await rebooted.client.setValue(`${wan}/Mtu`, "1200")).ok);
    await rebooted.client.flushSubscriptions();
    assert.deepEqual(putsTo(devId, "sub/wan", mark2), [[JSON_ALIAS, 204]], "the learned type is used at once");
  },
);

test("a 503 answer to Package#3 aborts the session with no retry; the command in flight is sent again later", async () => {
  const devId = "IMEI:350000000000502";
  const d = await device(devId);
  assert.equal((await d.client.runSession()).kind, "completed");
  await d.sessions.next();
  const get = await srv.api.queue(devId, ["GET", `${MOID_DEVINFO}//FwV`]);

  const mark = proxy.log.length;
  proxy.failNext((method, path) => method === "POST" && path.startsWith("/dm/s/"), 503);
  const outcome = await d.client.runSession();
  assert.equal(outcome.kind, "aborted", JSON.stringify(outcome));
  assert.deepEqual([outcome.reason.code, outcome.reason.httpStatus], ["http-status", 503]);
  assert.match(outcome.reason.url ?? "", new RegExp(`^${proxy.origin}/dm/s/`));
  await d.client.idle();
  // Package#1 (answered) and Package#3 (503 from the proxy) — and nothing after it: no retry.
  const posts = proxy.log.slice(mark).map((r) => [r.method, r.path.replace(/\/dm\/s\/.*/, "/dm/s/…"), r.status]);
  assert.deepEqual(posts, [
    ["POST", "/dm", 200],
    ["POST", "/dm/s/…", 503],
  ]);
  const inFlight = await srv.api.command(get.id);
  assert.deepEqual([inFlight.state, inFlight.attempts], ["sent", 1], "the server never saw the Package#3");

  const retry = await d.client.runSession();
  assert.equal(retry.kind, "completed", JSON.stringify(retry));
  assert.deepEqual(statusesOf(retry), [
    ["CONT", 200],
    ["GET", 200],
    ["END", 200],
  ]);
  const done = await srv.api.command(get.id);
  assert.deepEqual([done.state, done.statusCode, done.attempts], ["done", 200, 2]);
  const sessions = await srv.api.sessions(devId);
  assert.ok(
    sessions.some((s) => s.id === inFlight.sessionId && s.status === "superseded"),
    JSON.stringify(sessions),
  );
});
