// SUB reporting over real loopback HTTP with an injected manual timer (docs/protocol.md §4.10, §1.6, and omadm's
// choices there): coalesced changes, one PUT of the subtree, the 415 + OMADM-Accept retry, failures kept pending.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSubscriptionReporter, type SubscriptionReporter } from "../src/subscriptions/subscription-reporter.js";
import { serverActor } from "../src/tree/actor.js";
import {
  DEV_ID,
  ManualTimers,
  SENSOR,
  bodyJson,
  deadUrl,
  harness,
  must,
  repositoryForFile,
  type Harness,
} from "./commands-fixtures.js";

const repo = repositoryForFile("/sub/report");
const { path, requestsTo } = repo;

interface World {
  readonly h: Harness;
  readonly timers: ManualTimers;
  readonly reporter: SubscriptionReporter;
}

function world(t: { after(fn: () => unknown): void }, options: { retryMs?: number } = {}): World {
  const timers = new ManualTimers();
  const h = harness({ timers });
  const reporter = createSubscriptionReporter(
    {
      tree: h.tree,
      access: h.access,
      http: h.http,
      subscriptions: h.subscriptions,
      serverAccept: h.serverAccept,
      devId: DEV_ID,
      clock: { now: () => 0 },
      timers,
      logger: h.logger,
    },
    { allowHttp: true, ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }) },
  );
  reporter.start();
  t.after(async () => {
    reporter.stop();
    await h.close();
  });
  return { h, timers, reporter };
}

test("changes within the 2 s window go out as one PUT of the subtree as it is at the end of the window", async (t) => {
  const { h, timers, reporter } = world(t);
  const p = path();
  repo.route(p, () => ({ status: 204 }));
  assert.equal(
    (await h.run({ name: "SUB", serverUri: repo.base + p, clientUri: `${SENSOR}/left/Data/` })).status.sc,
    200,
  );
  must(h.tree.setValue(SENSOR, "left", ["Data", "1", "Value"], "x1"));
  must(h.tree.setValue(SENSOR, "left", ["Data", "1", "Value"], "x2"));
  must(h.tree.setValue(SENSOR, "left", ["Data", "3", "Date"], "12.3"));
  must(h.tree.setValue(SENSOR, "right", ["Data", "1", "Value"], "elsewhere")); // outside the subscription
  assert.equal(timers.pending, 1);
  timers.advance(1_999);
  assert.equal(timers.pending, 1);
  assert.equal(reporter.pending().length, 1);
  timers.advance(1);
  await reporter.settled();
  const reqs = requestsTo(p);
  assert.equal(reqs.length, 1);
  const [req] = reqs;
  assert.ok(req);
  assert.equal(req.method, "PUT");
  assert.equal(req.headers["content-type"], "application/dmmo+json");
  assert.equal(req.headers["omadm-devid"], DEV_ID);
  assert.deepEqual(bodyJson(req), [
    {
      DDF: "https://ddf.example/acme-sensor.ddf",
      ClientURI: `${SENSOR}/left/Data`,
      MOData: {
        Data: { "1": { Date: "12.1", Value: "x2" }, "2": { Date: "12.2", Value: "b" }, "3": { Date: "12.3" } },
      },
    },
  ]);
  assert.deepEqual(reporter.pending(), []);
  assert.equal(timers.pending, 0);
});

test("a change outside every subscription starts no window; a change to an ancestor does", async (t) => {
  const { h, timers } = world(t);
  const p = path();
  repo.route(p, () => ({ status: 200 }));
  await h.run({ name: "SUB", serverUri: repo.base + p, clientUri: `${SENSOR}/left/Data/1/Value` });
  must(h.tree.setValue(SENSOR, "left", ["Setting"], "0x00"));
  must(h.tree.setValue(SENSOR, "left", ["Data", "2", "Value"], "zz"));
  assert.equal(timers.pending, 0);
  must(h.tree.replace(SENSOR, "left", ["Data"], { Data: { "1": { Date: "1", Value: "new" } } }, serverActor("srvA")));
  assert.equal(timers.pending, 1);
});

test("SUB reporting: 415 + OMADM-Accept is retried in a listed type, which is then used from the start", async (t) => {
  const { h, timers, reporter } = world(t);
  const p = path();
  // The receiver refuses JSON under its default type once and lists another type it takes (§4.10).
  repo.route(p, (req) =>
    req.headers["content-type"] === "application/json"
      ? { status: 200 }
      : { status: 415, headers: { "OMADM-Accept": "application/json" } },
  );
  await h.run({ name: "SUB", serverUri: repo.base + p, clientUri: `${SENSOR}/left/Setting` });
  must(h.tree.setValue(SENSOR, "left", ["Setting"], "0x01"));
  timers.advance(2_000);
  await reporter.settled();
  must(h.tree.setValue(SENSOR, "left", ["Setting"], "0x02"));
  timers.advance(2_000);
  await reporter.settled();
  const reqs = requestsTo(p);
  assert.deepEqual(
    reqs.map((r) => r.headers["content-type"]),
    ["application/dmmo+json", "application/json", "application/json"],
  );
  assert.deepEqual(
    reqs.map((r) => (bodyJson(r) as { MOData: unknown }[])[0]?.MOData),
    [{ Setting: "0x01" }, { Setting: "0x01" }, { Setting: "0x02" }],
  );
  assert.deepEqual(reporter.pending(), []);
});

test("a failed report is logged and stays pending; the retry timer delivers it once the receiver is back", async (t) => {
  const { h, timers, reporter } = world(t, { retryMs: 30_000 });
  const p = path();
  repo.route(p, (_req, nth) => (nth < 2 ? { status: 503 } : { status: 200 }));
  await h.run({ name: "SUB", serverUri: repo.base + p, clientUri: `${SENSOR}/left/ID` });
  must(h.tree.setValue(SENSOR, "left", ["ID"], "GPS-2"));
  timers.advance(2_000);
  await reporter.settled();
  assert.equal(requestsTo(p).length, 1);
  assert.equal(reporter.pending().length, 1);
  assert.ok(h.logger.lines.some((l) => l.level === "warn" && /SUB report failed/.test(l.message)));
  timers.advance(30_000);
  await reporter.settled();
  assert.equal(requestsTo(p).length, 2);
  assert.equal(reporter.pending().length, 1);
  timers.advance(30_000);
  await reporter.settled();
  assert.equal(requestsTo(p).length, 3);
  assert.deepEqual(reporter.pending(), []);
  assert.deepEqual(bodyJson(requestsTo(p)[2]!), [
    { DDF: "https://ddf.example/acme-sensor.ddf", ClientURI: `${SENSOR}/left/ID`, MOData: { ID: "GPS-2" } },
  ]);
});

test("an unreachable receiver keeps the change pending for flush() and later changes", async (t) => {
  const { h, timers, reporter } = world(t, { retryMs: 0 });
  const dead = await deadUrl();
  await h.run({ name: "SUB", serverUri: dead, clientUri: `${SENSOR}/right/Setting` });
  must(h.tree.setValue(SENSOR, "right", ["Setting"], "0x10"));
  timers.advance(2_000);
  await reporter.settled();
  assert.equal(reporter.pending().length, 1);
  assert.equal(timers.pending, 0); // retry timer disabled: the next change or flush() retries
  // The receiver moves (a second SUB replaces the ServerURI, §4.10) and flush() delivers the pending change.
  const p = path();
  repo.route(p, () => ({ status: 200 }));
  await h.run({ name: "SUB", serverUri: repo.base + p, clientUri: `${SENSOR}/right/Setting` });
  await reporter.flush();
  assert.deepEqual(
    requestsTo(p).map((r) => (bodyJson(r) as { MOData: unknown }[])[0]?.MOData),
    [{ Setting: "0x10" }],
  );
  assert.deepEqual(reporter.pending(), []);
});

test("UNSUB cancels a pending report; a deleted subtree is reported as an empty serialization", async (t) => {
  const { h, timers, reporter } = world(t);
  const gone = path();
  const cancelled = path();
  repo.route(gone, () => ({ status: 200 }));
  repo.route(cancelled, () => ({ status: 200 }));
  await h.run({ name: "SUB", serverUri: repo.base + cancelled, clientUri: `${SENSOR}/left/Setting` });
  await h.run({ name: "SUB", serverUri: repo.base + gone, clientUri: `${SENSOR}/right/` });
  must(h.tree.setValue(SENSOR, "left", ["Setting"], "0x99"));
  assert.equal((await h.run({ name: "UNSUB", clientUri: `${SENSOR}/left/Setting` })).status.sc, 200);
  assert.equal(timers.pending, 0);
  assert.equal((await h.run({ name: "DELETE", clientUri: `${SENSOR}/right/` })).status.sc, 200);
  timers.advance(2_000);
  await reporter.settled();
  assert.equal(requestsTo(cancelled).length, 0);
  assert.deepEqual(requestsTo(gone).map(bodyJson), [[]]);
});

test("a wildcard subscription reports every match the subscriber may read; stop() ends reporting", async (t) => {
  const { h, timers, reporter } = world(t);
  must(
    h.tree.addInstance(SENSOR, {
      actor: serverActor("srvA"),
      miid: "mine",
      moData: { r: { ID: "A's", Setting: "1" } },
    }),
  );
  const p = path();
  repo.route(p, () => ({ status: 200 }));
  assert.equal(
    (await h.run({ name: "SUB", serverUri: repo.base + p, clientUri: `${SENSOR}/*/Setting` }, "srvB")).status.sc,
    200,
  );
  must(h.tree.setValue(SENSOR, "mine", ["Setting"], "2")); // srvB cannot read "mine": its data is not sent
  timers.advance(2_000);
  await reporter.settled();
  assert.deepEqual(
    (bodyJson(requestsTo(p)[0]!) as { ClientURI: string }[]).map((i) => i.ClientURI),
    [`${SENSOR}/left/Setting`, `${SENSOR}/right/Setting`],
  );
  reporter.stop();
  must(h.tree.setValue(SENSOR, "left", ["Setting"], "0x77"));
  assert.equal(timers.pending, 0);
  assert.equal(requestsTo(p).length, 1);
});
