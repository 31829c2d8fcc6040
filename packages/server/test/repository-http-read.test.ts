// The Data Repository's reads over fastify inject() (docs/protocol.md §4.1, §4.10, §1.6): HGET with Accept
// negotiation and ETags, HEAD, and per-device isolation with device authentication.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HDR_ACCEPT, HDR_DEVID, MT_MO_JSON, MT_TNDS_XML } from "@omadm/protocol";
import { ServerErrorCode } from "../src/errors.js";
import {
  MO_BODY,
  OMADM_ACCEPT,
  STORES,
  bytes,
  fakeAuthenticator,
  harnessFor,
  problem,
} from "./repository-http-support.js";

for (const kind of STORES) {
  const withHarness = harnessFor(kind);

  test(`[${kind.name}] HGET: the stored item with its media type, ETag and OMADM-Accept; MO JSON aliases negotiate`, async () => {
    await withHarness({}, async ({ app, store }) => {
      const stored = await store.repository.put({
        path: "mo/devinfo",
        deviceId: null,
        mediaType: MT_MO_JSON,
        body: bytes(MO_BODY),
      });
      const cases: [string | undefined, string][] = [
        [undefined, MT_MO_JSON],
        ["*/*", MT_MO_JSON],
        ["application/*", MT_MO_JSON],
        [MT_MO_JSON, MT_MO_JSON],
        ["application/json", "application/json"],
        ["application/vnd.oma.dm.mo+json", "application/vnd.oma.dm.mo+json"],
        ["text/html;q=0.9, application/json;q=0.5", "application/json"],
      ];
      for (const [accept, expected] of cases) {
        const res = await app.inject({
          method: "GET",
          url: "/repo/shared/mo/devinfo",
          headers: accept === undefined ? {} : { accept },
        });
        assert.equal(res.statusCode, 200, String(accept));
        assert.equal(res.headers["content-type"], expected, String(accept));
        assert.equal(res.headers.etag, stored.etag);
        assert.equal(res.headers[HDR_ACCEPT.toLowerCase()], OMADM_ACCEPT);
        assert.equal(res.headers["x-content-type-options"], "nosniff");
        assert.equal(res.body, MO_BODY);
      }
    });
  });

  test(`[${kind.name}] HGET: nothing acceptable → 406 naming what is available; malformed Accept → 400`, async () => {
    await withHarness({}, async ({ app, store }) => {
      await store.repository.put({ path: "tnds", deviceId: null, mediaType: MT_TNDS_XML, body: bytes("<MgmtTree/>") });
      const res = await app.inject({ method: "GET", url: "/repo/shared/tnds", headers: { accept: MT_MO_JSON } });
      assert.equal(res.statusCode, 406);
      assert.equal(res.headers[HDR_ACCEPT.toLowerCase()], OMADM_ACCEPT);
      const body = problem(res);
      assert.equal(body.code, ServerErrorCode.REPOSITORY_NOT_ACCEPTABLE);
      assert.deepEqual(body.available, [MT_TNDS_XML]);
      assert.match(String(body.detail), /available: application\/vnd\.syncml\.dmtnds\+xml/);

      const zero = await app.inject({
        method: "GET",
        url: "/repo/shared/tnds",
        headers: { accept: `${MT_TNDS_XML};q=0` },
      });
      assert.equal(zero.statusCode, 406);

      const bad = await app.inject({ method: "GET", url: "/repo/shared/tnds", headers: { accept: "text/html;q=abc" } });
      assert.equal(bad.statusCode, 400);
      assert.match(String(problem(bad).detail), /malformed Accept/);
    });
  });

  test(`[${kind.name}] HGET: If-None-Match with the current ETag → 304 without a body; a stale one → 200`, async () => {
    await withHarness({}, async ({ app, store }) => {
      const first = await store.repository.put({
        path: "p",
        deviceId: "A",
        mediaType: MT_MO_JSON,
        body: bytes(MO_BODY),
      });
      const hit = await app.inject({
        method: "GET",
        url: "/repo/devices/A/p",
        headers: { "if-none-match": first.etag },
      });
      assert.equal(hit.statusCode, 304);
      assert.equal(hit.body, "");
      assert.equal(hit.headers.etag, first.etag);
      const second = await store.repository.put({ path: "p", deviceId: "A", mediaType: MT_MO_JSON, body: bytes("[]") });
      assert.notEqual(second.etag, first.etag);
      const stale = await app.inject({
        method: "GET",
        url: "/repo/devices/A/p",
        headers: { "if-none-match": first.etag },
      });
      assert.equal(stale.statusCode, 200);
      assert.equal(stale.body, "[]");
      assert.equal(stale.headers.etag, second.etag);
    });
  });

  test(`[${kind.name}] HGET: a missing item → 404; HEAD answers the headers only`, async () => {
    await withHarness({}, async ({ app, store }) => {
      const missing = await app.inject({ method: "GET", url: "/repo/shared/nothing/here" });
      assert.equal(missing.statusCode, 404);
      assert.equal(problem(missing).code, ServerErrorCode.REPOSITORY_ITEM_NOT_FOUND);
      assert.equal(missing.headers[HDR_ACCEPT.toLowerCase()], OMADM_ACCEPT);
      // A per-device item is not visible under the shared path, nor under another device.
      await store.repository.put({ path: "x", deviceId: "A", mediaType: MT_MO_JSON, body: bytes("[]") });
      assert.equal((await app.inject({ method: "GET", url: "/repo/shared/x" })).statusCode, 404);
      assert.equal((await app.inject({ method: "GET", url: "/repo/devices/B/x" })).statusCode, 404);
      const head = await app.inject({ method: "HEAD", url: "/repo/devices/A/x" });
      assert.equal(head.statusCode, 200);
      assert.equal(head.body, "");
      assert.equal(head.headers["content-type"], MT_MO_JSON);
    });
  });

  test(`[${kind.name}] with authentication: device A cannot read or write B's items; 401 carries the challenges; shared is readable`, async () => {
    const authenticator = fakeAuthenticator();
    await withHarness({ authenticator }, async ({ app, store }) => {
      await store.repository.put({ path: "secret", deviceId: "B", mediaType: MT_MO_JSON, body: bytes("[]") });
      await store.repository.put({ path: "mine", deviceId: "A", mediaType: MT_MO_JSON, body: bytes("[]") });
      await store.repository.put({ path: "common", deviceId: null, mediaType: MT_MO_JSON, body: bytes("[]") });
      const asA = { authorization: "Device A" };

      const anonymous = await app.inject({ method: "GET", url: "/repo/devices/A/mine" });
      assert.equal(anonymous.statusCode, 401);
      assert.deepEqual(anonymous.headers["www-authenticate"], ['Digest realm="dm"', 'Basic realm="dm"']);
      assert.equal(problem(anonymous).code, ServerErrorCode.REPOSITORY_UNAUTHORIZED);
      assert.equal(
        (await app.inject({ method: "GET", url: "/repo/shared/common", headers: { authorization: "?" } })).statusCode,
        403,
      );

      assert.equal((await app.inject({ method: "GET", url: "/repo/devices/A/mine", headers: asA })).statusCode, 200);
      assert.equal((await app.inject({ method: "GET", url: "/repo/shared/common", headers: asA })).statusCode, 200);
      const readB = await app.inject({ method: "GET", url: "/repo/devices/B/secret", headers: asA });
      assert.equal(readB.statusCode, 403);
      assert.match(String(problem(readB).detail), /device "A" may not use the items of device "B"/);
      const writeB = await app.inject({
        method: "PUT",
        url: "/repo/devices/B/secret",
        headers: { ...asA, "content-type": MT_MO_JSON },
        payload: MO_BODY,
      });
      assert.equal(writeB.statusCode, 403);
      // Dot segments are resolved before routing: climbing out of A's space lands on B's URL and is refused there.
      const climb = await app.inject({ method: "GET", url: "/repo/devices/A/%2E%2E/B/secret", headers: asA });
      assert.equal(climb.statusCode, 403);
      const spoof = await app.inject({
        method: "GET",
        url: "/repo/devices/A/mine",
        headers: { ...asA, [HDR_DEVID]: "B" },
      });
      assert.equal(spoof.statusCode, 403);
      assert.equal(new TextDecoder().decode((await store.repository.get("secret", "B"))?.body), "[]");

      // A's own upload works, and only A reads it back.
      const own = await app.inject({
        method: "POST",
        url: "/repo/devices/A/report",
        headers: { ...asA, "content-type": MT_MO_JSON },
        payload: MO_BODY,
      });
      assert.equal(own.statusCode, 201);
      const location = new URL(String(own.headers.location)).pathname;
      assert.equal((await app.inject({ method: "GET", url: location, headers: asA })).statusCode, 200);
      assert.equal(
        (await app.inject({ method: "GET", url: location, headers: { authorization: "Device B" } })).statusCode,
        404,
      );
      assert.ok(authenticator.calls.length >= 9, "every request went through the authenticator");
    });
  });
}
