// The client-state document codec: versioned, validated, total (ARCHITECTURE.md, the client state is replaced atomically).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ErrorCode } from "@omadm/protocol";
import {
  STATE_FORMAT,
  STATE_VERSION,
  snapshotClientState,
  type ClientStateDocument,
} from "../src/state/client-state.js";
import { decodeClientState, encodeClientState } from "../src/state/state-codec.js";
import { RECORDS, populatedClient } from "./state-fixtures.js";
import { errorOf, must } from "./tree-fixtures.js";

function sample(): ClientStateDocument {
  const c = populatedClient();
  return snapshotClientState({ tree: c.tree, access: c.access, records: RECORDS });
}

function mutate(doc: ClientStateDocument, edit: (o: Record<string, unknown>) => void): string {
  const o = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
  edit(o);
  return JSON.stringify(o);
}

test("the document names its format and version and round-trips through bytes", () => {
  const doc = sample();
  assert.equal(doc.format, STATE_FORMAT);
  assert.equal(doc.version, STATE_VERSION);
  assert.deepEqual(must(decodeClientState(encodeClientState(doc))), JSON.parse(JSON.stringify(doc)));
});

test("shape errors name the JSON path of the first problem", () => {
  const doc = sample();
  const cases: [(o: Record<string, unknown>) => void, RegExp][] = [
    [(o) => delete o.tree, /\$\.tree/],
    [(o) => ((o.tree as Record<string, unknown>).validatorCounter = -1), /validatorCounter/],
    [(o) => ((o.notificationIds as Record<string, unknown>[])[0]!.notificationId = 70000), /16 bits/],
    [(o) => ((o.pendingAlerts as Record<string, unknown>[])[0]!.alert = { Data: {} }), /pendingAlerts\[0\]\.alert/],
    [
      (o) => ((o.access as Record<string, unknown>).grants = [{ moid: "m", miid: "i", srvId: "s", rights: ["All"] }]),
      /rights/,
    ],
    [
      (o) =>
        (((o.tree as Record<string, unknown>).instances as Record<string, unknown>[])[0]!.creator = { kind: "alien" }),
      /creator\.kind/,
    ],
    [
      (o) => (((o.tree as Record<string, unknown>).instances as Record<string, unknown>[])[0]!.data = undefined),
      /data/,
    ],
    [(o) => ((o.pendingReports as Record<string, unknown>[])[0]!.serverUri = 5), /pendingReports\[0\]\.serverUri/],
  ];
  for (const [edit, where] of cases) {
    const e = errorOf(decodeClientState(mutate(doc, edit)));
    assert.equal(e.code, ErrorCode.STATE_CORRUPT, e.message);
    assert.match(e.message, where);
  }
  assert.equal(errorOf(decodeClientState(mutate(doc, (o) => (o.version = 0)))).code, ErrorCode.STATE_VERSION);
});

test("property: any bytes decode to a document or a typed state error, never an exception", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const r = decodeClientState(bytes);
      if (!r.ok) assert.ok(r.error.code === ErrorCode.STATE_CORRUPT || r.error.code === ErrorCode.STATE_VERSION);
    }),
  );
  fc.assert(
    fc.property(fc.jsonValue(), (body) => {
      const text = JSON.stringify(
        typeof body === "object" && body !== null && !Array.isArray(body)
          ? { ...body, format: STATE_FORMAT, version: STATE_VERSION }
          : body,
      );
      const r = decodeClientState(text);
      if (!r.ok) assert.equal(r.error.code, ErrorCode.STATE_CORRUPT);
    }),
  );
});

test("property: truncating a valid document at any point is detected", () => {
  const text = new TextDecoder().decode(encodeClientState(sample()));
  fc.assert(
    fc.property(fc.integer({ min: 0, max: text.length - 1 }), (cut) => {
      assert.equal(errorOf(decodeClientState(text.slice(0, cut))).code, ErrorCode.STATE_CORRUPT);
    }),
  );
});
