// The pure session state machine (ARCHITECTURE.md invariant 4) without any HTTP: transitions, actions, illegal events, and
// a property — for any Package#2 without END, one status per item in order, and exactly the valid commands other
// than CONT/END go to the executor, in order.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ErrorCode, MT_P1, MT_P2, MT_P3, parsePackage1, parsePackage3, type StatusItem } from "@omadm/protocol";
import {
  ActionKind,
  EventKind,
  StateKind,
  type SessionAction,
  type SessionEvent,
  type SessionState,
} from "../src/session/session-states.js";
import { initialState, step } from "../src/session/session-machine.js";
import { AbortCode, OutcomeKind, TriggerKind } from "../src/session/session-types.js";

const SRV = "https://dm.example/dm";

function start(extra: Partial<Extract<SessionEvent, { kind: "start" }>> = {}): SessionEvent {
  return {
    kind: EventKind.Start,
    sessionId: "s1",
    serverId: "dm.example",
    trigger: { kind: TriggerKind.ClientInitiated },
    srvUri: SRV,
    pendingAlerts: [],
    ...extra,
  };
}

function response(status: number, body: unknown, headers: { contentType?: string; www?: string[] } = {}): SessionEvent {
  return {
    kind: EventKind.Response,
    status,
    contentType: headers.contentType ?? MT_P2,
    wwwAuthenticate: headers.www ?? [],
    body: new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)),
  };
}

/** Steps and insists on success. */
function go(state: SessionState, event: SessionEvent): { state: SessionState; actions: readonly SessionAction[] } {
  const r = step(state, event);
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

function only<K extends SessionAction["kind"]>(
  actions: readonly SessionAction[],
  kind: K,
): Extract<SessionAction, { kind: K }> {
  const found = actions.filter((a) => a.kind === kind);
  assert.equal(found.length, 1, `expected one ${kind} action in ${JSON.stringify(actions.map((a) => a.kind))}`);
  return found[0] as Extract<SessionAction, { kind: K }>;
}

test("start posts Package#1 to the SrvURI; an async report posts it to the EXEC's ServerURI", () => {
  const t = go(initialState({ allowHttp: false }), start());
  const post = only(t.actions, ActionKind.Post);
  assert.equal(post.url, SRV);
  assert.equal(post.contentType, MT_P1);
  assert.equal(post.packageKind, "P1");
  assert.equal(t.state.kind, StateKind.AwaitingPackage2);
  const a = go(
    initialState({ allowHttp: false }),
    start({ trigger: { kind: TriggerKind.AsyncReport, targetUri: "https://dm.example/a/1" } }),
  );
  assert.equal(only(a.actions, ActionKind.Post).url, "https://dm.example/a/1");
});

test("a ServerInitiatedMgmt without NOTIFICATION-ID still names its type; MOS is [] when wanted but not given", () => {
  const t = go(
    initialState({ allowHttp: false }),
    start({ trigger: { kind: TriggerKind.ServerInitiated, reqMos: true } }),
  );
  const p1 = parsePackage1(only(t.actions, ActionKind.Post).body);
  assert.ok(p1.ok);
  assert.deepEqual(p1.value, { MOS: [], Alert: [{ AlertType: "urn:oma:at:dm:2.0:ServerInitiatedMgmt" }] });
});

test("a full walk: P2 → execute → gather alerts → P3 (to the CONT URI) → END completes", () => {
  let t = go(initialState({ allowHttp: false }), start());
  t = go(
    t.state,
    response(200, { CMD: [["GET", "urn:oma:mo:x:1.0/a/B"], ["CONT", "https://dm.example/s/9"], ["NOPE"]] }),
  );
  const exec = only(t.actions, ActionKind.Execute);
  assert.deepEqual(exec.command, { name: "GET", clientUri: "urn:oma:mo:x:1.0/a/B" });
  assert.equal(exec.packageNumber, 1);
  t = go(t.state, { kind: EventKind.CommandExecuted, status: { sc: 200, URI: ["urn:oma:mo:x:1.0/a/B"] } });
  const gather = only(t.actions, ActionKind.GatherAlerts);
  assert.equal(gather.serverId, "dm.example");
  t = go(t.state, {
    kind: EventKind.AlertsGathered,
    alerts: [{ id: "a1", serverId: "dm.example", alert: { AlertType: "x" } }],
  });
  const post = only(t.actions, ActionKind.Post);
  assert.equal(post.url, "https://dm.example/s/9");
  assert.equal(post.contentType, MT_P3);
  const p3 = parsePackage3(post.body);
  assert.ok(p3.ok);
  assert.deepEqual(p3.value, {
    Status: [{ sc: 200, URI: ["urn:oma:mo:x:1.0/a/B"] }, { sc: 200 }, { sc: 501 }],
    Alert: [{ AlertType: "x" }],
  });
  t = go(t.state, response(200, { CMD: [["END"]] }));
  assert.deepEqual(only(t.actions, ActionKind.Acknowledge).alertIds, ["a1"]);
  const finish = only(t.actions, ActionKind.Finish);
  assert.equal(finish.outcome.kind, OutcomeKind.Completed);
  assert.deepEqual(finish.outcome.deliveredAlertIds, ["a1"]);
  assert.equal(finish.outcome.packagesAcknowledged, 2);
  assert.equal(t.state.kind, StateKind.Completed);
});

test("401: the same package again with the challenges to answer; a second 401 aborts", () => {
  let t = go(initialState({ allowHttp: false }), start());
  const first = only(t.actions, ActionKind.Post);
  t = go(t.state, response(401, "", { www: ['Basic realm="x"'] }));
  const retry = only(t.actions, ActionKind.Post);
  assert.equal(retry.body, first.body);
  assert.deepEqual(retry.answerChallenges, ['Basic realm="x"']);
  t = go(t.state, response(401, "", { www: ['Basic realm="x"'] }));
  const finish = only(t.actions, ActionKind.Finish);
  assert.equal(finish.outcome.kind === OutcomeKind.Aborted ? finish.outcome.reason.code : "", AbortCode.AUTH_REJECTED);
});

test("transport failures map to TIMEOUT or TRANSPORT; Cancel and Fail abort any active state", () => {
  const waiting = go(initialState({ allowHttp: false }), start()).state;
  const timeout = go(waiting, {
    kind: EventKind.TransportFailed,
    code: "OMADM_HTTP_RESPONSE_TIMEOUT",
    message: "slow",
    timeout: true,
  });
  assert.equal(timeout.state.kind, StateKind.Aborted);
  const reason = (s: SessionState): string =>
    s.kind === StateKind.Aborted && s.outcome.kind === "aborted" ? s.outcome.reason.code : "";
  assert.equal(reason(timeout.state), AbortCode.TIMEOUT);
  assert.equal(
    reason(go(waiting, { kind: EventKind.TransportFailed, code: "X", message: "reset", timeout: false }).state),
    AbortCode.TRANSPORT,
  );
  const executing = go(waiting, response(200, { CMD: [["GET", "urn:oma:mo:x:1.0/a/B"]] })).state;
  assert.equal(executing.kind, StateKind.Executing);
  assert.equal(reason(go(executing, { kind: EventKind.Cancel, message: "stop" }).state), AbortCode.CANCELLED);
  assert.equal(
    reason(go(executing, { kind: EventKind.Fail, reason: { code: AbortCode.INTERNAL, message: "bug" } }).state),
    AbortCode.INTERNAL,
  );
});

test("an event the state does not accept is a SESSION_ILLEGAL_TRANSITION error", () => {
  const idle = initialState({ allowHttp: false });
  const waiting = go(idle, start()).state;
  const done = go(waiting, response(200, { CMD: [["END"]] })).state;
  const cases: [SessionState, SessionEvent][] = [
    [idle, response(200, { CMD: [["END"]] })],
    [idle, { kind: EventKind.Cancel, message: "x" }],
    [waiting, start()],
    [waiting, { kind: EventKind.CommandExecuted, status: { sc: 200 } }],
    [done, start()],
    [done, { kind: EventKind.Cancel, message: "x" }],
  ];
  for (const [state, event] of cases) {
    const r = step(state, event);
    assert.equal(r.ok, false, `${state.kind} + ${event.kind}`);
    assert.equal(r.error.code, ErrorCode.SESSION_ILLEGAL_TRANSITION);
  }
});

// One Package#2 item: a valid executor command, CONT, an unknown name, or a command with a bad parameter.
const itemArb: fc.Arbitrary<readonly string[]> = fc.oneof(
  fc.constantFrom(
    ["GET", "urn:oma:mo:x:1.0/a/B"],
    ["DELETE", "urn:oma:mo:x:1.0/a/"],
    ["EXEC", "urn:oma:mo:x:1.0/a/Run"],
  ),
  fc.constant(["CONT", "https://dm.example/s/2"]),
  fc.constantFrom(["FOO"], ["get", "urn:oma:mo:x:1.0/a/B"], ["HGET", "http://insecure.example/x"], ["GET"]),
);

test("property: one status per item in order; only valid non-CONT commands reach the executor, in order", () => {
  fc.assert(
    fc.property(
      fc.array(itemArb, { minLength: 1, maxLength: 30 }),
      fc.array(fc.integer({ min: 200, max: 599 })),
      (items, codes) => {
        let t = go(go(initialState({ allowHttp: false }), start()).state, response(200, { CMD: items }));
        const executed: string[][] = [];
        const expected: StatusItem[] = [];
        let k = 0;
        for (const item of items) {
          const valid = ["GET", "DELETE", "EXEC"].includes(item[0] ?? "") && item.length === 2;
          if (item[0] === "CONT") expected.push({ sc: 200 });
          else if (!valid) expected.push({ sc: item[0] === "FOO" || item[0] === "get" ? 501 : 400 });
          else expected.push({ sc: codes[k++ % Math.max(codes.length, 1)] ?? 200 });
        }
        let n = 0;
        for (;;) {
          const exec = t.actions.find((a) => a.kind === ActionKind.Execute);
          if (exec === undefined) break;
          executed.push([exec.command.name]);
          t = go(t.state, {
            kind: EventKind.CommandExecuted,
            status: { sc: codes[n++ % Math.max(codes.length, 1)] ?? 200 },
          });
        }
        assert.deepEqual(
          executed.map((e) => e[0]),
          items.filter((i) => ["GET", "DELETE", "EXEC"].includes(i[0] ?? "") && i.length === 2).map((i) => i[0]),
        );
        only(t.actions, ActionKind.GatherAlerts);
        const post = only(go(t.state, { kind: EventKind.AlertsGathered, alerts: [] }).actions, ActionKind.Post);
        const p3 = parsePackage3(post.body);
        assert.ok(p3.ok);
        assert.deepEqual(p3.value.Status, expected);
        assert.equal(post.url, items.some((i) => i[0] === "CONT") ? "https://dm.example/s/2" : SRV);
      },
    ),
    { numRuns: 300 },
  );
});
