// Data Repository rules without HTTP: item paths and ServerURIs, entity tags (RFC 9110 §13.1), who may address
// which item, upload media types and what a stored item is offered as (docs/protocol.md §1.6, §7.2).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MT_MO_JSON, MT_TNDS_XML } from "@omadm/protocol";
import { hasServerErrorCode, ServerErrorCode } from "../src/errors.js";
import { decideIfMatch, ifNoneMatchHits, parseEntityTagList } from "../src/repository/conditional.js";
import { decideAccess } from "../src/repository/device-access.js";
import { checkContent } from "../src/repository/content-check.js";
import { offeredTypes, uploadTypeList } from "../src/repository/media.js";
import {
  checkRepositoryPath,
  normalizeBaseUrl,
  repositoryItemUrl,
  repositoryUploadUrl,
} from "../src/repository/paths.js";

const badPath = (e: unknown) => hasServerErrorCode(e, ServerErrorCode.REPOSITORY_BAD_PATH);

test("repository paths: nested segments pass; empty, dot, dot-dot, control characters and overlong paths are refused", () => {
  assert.equal(checkRepositoryPath("fw/v2/manifest.json"), "fw/v2/manifest.json");
  for (const bad of ["", "/a", "a/", "a//b", ".", "a/./b", "../etc", "a/..", "a\u0000b", "a\nb", "x".repeat(1025)]) {
    assert.throws(() => checkRepositoryPath(bad), badPath, JSON.stringify(bad));
  }
});

test("ServerURIs: the server fills in the DevID (§6.2), each segment percent-encoded, no double slash", () => {
  const base = "https://dm.example.com/";
  assert.equal(
    repositoryItemUrl(base, { deviceId: "IMEI:493005100592800", path: "sub/dev info" }),
    "https://dm.example.com/repo/devices/IMEI%3A493005100592800/sub/dev%20info",
  );
  assert.equal(
    repositoryItemUrl(base, { deviceId: null, path: "fumo/pkg" }),
    "https://dm.example.com/repo/shared/fumo/pkg",
  );
  assert.equal(repositoryUploadUrl("http://127.0.0.1:8080", "u-1"), "http://127.0.0.1:8080/repo/uploads/u-1");
  assert.equal(normalizeBaseUrl("https://h.example/base///"), "https://h.example/base");
  for (const bad of ["ftp://h/", "not a url", "https://h/?q=1", "https://h/#f"]) {
    assert.throws(
      () => normalizeBaseUrl(bad),
      (e) => hasServerErrorCode(e, ServerErrorCode.INVALID_INPUT),
      bad,
    );
  }
});

test("entity tag lists: *, strong and weak tags, commas inside tags, malformed lists", () => {
  assert.equal(parseEntityTagList(" * "), "*");
  assert.deepEqual(parseEntityTagList('"a", W/"b" ,"c,d"'), [
    { weak: false, tag: '"a"' },
    { weak: true, tag: '"b"' },
    { weak: false, tag: '"c,d"' },
  ]);
  assert.deepEqual(parseEntityTagList('"a",,'), [{ weak: false, tag: '"a"' }]);
  for (const bad of ["a", '"a" "b"', "W/a", '"a', "", '"a", b']) assert.equal(parseEntityTagList(bad), undefined, bad);
});

test("entity tag parsing is total: any string gives a list, *, or undefined", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 60 }), (s) => {
      const r = parseEntityTagList(s);
      assert.ok(r === undefined || r === "*" || Array.isArray(r));
    }),
  );
});

test("If-None-Match compares weakly; a malformed header is ignored", () => {
  assert.equal(ifNoneMatchHits('"1-x"', '"1-x"'), true);
  assert.equal(ifNoneMatchHits('W/"1-x"', '"1-x"'), true);
  assert.equal(ifNoneMatchHits('"0-y", "1-x"', '"1-x"'), true);
  assert.equal(ifNoneMatchHits("*", '"1-x"'), true);
  assert.equal(ifNoneMatchHits('"2-x"', '"1-x"'), false);
  assert.equal(ifNoneMatchHits("garbage", '"1-x"'), false);
  assert.equal(ifNoneMatchHits(undefined, '"1-x"'), false);
});

test("If-Match compares strongly and hands the store the tag to re-check", () => {
  assert.deepEqual(decideIfMatch(undefined, null), { kind: "none" });
  assert.deepEqual(decideIfMatch('"1-x"', '"1-x"'), { kind: "expect", etag: '"1-x"' });
  assert.deepEqual(decideIfMatch('"0-y", "1-x"', '"1-x"'), { kind: "expect", etag: '"1-x"' });
  assert.deepEqual(decideIfMatch("*", '"1-x"'), { kind: "expect", etag: "*" });
  assert.equal(decideIfMatch('W/"1-x"', '"1-x"').kind, "fail");
  assert.equal(decideIfMatch('"2-x"', '"1-x"').kind, "fail");
  assert.equal(decideIfMatch("*", null).kind, "fail");
  assert.equal(decideIfMatch('"1-x"', null).kind, "fail");
  assert.equal(decideIfMatch("nope", '"1-x"').kind, "malformed");
});

test("access: the authenticated device is the actor and may only use its own per-device items", () => {
  assert.deepEqual(decideAccess({ urlDeviceId: "A", headerDeviceId: null, authenticatedDeviceId: "A" }), {
    ok: true,
    actor: "A",
  });
  assert.deepEqual(decideAccess({ urlDeviceId: null, headerDeviceId: "A", authenticatedDeviceId: "A" }), {
    ok: true,
    actor: "A",
  });
  assert.equal(decideAccess({ urlDeviceId: "B", headerDeviceId: null, authenticatedDeviceId: "A" }).ok, false);
  assert.equal(decideAccess({ urlDeviceId: "A", headerDeviceId: "B", authenticatedDeviceId: "A" }).ok, false);
  assert.equal(decideAccess({ urlDeviceId: null, headerDeviceId: "B", authenticatedDeviceId: "A" }).ok, false);
});

test("access without authentication: the URL is the capability, OMADM-DevID must agree with it when sent", () => {
  assert.deepEqual(decideAccess({ urlDeviceId: "A", headerDeviceId: null, authenticatedDeviceId: undefined }), {
    ok: true,
    actor: "A",
  });
  assert.deepEqual(decideAccess({ urlDeviceId: null, headerDeviceId: null, authenticatedDeviceId: undefined }), {
    ok: true,
    actor: null,
  });
  const refused = decideAccess({ urlDeviceId: "A", headerDeviceId: "B", authenticatedDeviceId: undefined });
  assert.ok(!refused.ok);
  assert.match(refused.message, /OMADM-DevID "B" does not match the device "A"/);
});

test("upload types: JSON MO data with its aliases and TNDS first, configured extras after, each once", () => {
  assert.deepEqual(uploadTypeList(), [MT_MO_JSON, "application/json", "application/vnd.oma.dm.mo+json", MT_TNDS_XML]);
  assert.deepEqual(uploadTypeList(["Application/Octet-Stream; x=1", "application/json", "text/csv"]), [
    MT_MO_JSON,
    "application/json",
    "application/vnd.oma.dm.mo+json",
    MT_TNDS_XML,
    "application/octet-stream",
    "text/csv",
  ]);
  assert.throws(
    () => uploadTypeList(["not-a-type"]),
    (e) => hasServerErrorCode(e, ServerErrorCode.INVALID_INPUT),
  );
});

test("a stored item is offered as its own type; JSON MO data also as every JSON MO alias (§7.2)", () => {
  assert.deepEqual(offeredTypes(MT_MO_JSON), [MT_MO_JSON, "application/json", "application/vnd.oma.dm.mo+json"]);
  assert.deepEqual(offeredTypes("application/json"), [
    "application/json",
    MT_MO_JSON,
    "application/vnd.oma.dm.mo+json",
  ]);
  assert.deepEqual(offeredTypes(MT_TNDS_XML), [MT_TNDS_XML]);
});

test("content check: JSON MO data must be a valid serialization with parseable ClientURIs; other types are opaque", () => {
  const good = new TextEncoder().encode('[{"ClientURI":"urn:oma:mo:oma-dm-devinfo:1.0/1/","MOData":{"DevInfo":{}}}]');
  assert.deepEqual(checkContent(MT_MO_JSON, good, 1000), { clientUris: ["urn:oma:mo:oma-dm-devinfo:1.0/1/"] });
  assert.deepEqual(checkContent(MT_TNDS_XML, new TextEncoder().encode("<<not xml"), 1000), { clientUris: null });
  const cases: [string, RegExp][] = [
    ['[{"MOData":{}}]', /ClientURI is required.*\$\[0\]\.ClientURI/],
    ['[{"ClientURI":"no-moid","MOData":{}}]', /\$\[0\]\.ClientURI/],
    ["[{", /JSON|syntax|unexpected/i],
  ];
  for (const [body, message] of cases) {
    assert.throws(
      () => checkContent(MT_MO_JSON, new TextEncoder().encode(body), 1000),
      (e: unknown) => hasServerErrorCode(e, ServerErrorCode.REPOSITORY_BAD_CONTENT) && message.test(e.message),
      body,
    );
  }
});
