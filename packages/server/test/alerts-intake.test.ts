// Generic Alert intake (docs/protocol.md §3.4, §4.12, §3.5, §4.4): every alert stored as received,
// unknown types silently kept, and an alert whose SourceURI names an accepted EXEC completes that command.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AT_EXEC_COMPLETE, execCompleteAlert, type GenericAlert } from "@omadm/protocol";
import { createAlertIntake } from "../src/alerts/alert-intake.js";
import { asyncCompletionOf, sourceUriForms } from "../src/alerts/async-completion.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Store } from "../src/store/store.js";
import { acceptExecs, manualClock } from "./dm-support.js";

const DEV = "IMEI:400000000000001";

/** A store with DEV and one EXEC per URI, each answered 202 in a session (state `accepted`). */
async function withAccepted(...sourceUris: string[]): Promise<{ store: Store; ids: string[] }> {
  const clock = manualClock();
  const store = createMemoryStore({ clock });
  const ids = await acceptExecs(store, DEV, sourceUris);
  return { store, ids };
}

test("alerts are stored in order with every property; unknown types and Data are kept as they came", async () => {
  const { store } = await withAccepted();
  const intake = createAlertIntake({ store });
  const alerts: GenericAlert[] = [
    { AlertType: "urn:oma:at:dm:2.0:ClientInitiatedMgmt" },
    {
      AlertType: "urn:vendor:at:never-heard-of-it",
      SourceURI: "urn:oma:mo:x:1.0/a",
      TargetURI: "urn:oma:mo:x:1.0/b",
      Mark: "warning",
      DataType: "application/json",
      Data: { DM1x: { anything: [1, 2, 3] } },
    },
  ];
  const r = await intake.receive({ deviceId: DEV, sessionId: null, alerts });
  assert.equal(r.completed.length, 0);
  const stored = (await store.alerts.list({ deviceId: DEV })).items;
  assert.deepEqual(
    stored.map((a) => [a.alertType, a.sourceUri, a.targetUri, a.mark, a.dataType, a.data, a.matchedCommandId]),
    [
      ["urn:oma:at:dm:2.0:ClientInitiatedMgmt", null, null, null, null, null, null],
      [
        "urn:vendor:at:never-heard-of-it",
        "urn:oma:mo:x:1.0/a",
        "urn:oma:mo:x:1.0/b",
        "warning",
        "application/json",
        { DM1x: { anything: [1, 2, 3] } },
        null,
      ],
    ],
  );
});

test("ExecComplete completes the oldest accepted EXEC with that SourceURI, and the alert is linked to it", async () => {
  const uri = "urn:oma:mo:oma-fumo:1.0/fw/Update";
  const { store, ids } = await withAccepted(uri, uri);
  const intake = createAlertIntake({ store });
  const r = await intake.receive({ deviceId: DEV, sessionId: null, alerts: [execCompleteAlert(uri, 200)] });
  assert.deepEqual(
    r.completed.map((c) => c.id),
    [ids[0]],
  );
  const [first, second] = await Promise.all(ids.map((id) => store.commands.get(id)));
  assert.deepEqual([first?.state, first?.statusCode, second?.state], ["done", 200, "accepted"]);
  const alert = (await store.alerts.list({ deviceId: DEV })).items[0];
  assert.equal(alert?.alertType, AT_EXEC_COMPLETE);
  assert.equal(alert.matchedCommandId, ids[0]);
});

test("an alert that matches nothing changes no command; another device's EXEC is never matched", async () => {
  const uri = "urn:oma:mo:oma-fumo:1.0/fw/Update";
  const { store, ids } = await withAccepted(uri);
  await store.devices.create({ id: "IMEI:400000000000002" });
  const intake = createAlertIntake({ store });
  const r1 = await intake.receive({
    deviceId: DEV,
    sessionId: null,
    alerts: [execCompleteAlert("urn:oma:mo:y:1.0/z", 200)],
  });
  const r2 = await intake.receive({
    deviceId: "IMEI:400000000000002",
    sessionId: null,
    alerts: [execCompleteAlert(uri, 200)],
  });
  assert.equal(r1.completed.length + r2.completed.length, 0);
  assert.equal((await store.commands.get(ids[0] ?? ""))?.state, "accepted");
});

test("a SourceURI spelled differently but canonically equal still matches", async () => {
  const { store, ids } = await withAccepted("urn:oma:mo:x:1.0/i1/Do~It");
  const intake = createAlertIntake({ store });
  assert.deepEqual(sourceUriForms("urn:oma:mo:x:1.0/i1/Do%7eIt"), [
    "urn:oma:mo:x:1.0/i1/Do%7eIt",
    "urn:oma:mo:x:1.0/i1/Do~It",
  ]);
  const r = await intake.receive({
    deviceId: DEV,
    sessionId: null,
    alerts: [execCompleteAlert("urn:oma:mo:x:1.0/i1/Do%7eIt", 500)],
  });
  assert.deepEqual(
    r.completed.map((c) => [c.id, c.state, c.statusCode]),
    [[ids[0], "failed", 500]],
  );
});

test("asyncCompletionOf: Data.sc decides; without one, a fatal or critical Mark is a failure", () => {
  const base = { AlertType: "urn:x", SourceURI: "urn:oma:mo:x:1.0/a" };
  assert.deepEqual(asyncCompletionOf({ ...base, DataType: "application/json", Data: { sc: 200 } }), {
    outcome: "done",
    statusCode: 200,
    data: { sc: 200 },
  });
  assert.equal(asyncCompletionOf({ ...base, DataType: "int", Data: 404 }).outcome, "failed");
  assert.equal(asyncCompletionOf({ ...base, Mark: "critical" }).statusCode, 500);
  assert.equal(asyncCompletionOf({ ...base, Mark: "fatal" }).outcome, "failed");
  assert.equal(asyncCompletionOf({ ...base, Mark: "harmless" }).outcome, "done");
  assert.equal(asyncCompletionOf({ ...base, DataType: "application/json", Data: { sc: "200" } }).statusCode, 200);
  assert.equal(asyncCompletionOf({ ...base, DataType: "application/json", Data: { sc: 42 } }).statusCode, 200);
});
