import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Status, statusName, isSuccessStatus, isValidStatusCode } from "@omadm/protocol";
import { STATUS_CODES, statusInfo } from "../src/status/status-codes.js";

// docs/protocol.md §5: the codes and reason phrases of the table.
const SECTION_5: ReadonlyArray<readonly [number, string]> = [
  [200, "OK"],
  [202, "Accepted"],
  [204, "No Content"],
  [304, "Not Modified"],
  [400, "Bad Request"],
  [403, "Forbidden"],
  [404, "Not Found"],
  [405, "Command Not Allowed"],
  [406, "Not Acceptable"],
  [413, "Request Entity Too Large"],
  [415, "Unsupported Media Type"],
  [500, "Command Failed"],
  [501, "Not Implemented"],
  [503, "Service Unavailable"],
];

test("STATUS_CODES lists every §5 code exactly once, with its reason phrase, in ascending order", () => {
  const codes = STATUS_CODES.map((s) => s.code);
  assert.equal(new Set(codes).size, codes.length, "codes are unique");
  assert.deepEqual(
    STATUS_CODES.map((s) => [s.code, s.name]),
    SECTION_5.map(([c, n]) => [c, n]),
  );
  assert.deepEqual(
    codes,
    [...codes].sort((a, b) => a - b),
  );
  for (const s of STATUS_CODES) assert.ok(s.meaning.length > 10, `${s.code} has a meaning`);
});

test("the Status constants are exactly the table's codes", () => {
  assert.equal(Status.OK, 200);
  assert.equal(Status.ACCEPTED, 202);
  assert.equal(Status.NOT_MODIFIED, 304);
  assert.equal(Status.COMMAND_NOT_ALLOWED, 405);
  assert.equal(Status.COMMAND_FAILED, 500);
  assert.equal(Status.SERVICE_UNAVAILABLE, 503);
  assert.deepEqual(
    Object.values(Status).sort((a, b) => a - b),
    STATUS_CODES.map((s) => s.code),
  );
});

test("statusName and statusInfo know the table and nothing else", () => {
  assert.equal(statusName(404), "Not Found");
  assert.equal(statusName(Status.REQUEST_ENTITY_TOO_LARGE), "Request Entity Too Large");
  assert.equal(statusInfo(202)?.meaning.includes("Generic Alert"), true);
  assert.equal(statusName(418), undefined);
  assert.equal(statusName(212), undefined, "DM 1.x SyncML codes are not DM 2.0 codes");
  assert.equal(statusInfo(Number.NaN), undefined);
});

test("isValidStatusCode accepts every integer 100–599, including codes copied from a repository", () => {
  for (const c of [100, 200, 302, 401, 418, 429, 502, 599]) assert.equal(isValidStatusCode(c), true, String(c));
  for (const c of [99, 600, 0, -200, 200.5, Number.NaN, Infinity, "200", null, undefined, 200n]) {
    assert.equal(isValidStatusCode(c), false, String(c));
  }
  fc.assert(
    fc.property(fc.integer({ min: -10_000, max: 10_000 }), (c) => {
      assert.equal(isValidStatusCode(c), c >= 100 && c <= 599);
    }),
  );
});

test("isSuccessStatus: 2xx and 304 succeed, errors and invalid codes do not", () => {
  for (const c of [200, 202, 204, 206, 304]) assert.equal(isSuccessStatus(c), true, String(c));
  for (const c of [100, 301, 400, 404, 405, 500, 503, 199, 600, 200.5]) {
    assert.equal(isSuccessStatus(c), false, String(c));
  }
});
