// End to end: restart the server in the middle of a queue and of a session — nothing is lost, nothing is done
// twice that should not be (ARCHITECTURE.md invariant 5). The server is stopped (its SQLite store closed) and a new server
// is started over the same data directory on the same port; the project's DM Client is the device.
// - A queue waiting for the device survives the restart and the device's next session gets all of it.
// - A session in progress (Package#2 sent, Package#3 not yet: the device's EXEC handler blocks until the test
//   releases it) survives in three ways: the device answers the new server, which continues the session from the
//   store; or the device gives up and starts a new session, which puts the in-flight command back into the queue;
//   or the session times out on the new server. Each time the command is completed exactly once.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import type { ExecCompletion, ExecRequest } from "@omadm/client";
import { MOID_DEVINFO, MOID_GATEWAY, startDevice, statusesOf, type E2eDevice } from "./e2e-support/device-harness.js";
import { startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

const DIAGNOSTICS = `${MOID_GATEWAY}/main/Ops/Diagnostics`;

/** A settable clock shared by both server generations (the idle timeout is reached by moving it, not by waiting). */
function offsetClock(): { now(): number; advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
    },
  };
}

interface World {
  srv: E2eServer;
  readonly dataDir: string;
  readonly stateDir: string;
  readonly clock: ReturnType<typeof offsetClock>;
  readonly devices: E2eDevice[];
  /** Stops the running server and starts a new one over the same directory and port. */
  restart(): Promise<E2eServer>;
}

/** A server on a fresh SQLite directory; everything started is stopped when the test ends. */
async function world(t: TestContext, name: string): Promise<World> {
  const dir = tempDir(`omadm-e2e-restart-${name}-`);
  const clock = offsetClock();
  const dataDir = join(dir.path, "server");
  const w: World = {
    srv: await startE2eServer({ dataDir, clock }),
    dataDir,
    stateDir: join(dir.path, "device"),
    clock,
    devices: [],
    async restart() {
      const port = w.srv.port;
      await w.srv.stop();
      w.srv = await startE2eServer({ dataDir, clock, port });
      return w.srv;
    },
  };
  t.after(async () => {
    await Promise.all(w.devices.map((d) => d.stop()));
    await w.srv.stop();
    dir.remove();
  });
  return w;
}

async function device(w: World, devId: string): Promise<E2eDevice> {
  const d = await startDevice({ devId, srvUri: w.srv.dmUrl, stateDir: w.stateDir });
  w.devices.push(d);
  return d;
}

/** An EXEC handler that holds the session between Package#2 and Package#3 until released (or aborted). */
function blockingExec(): {
  handler: (request: ExecRequest) => Promise<ExecCompletion>;
  entered: Promise<ExecRequest>;
  release(result: ExecCompletion): void;
} {
  let release!: (result: ExecCompletion) => void;
  let entered!: (request: ExecRequest) => void;
  const released = new Promise<ExecCompletion>((r) => {
    release = r;
  });
  const enteredP = new Promise<ExecRequest>((r) => {
    entered = r;
  });
  return {
    handler(request) {
      entered(request);
      // A cancelled session (the device stopping) must not leave the handler hanging.
      const aborted = new Promise<ExecCompletion>((resolve) => {
        request.signal.addEventListener("abort", () => {
          resolve({ sc: 500 });
        });
      });
      return Promise.race([released, aborted]);
    },
    entered: enteredP,
    release,
  };
}

test("a queue survives a restart: the commands are all there and the device's next session runs them", async (t) => {
  const w = await world(t, "queue");
  const d = await device(w, "IMEI:350000000000401");
  assert.equal((await d.client.runSession()).kind, "completed"); // BootstrapComplete registers the device
  const queued = [
    await w.srv.api.queue(d.devId, ["GET", `${MOID_DEVINFO}//FwV`]),
    await w.srv.api.queue(d.devId, ["EXEC", DIAGNOSTICS]),
    await w.srv.api.queue(d.devId, ["HPUT", `${w.srv.server.publicBaseUrl()}/repo/devices/x/y`, DIAGNOSTICS]),
  ];
  const before = await w.srv.api.commands(d.devId);

  const srv = await w.restart();
  const after = await srv.api.commands(d.devId);
  assert.deepEqual(after, before, "the new server sees the same queue");

  let diagnostics = 0;
  d.client.registerExec(MOID_GATEWAY, "Ops/Diagnostics", () => {
    diagnostics += 1;
    return { sc: 200 };
  });
  const outcome = await d.client.runSession();
  assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
  // The HPUT names another device's repository space: the repository refuses it (403), the status says so.
  assert.deepEqual(statusesOf(outcome), [
    ["CONT", 200],
    ["GET", 200],
    ["EXEC", 200],
    ["HPUT", 403],
    ["END", 200],
  ]);
  const done = await Promise.all(queued.map((c) => srv.api.command(c.id)));
  assert.deepEqual(
    done.map((c) => [c.name, c.state, c.statusCode, c.attempts]),
    [
      ["GET", "done", 200, 1],
      ["EXEC", "done", 200, 1],
      ["HPUT", "failed", 403, 1],
    ],
  );
  assert.equal(diagnostics, 1);
});

/**
 * Starts a session that stops inside the EXEC (P2 received, P3 not sent), with the EXEC queued via the API
 * (at-most-once by default; docs/delivery.md).
 */
async function sessionInFlight(w: World, d: E2eDevice, delivery?: "at-least-once") {
  assert.equal((await d.client.runSession()).kind, "completed");
  await d.sessions.next();
  const exec = await w.srv.api.queue(d.devId, ["EXEC", DIAGNOSTICS], delivery === undefined ? {} : { delivery });
  const block = blockingExec();
  d.client.registerExec(MOID_GATEWAY, "Ops/Diagnostics", block.handler);
  const running = d.client.runSession();
  const request = await block.entered;
  const sent = await w.srv.api.command(exec.id);
  assert.deepEqual([sent.state, sent.attempts], ["sent", 1], "in flight: sent, not yet answered");
  assert.equal(sent.sessionId !== null, true);
  return { exec, block, running, request, sessionId: sent.sessionId ?? "" };
}

test("a session in progress continues on the restarted server: the EXEC is done once", async (t) => {
  const w = await world(t, "continue");
  const d = await device(w, "IMEI:350000000000402");
  const { exec, block, running, sessionId } = await sessionInFlight(w, d);

  const srv = await w.restart();
  assert.equal((await srv.api.command(exec.id)).state, "sent", "still in flight: the session lives in the store");
  block.release({ sc: 200 });
  const outcome = await running;
  assert.equal(outcome.kind, "completed", `${JSON.stringify(outcome)}\n${d.log.join("\n")}`);
  assert.deepEqual(statusesOf(outcome), [
    ["CONT", 200],
    ["EXEC", 200],
    ["END", 200],
  ]);
  const done = await srv.api.command(exec.id);
  assert.deepEqual(
    [done.state, done.statusCode, done.attempts, done.sessionId],
    ["done", 200, 1, sessionId],
    "completed by the Package#3 of the same session, exactly once",
  );
  const sessions = await srv.api.sessions(d.devId);
  assert.equal(sessions.find((s) => s.id === sessionId)?.status, "ended");
});

test("the device gives up the session and starts a new one after the restart: an at-least-once EXEC is sent again, done once", async (t) => {
  const w = await world(t, "supersede");
  const first = await device(w, "IMEI:350000000000403");
  const { exec, running, request, sessionId } = await sessionInFlight(w, first, "at-least-once");

  const srv = await w.restart();
  // The device reboots: its running session is cancelled (no Package#3) and a new client starts on its state.
  await first.stop();
  assert.equal(request.signal.aborted, true);
  const cancelled = await running;
  assert.equal(cancelled.kind, "aborted");
  assert.equal((await srv.api.command(exec.id)).state, "sent", "nothing answered it");

  const again = await device(w, first.devId);
  let runs = 0;
  again.client.registerExec(MOID_GATEWAY, "Ops/Diagnostics", () => {
    runs += 1;
    return { sc: 200 };
  });
  const outcome = await again.client.runSession();
  assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
  assert.deepEqual(statusesOf(outcome), [
    ["CONT", 200],
    ["EXEC", 200],
    ["END", 200],
  ]);
  assert.equal(runs, 1);
  const done = await srv.api.command(exec.id);
  assert.deepEqual([done.state, done.statusCode, done.attempts], ["done", 200, 2]);
  assert.notEqual(done.sessionId, sessionId, "completed in the new session");
  const old = (await srv.api.sessions(first.devId)).find((s) => s.id === sessionId);
  assert.equal(old?.status, "superseded");
});

test("the device gives up the session after the restart: an at-most-once EXEC is not sent again and ends unknown", async (t) => {
  const w = await world(t, "at-most-once");
  const first = await device(w, "IMEI:350000000000406");
  const { exec, running, sessionId } = await sessionInFlight(w, first);
  const srv = await w.restart();
  await first.stop();
  assert.equal((await running).kind, "aborted");

  const again = await device(w, first.devId);
  let runs = 0;
  again.client.registerExec(MOID_GATEWAY, "Ops/Diagnostics", () => {
    runs += 1;
    return { sc: 200 };
  });
  const outcome = await again.client.runSession();
  assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
  assert.deepEqual(statusesOf(outcome), [["END", 200]], "nothing to send: the EXEC is not sent again");
  assert.equal(runs, 0);
  const unknown = await srv.api.command(exec.id);
  assert.deepEqual([unknown.state, unknown.attempts, unknown.sessionId], ["unknown", 1, sessionId]);
  assert.match(unknown.reason ?? "", /never answered \(at-most-once\)/);
});

test("the session times out on the restarted server: the late Package#3 is refused, the at-least-once EXEC is requeued and done once", async (t) => {
  const w = await world(t, "timeout");
  const d = await device(w, "IMEI:350000000000404");
  const { exec, block, running, sessionId } = await sessionInFlight(w, d, "at-least-once");

  const srv = await w.restart();
  w.clock.advance(601_000); // past the 600 s idle timeout (docs/protocol.md §1.5)
  const swept = await srv.server.sweep();
  assert.deepEqual([swept.expiredSessions, swept.requeuedCommands], [1, 1]);
  assert.deepEqual(
    [(await srv.api.command(exec.id)).state, (await srv.api.sessions(d.devId)).find((s) => s.id === sessionId)?.status],
    ["queued", "expired"],
  );

  // The device finally answers: the expired session's URL refuses it (409) and the client aborts, no retry.
  block.release({ sc: 200 });
  const late = await running;
  assert.equal(late.kind, "aborted");
  assert.equal(late.reason.httpStatus, 409);
  const still = await srv.api.command(exec.id);
  assert.deepEqual([still.state, still.statusCode], ["queued", null], "the refused Package#3 changed nothing");

  let runs = 0;
  d.client.registerExec(MOID_GATEWAY, "Ops/Diagnostics", () => {
    runs += 1;
    return { sc: 200 };
  });
  const outcome = await d.client.runSession();
  assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
  assert.equal(runs, 1);
  const done = await srv.api.command(exec.id);
  assert.deepEqual([done.state, done.statusCode, done.attempts], ["done", 200, 2]);
});

test("an accepted EXEC (202) survives a restart: its later result alert completes it on the new server", async (t) => {
  const w = await world(t, "accepted");
  const d = await device(w, "IMEI:350000000000405");
  assert.equal((await d.client.runSession()).kind, "completed");
  await d.sessions.next();
  let finish!: (result: ExecCompletion) => void;
  d.client.registerExec(MOID_GATEWAY, "Ops/Reboot", () => ({
    async: new Promise<ExecCompletion>((resolve) => (finish = resolve)),
  }));
  const exec = await w.srv.api.queue(d.devId, ["EXEC", `${MOID_GATEWAY}/main/Ops/Reboot`, w.srv.dmUrl]);
  const outcome = await d.client.runSession();
  assert.deepEqual(statusesOf(outcome).slice(1, -1), [["EXEC", 202]]);
  await d.sessions.next();

  const srv = await w.restart();
  assert.deepEqual([(await srv.api.command(exec.id)).state], ["accepted"]);
  finish({ sc: 200 });
  const report = await d.sessions.next();
  assert.equal(report.kind, "completed", JSON.stringify(report));
  assert.equal(report.trigger.kind, "async-report");
  await d.client.idle();
  const done = await srv.api.command(exec.id);
  assert.deepEqual([done.state, done.statusCode, done.attempts], ["done", 200, 1]);
});
