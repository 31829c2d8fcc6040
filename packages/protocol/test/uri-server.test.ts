// ServerURI checks (docs/protocol.md §6.2): absolute https (http only when allowed), no userinfo, no fragment.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ErrorCode, parseServerUri } from "@omadm/protocol";
import { SERVER_URI_MAX_LENGTH } from "../src/uri/server-uri.js";

function rejects(text: string, code: string, message: RegExp, allowHttp = false): void {
  const r = parseServerUri(text, { allowHttp });
  assert.equal(r.ok, false, text);
  assert.equal(r.error.code, code, `${text}: ${r.error.message}`);
  assert.equal(r.error.status, 400);
  assert.match(r.error.message, /^ServerURI /);
  assert.match(r.error.message, message);
}

test("absolute https URIs are accepted, with path, query and port", () => {
  for (const text of [
    "https://DMcontent.DMserver.operator.com/IMEI:493005100592800",
    "https://www.devicemgmt.org/dmclient/dm20",
    "https://127.0.0.1:8443/repo/data?ui=session-7&x=1",
    "https://[::1]:8443/dm",
    "HTTPS://example.org",
  ]) {
    const r = parseServerUri(text);
    assert.ok(r.ok, text);
    assert.equal(r.value.protocol, "https:");
  }
  const r = parseServerUri("https://127.0.0.1:8443/repo/data?ui=7");
  assert.ok(r.ok);
  assert.equal(r.value.pathname, "/repo/data");
  assert.equal(r.value.search, "?ui=7");
});

test("plain http needs allowHttp; otherwise SERVER_URI_INSECURE", () => {
  rejects("http://127.0.0.1:8080/dm", ErrorCode.SERVER_URI_INSECURE, /plain http; https is required/);
  const r = parseServerUri("http://127.0.0.1:8080/dm", { allowHttp: true });
  assert.ok(r.ok);
  assert.equal(r.value.port, "8080");
  assert.equal(parseServerUri("https://127.0.0.1/", { allowHttp: true }).ok, true);
});

test("relative URIs, other schemes, userinfo, fragments and malformed URIs → SERVER_URI_INVALID", () => {
  const I = ErrorCode.SERVER_URI_INVALID;
  rejects("", I, /empty/);
  rejects("/dm", I, /relative/);
  rejects("dm/x", I, /relative/);
  rejects("//host/dm", I, /relative/);
  rejects("127.0.0.1:8080/dm", I, /scheme "127.0.0.1"|relative/);
  rejects("ftp://host/x", I, /scheme "ftp"; only https is allowed/);
  rejects("ftp://host/x", I, /only https or http is allowed/, true);
  rejects("mailto:a@b", I, /scheme "mailto"/);
  rejects("javascript:alert(1)", I, /scheme "javascript"/);
  rejects("urn:oma:mo:x//", I, /scheme "urn"/);
  rejects("https://user:pw@host/dm", I, /credentials in the userinfo/);
  rejects("https://user@host/dm", I, /credentials/);
  rejects("https://host/dm#frag", I, /fragment/);
  rejects("https://host/dm#", I, /fragment/);
  rejects("https:host/dm", I, /no "\/\/" authority/);
  rejects("https:///dm", I, /empty host/);
  rejects("https://", I, /empty host/);
  rejects("https://host:99999/", I, /not a valid URI/);
  rejects("https://ho st/", I, /whitespace or control/);
  rejects(" https://host/", I, /whitespace or control/);
  rejects("https://host/\n", I, /whitespace or control/);
  rejects("https:\\\\host\\dm", I, /backslash/);
  rejects("https://" + "a".repeat(SERVER_URI_MAX_LENGTH), I, /longer than/);
});

test("property: parseServerUri never throws; success is always an https (or allowed http) URL without userinfo", () => {
  const piece = fc.constantFrom(
    "https://",
    "http://",
    "ftp://",
    "h",
    "@",
    ":",
    "/",
    "?",
    "#",
    "[",
    "]",
    "%",
    "1",
    " ",
    "\\",
  );
  const text = fc.oneof(
    fc.string(),
    fc.array(piece, { maxLength: 12 }).map((a) => a.join("")),
    fc.webUrl(),
  );
  fc.assert(
    fc.property(text, fc.boolean(), (t, allowHttp) => {
      const r = parseServerUri(t, { allowHttp });
      if (!r.ok) {
        assert.ok(r.error.code === ErrorCode.SERVER_URI_INVALID || r.error.code === ErrorCode.SERVER_URI_INSECURE);
        return;
      }
      assert.ok(r.value.protocol === "https:" || (allowHttp && r.value.protocol === "http:"));
      assert.equal(r.value.username, "");
      assert.equal(r.value.password, "");
      assert.equal(r.value.hash, "");
      assert.notEqual(r.value.hostname, "");
    }),
    { numRuns: 1000 },
  );
});
