import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, errorMessage, isOmadmError, OmadmError, ProtocolError } from "@omadm/protocol";

test("every error code is unique and prefixed OMADM_", () => {
  const codes = Object.values(ErrorCode);
  assert.equal(new Set(codes).size, codes.length);
  for (const c of codes) assert.match(c, /^OMADM_[A-Z0-9_]+$/);
});

test("ProtocolError carries code, path and status and names the path in its message", () => {
  const e = new ProtocolError(ErrorCode.CMD_ARITY, "HGET takes 1 or 2 parameters", { path: "$.CMD[0]", status: 400 });
  assert.equal(e.code, ErrorCode.CMD_ARITY);
  assert.equal(e.status, 400);
  assert.equal(e.path, "$.CMD[0]");
  assert.match(e.message, /\$\.CMD\[0\]/);
});

test("ProtocolError is an OmadmError with its name and a stable code", () => {
  const cause = new Error("bad byte");
  const e = new ProtocolError(ErrorCode.P0_TRUNCATED, "too short", { cause });
  assert.ok(e instanceof OmadmError);
  assert.ok(isOmadmError(e));
  assert.equal(e.name, "ProtocolError");
  assert.equal(e.code, "OMADM_P0_TRUNCATED");
  assert.equal(e.cause, cause);
  assert.equal("cause" in new ProtocolError(ErrorCode.P0_TRUNCATED, "too short"), false);
});

test("errorMessage turns anything thrown into text", () => {
  assert.equal(errorMessage(new Error("boom")), "boom");
  assert.equal(errorMessage(new TypeError("")), "TypeError");
  assert.equal(errorMessage("plain"), "plain");
  assert.equal(errorMessage(42), "42");
  assert.equal(errorMessage(undefined), "undefined");
  const hostile = {
    toString(): string {
      throw new Error("no");
    },
  };
  assert.equal(errorMessage(hostile), "[object Object]");
  assert.equal(errorMessage(Object.create(null)), "[object Object]");
});
