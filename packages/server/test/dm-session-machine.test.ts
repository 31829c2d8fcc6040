// The pure server session state machine: every transition, the illegal ones, the status → outcome mapping, and
// that states survive the JSON round trip through the store (decodeDmState).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { AT_CLIENT_INIT, type StatusItem } from "@omadm/protocol";
import { hasServerErrorCode, ServerErrorCode } from "../src/errors.js";
import { decodeDmState, encodeDmState } from "../src/dm/session-state-codec.js";
import {
  DM_START,
  DmActionKind,
  DmEndReason,
  DmEventKind,
  DmStateKind,
  resultFor,
  stepDmSession,
  type DmEvent,
  type DmState,
  type DmStep,
} from "../src/dm/session-machine.js";

const CONT = "http://127.0.0.1:8080/dm/s/tok";
const p1 = (batchSize = 20): DmEvent => ({
  kind: DmEventKind.Package1Received,
  alerts: [{ AlertType: AT_CLIENT_INIT }],
  contUri: CONT,
  batchSize,
});
const p3 = (statuses: StatusItem[], batchSize = 20): DmEvent => ({
  kind: DmEventKind.Package3Received,
  statuses,
  alerts: [],
  batchSize,
});
const batch = (...names: string[]): DmEvent => ({
  kind: DmEventKind.BatchTaken,
  commands: names.map((name, i) => ({ id: `c${i}`, name, params: name === "EXEC" ? ["urn:oma:mo:x:1.0/a/Op"] : [] })),
});

function step(state: DmState, event: DmEvent): DmStep {
  const r = stepDmSession(state, event);
  if (!r.ok) throw r.error;
  return r.value;
}

test("Package#1 opens the session, stores its alerts and takes a batch after the CONT slot", () => {
  const s = step(DM_START, p1(5));
  assert.deepEqual(s.state, { kind: DmStateKind.Composing, packageNo: 2, contUri: CONT, first: true });
  assert.deepEqual(
    s.actions.map((a) => a.kind),
    [DmActionKind.OpenSession, DmActionKind.StoreAlerts, DmActionKind.TakeBatch],
  );
  assert.deepEqual(s.actions[2], { kind: DmActionKind.TakeBatch, max: 5, packageNo: 2, firstPosition: 1 });
});

test("a Package#1 without alerts stores none", () => {
  const s = step(DM_START, { ...p1(), alerts: [] } as DmEvent);
  assert.ok(!s.actions.some((a) => a.kind === DmActionKind.StoreAlerts));
});

test("the first Package#2 puts CONT first, then the batch, and waits for a Package#3", () => {
  const composing = step(DM_START, p1()).state;
  const s = step(composing, batch("GET", "EXEC"));
  assert.equal(s.state.kind, DmStateKind.AwaitingPackage3);
  assert.deepEqual(s.actions, [
    {
      kind: DmActionKind.SendPackage2,
      package: { CMD: [["CONT", CONT], ["GET"], ["EXEC", "urn:oma:mo:x:1.0/a/Op"]] },
    },
  ]);
  assert.deepEqual(
    s.state.sent.map((x) => x.commandId),
    [null, "c0", "c1"],
  );
});

test("an empty queue ends the session with END alone (no CONT, no commands beside END)", () => {
  const s = step(step(DM_START, p1()).state, batch());
  assert.deepEqual(s.state, { kind: DmStateKind.Ended, packageNo: 2, reason: DmEndReason.Ended });
  assert.deepEqual(s.actions, [
    { kind: DmActionKind.SendPackage2, package: { CMD: [["END"]] } },
    { kind: DmActionKind.CloseSession, reason: DmEndReason.Ended },
  ]);
});

test("a Package#3 records one result per queued command (CONT's status is only counted), then takes the next batch", () => {
  const waiting = step(step(DM_START, p1()).state, batch("GET", "DELETE", "EXEC")).state;
  const s = step(waiting, p3([{ sc: 200 }, { sc: 200, URI: ["urn:oma:mo:x:1.0/a/B"] }, { sc: 404 }, { sc: 202 }]));
  assert.deepEqual(s.state, { kind: DmStateKind.Composing, packageNo: 4, contUri: CONT, first: false });
  const record = s.actions[0];
  assert.ok(record?.kind === DmActionKind.RecordResults);
  assert.deepEqual(
    record.results.map((r) => [r.commandId, r.outcome, r.statusCode]),
    [
      ["c0", "done", 200],
      ["c1", "failed", 404],
      ["c2", "accepted", 202],
    ],
  );
  assert.deepEqual(record.results[2]?.correlation, { sourceUri: "urn:oma:mo:x:1.0/a/Op" });
  assert.deepEqual(s.actions[1], { kind: DmActionKind.TakeBatch, max: 20, packageNo: 4, firstPosition: 0 });
  // The next package has no CONT: the session is already pinned.
  const next = step(s.state, batch("GET"));
  const send = next.actions[0];
  assert.ok(send?.kind === DmActionKind.SendPackage2);
  assert.deepEqual(send.package.CMD, [["GET"]]);
});

test("results are recorded before the package's alerts are stored (an alert may complete a 202 of the same package)", () => {
  const waiting = step(step(DM_START, p1()).state, batch("EXEC")).state;
  const s = step(waiting, { ...p3([{ sc: 200 }, { sc: 202 }]), alerts: [{ AlertType: "urn:x" }] } as DmEvent);
  assert.deepEqual(
    s.actions.map((a) => a.kind),
    [DmActionKind.RecordResults, DmActionKind.StoreAlerts, DmActionKind.TakeBatch],
  );
});

test("a Package#3 with the wrong number of statuses is a typed error naming both counts", () => {
  const waiting = step(step(DM_START, p1()).state, batch("GET")).state;
  for (const statuses of [[{ sc: 200 }], [{ sc: 200 }, { sc: 200 }, { sc: 200 }], []]) {
    const r = stepDmSession(waiting, p3(statuses));
    assert.ok(!r.ok);
    assert.ok(hasServerErrorCode(r.error, ServerErrorCode.DM_STATUS_COUNT));
    assert.match(r.error.message, new RegExp(`carries ${statuses.length} status.*had 2 command`));
  }
});

test("idle timeout and superseding end a live session and close it", () => {
  const composing = step(DM_START, p1()).state;
  const waiting = step(composing, batch("GET")).state;
  for (const state of [composing, waiting]) {
    const expired = step(state, { kind: DmEventKind.IdleTimeout });
    assert.deepEqual(expired.state, { kind: DmStateKind.Ended, packageNo: 2, reason: DmEndReason.Expired });
    assert.deepEqual(expired.actions, [{ kind: DmActionKind.CloseSession, reason: DmEndReason.Expired }]);
    const superseded = step(state, { kind: DmEventKind.Superseded });
    assert.equal(superseded.state.kind, DmStateKind.Ended);
    assert.deepEqual(superseded.actions, [{ kind: DmActionKind.CloseSession, reason: DmEndReason.Superseded }]);
  }
});

test("every event a state does not take is DM_ILLEGAL_TRANSITION", () => {
  const composing = step(DM_START, p1()).state;
  const waiting = step(composing, batch("GET")).state;
  const ended = step(waiting, { kind: DmEventKind.IdleTimeout }).state;
  const illegal: [DmState, DmEvent][] = [
    [DM_START, batch()],
    [DM_START, p3([])],
    [DM_START, { kind: DmEventKind.IdleTimeout }],
    [DM_START, { kind: DmEventKind.Superseded }],
    [composing, p1()],
    [composing, p3([])],
    [waiting, p1()],
    [waiting, batch()],
    [ended, p1()],
    [ended, p3([])],
    [ended, batch()],
    [ended, { kind: DmEventKind.IdleTimeout }],
  ];
  for (const [state, event] of illegal) {
    const r = stepDmSession(state, event);
    assert.ok(!r.ok, `${state.kind} + ${event.kind} should be refused`);
    assert.ok(hasServerErrorCode(r.error, ServerErrorCode.DM_ILLEGAL_TRANSITION));
    assert.match(r.error.message, new RegExp(`state ${state.kind}`));
  }
});

test("status → outcome: 2xx and 304 done, 202 accepted only for EXEC, the rest failed", () => {
  const item = (name: string, params: string[] = []) => ({ commandId: "c", name, params });
  assert.equal(resultFor("c", item("GET"), { sc: 304 }).outcome, "done");
  assert.equal(resultFor("c", item("GET"), { sc: 204 }).outcome, "done");
  assert.equal(resultFor("c", item("HGET"), { sc: 202 }).outcome, "done");
  assert.equal(resultFor("c", item("HGET"), { sc: 503 }).outcome, "failed");
  assert.equal(resultFor("c", item("SHOW"), { sc: 501 }).outcome, "failed");
  const exec = resultFor("c", item("EXEC", ["urn:oma:mo:x:1.0//Op", "http://127.0.0.1/dm"]), {
    sc: 202,
    URI: ["urn:oma:mo:x:1.0/i1/Op"],
  });
  assert.equal(exec.outcome, "accepted");
  // The device's concrete URI wins: its alert will carry that SourceURI.
  assert.deepEqual(exec.correlation, { sourceUri: "urn:oma:mo:x:1.0/i1/Op", serverUri: "http://127.0.0.1/dm" });
  const get = resultFor("c", item("GET"), {
    sc: 200,
    URI: ["u"],
    Data: [{ ClientURI: "u", MOData: { a: 1 } }],
  });
  assert.deepEqual(get.data, [{ ClientURI: "u", MOData: { a: 1 } }]);
  assert.deepEqual(get.uris, ["u"]);
});

test("property: any reachable state survives the store's JSON round trip and steps the same afterwards", () => {
  const names = fc.constantFrom("GET", "EXEC", "HGET", "DELETE", "SHOW");
  fc.assert(
    fc.property(
      fc.array(fc.array(names, { maxLength: 4 }), { minLength: 1, maxLength: 5 }),
      fc.array(fc.integer({ min: 100, max: 599 }), { maxLength: 40 }),
      (batches, codes) => {
        let state: DmState = step(DM_START, p1()).state;
        let codeIndex = 0;
        for (const names of batches) {
          const roundTrip = decodeDmState(state.kind, JSON.parse(JSON.stringify(encodeDmState(state))) as never);
          assert.ok(roundTrip.ok);
          assert.deepEqual(roundTrip.value, state);
          const s = step(roundTrip.value, batch(...names));
          state = s.state;
          if (state.kind !== DmStateKind.AwaitingPackage3) {
            assert.equal(state.kind, DmStateKind.Ended);
            return;
          }
          const statuses = state.sent.map(() => ({ sc: codes[codeIndex++ % Math.max(1, codes.length)] ?? 200 }));
          state = step(state, p3(statuses)).state;
        }
      },
    ),
  );
});

test("a stored state that is not ours is DM_SESSION_STATE_CORRUPT, not a crash", () => {
  const bad: [string, unknown][] = [
    ["AwaitingPackage3", null],
    ["AwaitingPackage3", { kind: "AwaitingPackage3", packageNo: 2, contUri: CONT, sent: [{ name: 1 }] }],
    ["Composing", { kind: "AwaitingPackage3", packageNo: 2, contUri: CONT, sent: [] }],
    ["Ended", { kind: "Ended", packageNo: 2, reason: "bored" }],
    ["Nope", { kind: "Nope" }],
    ["Composing", { kind: "Composing", packageNo: -1, contUri: CONT, first: true }],
  ];
  for (const [name, data] of bad) {
    const r = decodeDmState(name, data as never);
    assert.ok(!r.ok, JSON.stringify(data));
    assert.ok(hasServerErrorCode(r.error, ServerErrorCode.DM_SESSION_STATE_CORRUPT));
  }
});
