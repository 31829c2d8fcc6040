import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, ProtocolError } from "@omadm/protocol";

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
