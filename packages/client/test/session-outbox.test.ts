// The alert outbox alone (ids, pending per server and target, snapshot/restore) and inside sessions over loopback
// HTTP (docs/protocol.md §3.4, §3.1, §3.3, §4.4): pending alerts ride in Package#1 after the session alert,
// alerts raised during the session ride in Package#3, and an alert leaves the outbox only after the package that
// carried it was answered with a usable Package#2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AT_CLIENT_INIT, ErrorCode, execCompleteAlert, type GenericAlert } from "@omadm/protocol";
import { createAlertOutbox, type MemoryAlertOutbox } from "../src/session/alert-outbox.js";
import type { CommandExecutor } from "../src/session/contracts.js";
import { runSession } from "../src/session/session-runner.js";
import { OutcomeKind, TriggerKind, type SessionOutcome, type SessionTrigger } from "../src/session/session-types.js";
import {
  bodyP1,
  bodyP3,
  expectAborted,
  loopbackHarness,
  sessionDeps,
  p2,
  recordingExecutor,
  type ScriptedServer,
} from "./http-fixtures.js";

const FUMO: GenericAlert = {
  AlertType: "urn:oma:at:fumo:1.0:DownloadAndUpdate",
  SourceURI: "urn:oma:mo:oma-fumo:1.0/rootfs/DownloadAndUpdate",
  DataType: "application/json",
  Data: { sc: 200 },
};
const LOW_BATTERY: GenericAlert = { AlertType: "urn:example:at:battery:low", Mark: "warning" };

// ---- the outbox alone --------------------------------------------------------------------------------------

test("pending alerts are per server and per target URI, oldest first; acknowledge removes them", () => {
  const outbox = createAlertOutbox();
  const a = outbox.add("srv-a", FUMO);
  const b = outbox.add("srv-b", LOW_BATTERY);
  const c = outbox.add("srv-a", LOW_BATTERY);
  const d = outbox.add("srv-a", FUMO, { targetUri: "https://dm.example/async/1" });
  assert.deepEqual(
    outbox.pending("srv-a").map((x) => x.id),
    [a.id, c.id],
  );
  assert.deepEqual(
    outbox.pending("srv-a", "https://dm.example/async/1").map((x) => x.id),
    [d.id],
  );
  assert.deepEqual(
    outbox.pending("srv-b").map((x) => x.id),
    [b.id],
  );
  outbox.acknowledge([a.id, "no-such-id"]);
  assert.deepEqual(
    outbox.pending("srv-a").map((x) => x.id),
    [c.id],
  );
  assert.equal(outbox.size, 3);
});

test("ids come from the injected source and never collide with ids in use", () => {
  const ids = ["x", "x", "y"];
  const outbox = createAlertOutbox({ newId: () => ids.shift() ?? "z" });
  assert.equal(outbox.add("s", FUMO).id, "x");
  assert.equal(outbox.add("s", FUMO).id, "y", "the repeated 'x' is skipped");
});

test("snapshot/restore round-trips pending alerts, and change listeners hear every change", () => {
  const outbox = createAlertOutbox();
  let changes = 0;
  outbox.onChange(() => changes++);
  outbox.add("s", FUMO, { targetUri: "https://dm.example/async/9" });
  const kept = outbox.add("s", LOW_BATTERY);
  const saved = JSON.parse(JSON.stringify(outbox.snapshot())) as unknown;
  const restored = createAlertOutbox();
  assert.equal(restored.restore(saved).ok, true);
  assert.deepEqual(restored.snapshot(), outbox.snapshot());
  restored.acknowledge([kept.id]);
  assert.equal(restored.size, 1);
  assert.equal(changes, 2);
  outbox.acknowledge([kept.id]);
  assert.equal(changes, 3);
});

test("a corrupt snapshot is refused with STATE_CORRUPT and changes nothing", () => {
  const outbox = createAlertOutbox();
  outbox.add("s", FUMO);
  const bad: unknown[] = [
    null,
    { version: 2, alerts: [] },
    { version: 1, alerts: {} },
    { version: 1, alerts: [{ id: "a", serverId: "s", alert: { Data: 1 } }] },
    {
      version: 1,
      alerts: [
        { id: "a", serverId: "s", alert: FUMO },
        { id: "a", serverId: "s", alert: FUMO },
      ],
    },
    { version: 1, alerts: [{ id: "a", serverId: 7, alert: FUMO }] },
    { version: 1, alerts: [{ id: "a", serverId: "s", alert: FUMO, targetUri: 3 }] },
  ];
  for (const snapshot of bad) {
    const r = outbox.restore(snapshot);
    assert.equal(r.ok, false, JSON.stringify(snapshot));
    assert.equal(r.error.code, ErrorCode.STATE_CORRUPT);
  }
  assert.equal(outbox.size, 1);
});

// ---- the outbox in sessions --------------------------------------------------------------------------------

const harness = loopbackHarness({ expectNoOpenHandles: false });
const { server } = harness;

function run(
  srv: ScriptedServer,
  outbox: MemoryAlertOutbox,
  executor: CommandExecutor = recordingExecutor(),
  trigger: SessionTrigger = { kind: TriggerKind.ClientInitiated },
): Promise<SessionOutcome> {
  return runSession(sessionDeps(harness.http, srv, { executor, outbox }), trigger, { allowHttp: true });
}

test("pending alerts ride in Package#1 after the session alert and stay queued when the package is refused", async () => {
  const outbox = createAlertOutbox();
  const fumo = outbox.add("dm.example", FUMO);
  outbox.add("other.server", LOW_BATTERY);
  let refuse = true;
  const srv = await server(() => (refuse ? { status: 503 } : p2(["END"])));
  expectAborted(await run(srv, outbox));
  assert.deepEqual(bodyP1(srv.received[0]!).Alert, [{ AlertType: AT_CLIENT_INIT }, FUMO]);
  assert.deepEqual(
    outbox.pending("dm.example").map((a) => a.id),
    [fumo.id],
    "503: not delivered, still pending",
  );
  refuse = false;
  const outcome = await run(srv, outbox);
  assert.deepEqual(bodyP1(srv.received[1]!).Alert, [{ AlertType: AT_CLIENT_INIT }, FUMO]);
  assert.deepEqual(outcome.deliveredAlertIds, [fumo.id]);
  assert.equal(outbox.pending("dm.example").length, 0);
  assert.equal(outbox.pending("other.server").length, 1, "another server's alert is not sent here");
});

test("an alert raised during the session rides in Package#3 and is acknowledged only after its 200", async () => {
  for (const p3Status of [200, 500]) {
    const outbox = createAlertOutbox();
    const executor = recordingExecutor((command) => {
      // An EXEC that finishes at once but reports asynchronously (docs/protocol.md §4.12): 202 plus an alert.
      if (command.name === "EXEC") outbox.add("dm.example", execCompleteAlert(command.clientUri, 200));
      return { sc: 202 };
    });
    const srv = await server((req) => {
      if (req.n === 1) return p2(["EXEC", "urn:oma:mo:x:1.0/a/Run"]);
      return p3Status === 200 ? p2(["END"]) : { status: p3Status };
    });
    const outcome = await run(srv, outbox, executor);
    const p3 = bodyP3(srv.received[1]!);
    assert.deepEqual(p3.Status, [{ sc: 202 }]);
    assert.deepEqual(p3.Alert, [execCompleteAlert("urn:oma:mo:x:1.0/a/Run", 200)]);
    if (p3Status === 200) {
      assert.equal(outcome.kind, OutcomeKind.Completed);
      assert.equal(outbox.size, 0);
    } else {
      expectAborted(outcome);
      assert.equal(outbox.size, 1, "the Package#3 was refused: the alert is still pending");
    }
  }
});

test("an alert raised in a package that holds END waits for the next session", async () => {
  const outbox = createAlertOutbox();
  const executor = recordingExecutor(() => {
    outbox.add("dm.example", LOW_BATTERY);
    return { sc: 200 };
  });
  const srv = await server(() => p2(["GET", "urn:oma:mo:x:1.0/a/B"], ["END"]));
  await run(srv, outbox, executor);
  assert.equal(srv.received.length, 1);
  assert.equal(outbox.size, 1);
});

test("an async report opens a session to the EXEC's ServerURI carrying only the alerts bound for it (§4.4)", async () => {
  const outbox = createAlertOutbox();
  const srv = await server(() => p2(["END"]));
  const target = srv.url("/async/exec-17");
  const report = outbox.add("dm.example", execCompleteAlert("urn:oma:mo:x:1.0/a/Run", 200), { targetUri: target });
  outbox.add("dm.example", LOW_BATTERY);
  const outcome = await run(srv, outbox, recordingExecutor(), { kind: TriggerKind.AsyncReport, targetUri: target });
  assert.equal(outcome.kind, OutcomeKind.Completed);
  assert.equal(srv.received[0]?.path, "/async/exec-17");
  assert.deepEqual(bodyP1(srv.received[0]).Alert, [
    { AlertType: AT_CLIENT_INIT },
    execCompleteAlert("urn:oma:mo:x:1.0/a/Run", 200),
  ]);
  assert.deepEqual(outcome.deliveredAlertIds, [report.id]);
  assert.deepEqual(
    outbox.pending("dm.example").map((a) => a.alert),
    [LOW_BATTERY],
  );
});
