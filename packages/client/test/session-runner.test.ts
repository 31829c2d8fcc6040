// The session runner over real loopback HTTP against a scripted DM server (docs/protocol.md §1.2, §1, §3,
// §4.7, §4.8): Package#1 per trigger, commands in order, CONT, END, invalid commands, the HTTP error rules with no
// retry, timeouts, cancellation, content-type checks.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AT_BOOTSTRAP_COMPLETE,
  AT_CLIENT_INIT,
  AT_SERVER_INIT,
  MT_P1,
  MT_P2,
  MT_P3,
  type MosEntry,
} from "@omadm/protocol";
import type { CommandExecutor } from "../src/session/contracts.js";
import { runSession, type SessionDeps, type SessionOptions } from "../src/session/session-runner.js";
import {
  AbortCode,
  OutcomeKind,
  TriggerKind,
  type SessionOutcome,
  type SessionTrigger,
} from "../src/session/session-types.js";
import {
  bodyP1,
  bodyP3,
  expectAborted,
  loopbackHarness,
  p2,
  recordingExecutor,
  sessionDeps,
  startScriptedServer,
  type ScriptedServer,
} from "./http-fixtures.js";

const DEV_ID = "IMEI:493005100592800";
const MOS: MosEntry[] = [{ MOID: "urn:oma:mo:oma-dm-devinfo:1.2", MIID: ["d0"] }];
const CLIENT: SessionTrigger = { kind: TriggerKind.ClientInitiated };

const harness = loopbackHarness({ expectNoOpenHandles: true });
const { server } = harness;

interface RunInput {
  readonly srv: ScriptedServer;
  readonly trigger?: SessionTrigger;
  readonly executor?: CommandExecutor;
  readonly deps?: Partial<SessionDeps>;
  readonly options?: SessionOptions;
}

function run(input: RunInput): Promise<SessionOutcome> {
  const deps = sessionDeps(harness.http, input.srv, {
    devId: DEV_ID,
    mos: () => MOS,
    ...(input.executor === undefined ? {} : { executor: input.executor }),
    ...input.deps,
  });
  return runSession(deps, input.trigger ?? CLIENT, { allowHttp: true, ...input.options });
}

test("client-initiated Package#1: POST to SrvURI with OMADM-DevID, Content-Type, Accept and ClientInitiatedMgmt, no MOS", async () => {
  const srv = await server(() => p2(["END"]));
  let mosCalls = 0;
  const outcome = await run({ srv, deps: { mos: () => (mosCalls++, MOS) } });
  assert.equal(outcome.kind, OutcomeKind.Completed);
  assert.equal(srv.received.length, 1, "END in the first Package#2: no Package#3");
  const [p1] = srv.received;
  assert.ok(p1);
  assert.equal(p1.method, "POST");
  assert.equal(p1.path, "/dm");
  assert.equal(p1.headers["omadm-devid"], DEV_ID);
  assert.equal(p1.headers["content-type"], MT_P1);
  assert.equal(p1.headers.accept, MT_P2);
  assert.deepEqual(bodyP1(p1), { Alert: [{ AlertType: AT_CLIENT_INIT }] });
  assert.equal(mosCalls, 0);
});

test("server-initiated Package#1 carries the NOTIFICATION-ID, and MOS only when REQ-MOS asked for it", async () => {
  const srv = await server(() => p2(["END"]));
  await run({ srv, trigger: { kind: TriggerKind.ServerInitiated, notificationId: 4660, reqMos: true } });
  await run({ srv, trigger: { kind: TriggerKind.ServerInitiated, notificationId: 7, reqMos: false } });
  const [withMos, withoutMos] = srv.received.map(bodyP1);
  assert.deepEqual(withMos, {
    MOS,
    Alert: [{ AlertType: AT_SERVER_INIT, DataType: "int", Data: { "NOTIFICATION-ID": 4660 } }],
  });
  assert.deepEqual(withoutMos, {
    Alert: [{ AlertType: AT_SERVER_INIT, DataType: "int", Data: { "NOTIFICATION-ID": 7 } }],
  });
});

test("the first session after bootstrap sends BootstrapComplete with the MOS array", async () => {
  const srv = await server(() => p2(["END"]));
  await run({ srv, trigger: { kind: TriggerKind.BootstrapComplete } });
  assert.deepEqual(bodyP1(srv.received[0]!), { MOS, Alert: [{ AlertType: AT_BOOTSTRAP_COMPLETE }] });
});

test("commands run strictly in order and Package#3 has one status per command, in order", async () => {
  const srv = await server((req) =>
    req.n === 1
      ? p2(
          ["GET", "urn:oma:mo:oma-dm-devinfo:1.2//DevID"],
          ["DELETE", "urn:oma:mo:x:1.0/a/"],
          ["EXEC", "urn:oma:mo:x:1.0/a/Run"],
        )
      : p2(["END"]),
  );
  const codes: Record<string, number> = { GET: 200, DELETE: 404, EXEC: 202 };
  const executor = recordingExecutor((c) => ({ sc: codes[c.name] ?? 500 }));
  const outcome = await run({ srv, executor });
  assert.equal(outcome.kind, OutcomeKind.Completed);
  assert.deepEqual(
    executor.ran.map((c) => c.name),
    ["GET", "DELETE", "EXEC"],
  );
  assert.equal(srv.received.length, 2);
  const p3 = srv.received[1]!;
  assert.equal(p3.path, "/dm");
  assert.equal(p3.headers["content-type"], MT_P3);
  assert.equal(p3.headers.accept, MT_P2);
  assert.equal(p3.headers["omadm-devid"], DEV_ID);
  assert.deepEqual(bodyP3(p3), { Status: [{ sc: 200 }, { sc: 404 }, { sc: 202 }] });
  assert.deepEqual(
    outcome.commands.map((c) => [c.packageNumber, c.item[0], c.status.sc, c.reported]),
    [
      [1, "GET", 200, true],
      [1, "DELETE", 404, true],
      [1, "EXEC", 202, true],
      [2, "END", 200, false],
    ],
  );
  assert.equal(outcome.packagesAcknowledged, 2);
});

test("an unknown command gets 501, bad parameters 400, and processing goes on", async () => {
  const srv = await server((req) =>
    req.n === 1
      ? p2(["FROB", "x"], ["GET"], ["HGET", "ftp://repo.example/x"], ["GET", "urn:oma:mo:x:1.0/a/B"])
      : p2(["END"]),
  );
  const executor = recordingExecutor();
  const outcome = await run({ srv, executor });
  assert.equal(outcome.kind, OutcomeKind.Completed);
  assert.deepEqual(executor.ran, [{ name: "GET", clientUri: "urn:oma:mo:x:1.0/a/B" }]);
  assert.deepEqual(bodyP3(srv.received[1]!).Status, [{ sc: 501 }, { sc: 400 }, { sc: 400 }, { sc: 200 }]);
  assert.equal(outcome.commands[0]?.command, undefined, "an invalid item has no typed command");
});

test("CONT: the Package#3 carrying its 200 and every later one go to the new URI (§4.7)", async () => {
  const srv = await server((req) => {
    if (req.n === 1) return p2(["CONT", srv.url("/dm/s/7f3a")], ["GET", "urn:oma:mo:x:1.0/a/B"]);
    if (req.n === 2) return p2(["GET", "urn:oma:mo:x:1.0/a/C"]);
    return p2(["END"]);
  });
  const outcome = await run({ srv });
  assert.equal(outcome.kind, OutcomeKind.Completed);
  assert.deepEqual(
    srv.received.map((r) => r.path),
    ["/dm", "/dm/s/7f3a", "/dm/s/7f3a"],
  );
  assert.deepEqual(bodyP3(srv.received[1]!).Status, [{ sc: 200 }, { sc: 200 }]);
  assert.deepEqual(bodyP3(srv.received[2]!).Status, [{ sc: 200 }]);
  assert.equal(outcome.lastUrl, srv.url("/dm/s/7f3a"));
});

test("a CONT to a plain-http URI is refused with 400 when http is not allowed, and the session stays put", async () => {
  const srv = await server((req) => (req.n === 1 ? p2(["CONT", "http://127.0.0.1:1/elsewhere"]) : p2(["END"])));
  // The SrvURI itself is http (loopback test), but commands are validated as https-only here.
  const outcome = await run({ srv, options: { allowHttp: false } });
  assert.equal(outcome.kind, OutcomeKind.Completed);
  assert.equal(srv.received[1]?.path, "/dm");
  assert.deepEqual(bodyP3(srv.received[1]).Status, [{ sc: 400 }]);
});

test("END anywhere: every command of the package runs and no Package#3 is sent (§4.8)", async () => {
  const srv = await server(() => p2(["GET", "urn:oma:mo:x:1.0/a/B"], ["END"], ["GET", "urn:oma:mo:x:1.0/a/C"]));
  const executor = recordingExecutor();
  const outcome = await run({ srv, executor });
  assert.equal(outcome.kind, OutcomeKind.Completed);
  assert.equal(executor.ran.length, 2);
  assert.equal(srv.received.length, 1);
  assert.ok(outcome.commands.every((c) => !c.reported));
});

for (const status of [400, 404, 500, 503]) {
  test(`HTTP ${status} to Package#1 aborts the session and the client does not retry (§1.5)`, async () => {
    const srv = await server(() => ({ status, body: "no" }));
    const outcome = expectAborted(await run({ srv }));
    assert.equal(outcome.code, AbortCode.HTTP_STATUS);
    assert.equal(outcome.httpStatus, status);
    assert.equal(srv.received.length, 1, "no retry");
  });
}

test("HTTP 500 to a Package#3 aborts after exactly two requests", async () => {
  const srv = await server((req) => (req.n === 1 ? p2(["GET", "urn:oma:mo:x:1.0/a/B"]) : { status: 500 }));
  const outcome = await run({ srv });
  assert.equal(expectAborted(outcome).httpStatus, 500);
  assert.equal(srv.received.length, 2);
  assert.equal(outcome.commands[0]?.reported, false, "the status never reached the server");
});

test("a server that never answers: the session aborts on the Package#2 timeout, with no retry", async () => {
  const srv = await server(() => ({ hang: true }));
  const outcome = expectAborted(await run({ srv, options: { responseTimeoutMs: 150 } }));
  assert.equal(outcome.code, AbortCode.TIMEOUT);
  assert.equal(outcome.transportCode, "OMADM_HTTP_RESPONSE_TIMEOUT");
  assert.equal(srv.received.length, 1);
});

test("a refused connection aborts the session as a transport failure", async () => {
  const gone = await startScriptedServer(() => p2(["END"]));
  await gone.close();
  const outcome = expectAborted(await run({ srv: gone }));
  assert.equal(outcome.code, AbortCode.TRANSPORT);
  assert.equal(outcome.transportCode, "OMADM_HTTP_NETWORK");
});

test("a 200 with the wrong Content-Type aborts with a reason naming it; no Package#3", async () => {
  const srv = await server(() => ({
    status: 200,
    headers: { "content-type": "text/html" },
    body: "<html>portal</html>",
  }));
  const outcome = expectAborted(await run({ srv }));
  assert.equal(outcome.code, AbortCode.BAD_CONTENT_TYPE);
  assert.match(outcome.message, /text\/html/);
  assert.equal(srv.received.length, 1);
});

test("an unparseable Package#2 aborts the session silently (§3.2)", async () => {
  for (const body of ["{not json", '{"CMD":[]}', '{"cmd":[["END"]]}']) {
    const srv = await server(() => ({ status: 200, headers: { "content-type": `${MT_P2}; charset=utf-8` }, body }));
    const outcome = expectAborted(await run({ srv }));
    assert.equal(outcome.code, AbortCode.BAD_PACKAGE2, body);
    assert.equal(srv.received.length, 1, body);
  }
});

test("the caller's signal cancels a session waiting for its Package#2", async () => {
  const srv = await server(() => ({ hang: true }));
  const controller = new AbortController();
  const outcome = run({ srv, options: { signal: controller.signal } });
  await srv.requests.next();
  controller.abort();
  const result = expectAborted(await outcome);
  assert.equal(result.code, AbortCode.CANCELLED);
});

test("the executor gets the server id, the session id and a live signal", async () => {
  const srv = await server((req) => (req.n === 1 ? p2(["GET", "urn:oma:mo:x:1.0/a/B"], ["END"]) : p2(["END"])));
  const executor = recordingExecutor();
  const outcome = await run({ srv, executor, options: { sessionId: "s-42" } });
  assert.equal(outcome.sessionId, "s-42");
  assert.equal(executor.contexts[0]?.serverId, "dm.example");
  assert.equal(executor.contexts[0].sessionId, "s-42");
  assert.equal(executor.contexts[0].signal.aborted, false);
});

test("an executor that breaks its contract and throws costs its command a 500, not the session", async () => {
  const srv = await server((req) =>
    req.n === 1 ? p2(["GET", "urn:oma:mo:x:1.0/a/B"], ["GET", "urn:oma:mo:x:1.0/a/C"]) : p2(["END"]),
  );
  let calls = 0;
  const executor: CommandExecutor = {
    execute() {
      calls++;
      return calls === 1 ? Promise.reject(new Error("boom")) : Promise.resolve({ status: { sc: 200 } });
    },
  };
  const outcome = await run({ srv, executor });
  assert.equal(outcome.kind, OutcomeKind.Completed);
  assert.deepEqual(bodyP3(srv.received[1]!).Status, [{ sc: 500 }, { sc: 200 }]);
});

test("a dependency that throws (here the MOS source) ends the session as aborted(internal), never a rejection", async () => {
  const srv = await server(() => p2(["END"]));
  const outcome = await run({
    srv,
    trigger: { kind: TriggerKind.BootstrapComplete },
    deps: {
      mos: () => {
        throw new Error("access control unavailable");
      },
    },
  });
  const reason = expectAborted(outcome);
  assert.equal(reason.code, AbortCode.INTERNAL);
  assert.match(reason.message, /access control unavailable/);
  assert.equal(srv.received.length, 0);
});
