// EXEC with synchronous and asynchronous reporting (docs/protocol.md §4.4, §4.12, §3.5).
import { test } from "node:test";
import assert from "node:assert/strict";
import { AT_EXEC_COMPLETE } from "@omadm/protocol";
import { createCommandExecutor } from "../src/commands/command-executor.js";
import { createExecRegistry, type ExecCompletion, type ExecRequest } from "../src/commands/exec-registry.js";
import type { OutboxAlert } from "../src/session/contracts.js";
import { FW, HIDDEN, SENSOR, testHarness, must } from "./commands-fixtures.js";

const UPDATE = `${FW}/fw1/Update`;
const REPORT_URI = "https://dm.example/async/42";

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test("EXEC without ServerURI, synchronous handler: the final sc goes in the status, nothing is queued", async (t) => {
  const h = testHarness(t);
  const seen: ExecRequest[] = [];
  h.exec.register(FW, "Update", (req) => {
    seen.push(req);
    return { sc: 200 };
  });
  assert.deepEqual((await h.run({ name: "EXEC", clientUri: UPDATE })).status, { sc: 200 });
  const [req] = seen;
  assert.ok(req);
  assert.equal(req.clientUri, UPDATE);
  assert.deepEqual([req.moid, req.miid, req.path], [FW, "fw1", ["Update"]]);
  assert.equal(req.serverId, "srvA");
  assert.equal(req.asyncRequired, false);
  assert.equal(req.serverUri, undefined);
  h.exec.register(FW, "Update", () => ({ sc: 500 }));
  assert.deepEqual((await h.run({ name: "EXEC", clientUri: UPDATE })).status, { sc: 500 });
  assert.equal(h.outbox.size, 0);
});

test("EXEC without ServerURI, asynchronous handler: 202 now, the ExecComplete alert for the SrvURI later", async (t) => {
  const h = testHarness(t);
  const done = deferred<ExecCompletion>();
  h.exec.register(FW, "Update", () => ({ async: done.promise }));
  assert.deepEqual((await h.run({ name: "EXEC", clientUri: UPDATE })).status, { sc: 202 });
  assert.equal(h.outbox.size, 0);
  done.resolve({ sc: 200 });
  await h.executor.whenIdle();
  const [entry] = h.outbox.pending("srvA");
  assert.ok(entry);
  assert.equal(entry.targetUri, undefined);
  assert.deepEqual(entry.alert, {
    AlertType: AT_EXEC_COMPLETE,
    SourceURI: UPDATE,
    DataType: "application/json",
    Data: { sc: 200 },
  });
});

test("EXEC with ServerURI is always asynchronous: 202, and the alert carries targetUri = that ServerURI", async (t) => {
  const h = testHarness(t);
  // A synchronous handler still reports through an alert when the EXEC named a ServerURI (§4.4).
  let asyncRequired: boolean | undefined;
  h.exec.register(FW, "Update", (req) => {
    asyncRequired = req.asyncRequired;
    return { sc: 200 };
  });
  assert.deepEqual((await h.run({ name: "EXEC", clientUri: UPDATE, serverUri: REPORT_URI })).status, { sc: 202 });
  await h.executor.whenIdle();
  assert.equal(asyncRequired, true);
  assert.deepEqual(h.outbox.pending("srvA"), []);
  const [entry] = h.outbox.pending("srvA", REPORT_URI);
  assert.ok(entry);
  assert.equal(entry.targetUri, REPORT_URI);
  assert.deepEqual(entry.alert.Data, { sc: 200 });
  assert.equal(entry.alert.SourceURI, UPDATE);
});

test("EXEC with ServerURI and an MO-defined alert: type, Data, DataType and Mark come from the handler", async (t) => {
  const h = testHarness(t);
  const done = deferred<ExecCompletion>();
  h.exec.register(FW, "Update", () => ({ async: done.promise }));
  const reported: OutboxAlert[] = [];
  const executor = createCommandExecutor(
    {
      tree: h.tree,
      access: h.access,
      http: h.http,
      outbox: h.outbox,
      execHandlers: h.exec,
      subscriptions: h.subscriptions,
      defaults: h.defaults,
      devId: "IMEI:1",
      clock: { now: () => 0 },
      logger: h.logger,
      onAsyncReport: (e) => reported.push(e),
    },
    { allowHttp: true },
  );
  const ctx = { serverId: "srvA", sessionId: "s", signal: new AbortController().signal };
  assert.deepEqual((await executor.execute({ name: "EXEC", clientUri: UPDATE, serverUri: REPORT_URI }, ctx)).status, {
    sc: 202,
  });
  done.resolve({
    sc: 200,
    alertType: "urn:oma:at:acme-fw:1.0:UpdateDone",
    data: { Result: "installed", Version: "1.1" },
    dataType: "application/json",
    mark: "warning",
  });
  await executor.whenIdle();
  const [entry] = reported;
  assert.ok(entry && reported.length === 1);
  assert.deepEqual(entry.alert, {
    AlertType: "urn:oma:at:acme-fw:1.0:UpdateDone",
    SourceURI: UPDATE,
    Mark: "warning",
    DataType: "application/json",
    Data: { Result: "installed", Version: "1.1" },
  });
  assert.equal(entry.targetUri, REPORT_URI);
  assert.deepEqual(h.outbox.pending("srvA", REPORT_URI), reported);
});

test("EXEC failures are reported: a throwing handler 500, a rejected operation an alert with sc 500", async (t) => {
  const h = testHarness(t);
  h.exec.register(FW, "Update", () => {
    throw new Error("flash busy");
  });
  assert.deepEqual((await h.run({ name: "EXEC", clientUri: UPDATE })).status, { sc: 500 });
  // With a ServerURI even an immediate failure is reported asynchronously.
  assert.deepEqual((await h.run({ name: "EXEC", clientUri: UPDATE, serverUri: REPORT_URI })).status, { sc: 202 });
  h.exec.register(FW, "Update", () => ({ async: Promise.reject(new Error("download failed")) }));
  assert.deepEqual((await h.run({ name: "EXEC", clientUri: UPDATE })).status, { sc: 202 });
  h.exec.register(FW, "Update", () => ({ sc: 42 }));
  assert.deepEqual((await h.run({ name: "EXEC", clientUri: UPDATE })).status, { sc: 500 });
  await h.executor.whenIdle();
  assert.deepEqual(
    h.outbox.pending("srvA", REPORT_URI).map((e) => e.alert.Data),
    [{ sc: 500 }],
  );
  assert.deepEqual(
    h.outbox.pending("srvA").map((e) => e.alert.Data),
    [{ sc: 500 }],
  );
});

test("EXEC status codes: unknown node 404, no handler or no Exec in the DDF 405, ambiguous 400, no right 403", async (t) => {
  const h = testHarness(t);
  must(h.tree.setValue(FW, "fw1", ["Ops", "o2", "Run"], ""));
  const calls: string[] = [];
  h.exec.register(FW, "Update", (r) => {
    calls.push(r.clientUri);
    return { sc: 200 };
  });
  h.exec.register(FW, "Status", (r) => {
    calls.push(r.clientUri);
    return { sc: 200 };
  });
  const sc = async (clientUri: string, serverId = "srvA", serverUri?: string) =>
    (await h.run({ name: "EXEC", clientUri, ...(serverUri === undefined ? {} : { serverUri }) }, serverId)).status.sc;
  assert.equal(await sc(`${FW}/fw1/Nope`), 404);
  assert.equal(await sc(`${FW}/ghost/Update`), 404);
  assert.equal(await sc(`${FW}/fw1/Ops/o1/Run`), 405); // executable in the DDF, but no handler
  assert.equal(await sc(`${FW}/fw1/Status`), 405); // a handler, but the DDF has no Exec (§8.2)
  assert.equal(await sc(`${FW}/fw1/Ops/*/Run`), 400); // two nodes: EXEC needs one (§6.1 step 4)
  assert.equal(await sc(UPDATE, "srvB"), 403);
  assert.equal(await sc(`${HIDDEN}/h1/Update`), 403);
  assert.equal(await sc(`${SENSOR}/left/ID`), 405);
  assert.equal(await sc(UPDATE, "srvA", "ftp://dm.example/x"), 400);
  assert.deepEqual(calls, []);
  assert.equal(h.outbox.size, 0);
});

test("the EXEC registry: `*` segments match any name, exact registrations win, unregister removes", () => {
  const registry = createExecRegistry();
  const generic = () => ({ sc: 201 });
  const special = () => ({ sc: 202 });
  const off = registry.register(FW, "Ops/*/Run", generic);
  registry.register(FW, ["Ops", "o9", "Run"], special);
  assert.equal(registry.lookup(FW, ["Ops", "o1", "Run"]), generic);
  assert.equal(registry.lookup(FW, ["Ops", "o9", "Run"]), special);
  assert.equal(registry.lookup(FW, ["Ops", "o1"]), undefined);
  assert.equal(registry.lookup(SENSOR, ["Ops", "o1", "Run"]), undefined);
  off();
  assert.equal(registry.lookup(FW, ["Ops", "o1", "Run"]), undefined);
  assert.equal(registry.lookup(FW, ["Ops", "o9", "Run"]), special);
});
