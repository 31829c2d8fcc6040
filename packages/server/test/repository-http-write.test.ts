// The Data Repository's writes over fastify inject() (docs/protocol.md §4.2, §4.10, §1.6): HPUT/HPOST/SUB uploads
// with Content-Type checks, content validation, size limits, If-Match, capability URLs and quotas.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HDR_ACCEPT, HDR_DEVID, MT_MO_JSON, MT_TNDS_XML } from "@omadm/protocol";
import { ServerErrorCode } from "../src/errors.js";
import { capabilityUrl as up } from "./capability-support.js";
import { DEVINFO, MO_BODY, OMADM_ACCEPT, STORES, bytes, harnessFor, problem } from "./repository-http-support.js";

for (const kind of STORES) {
  const withHarness = harnessFor(kind);

  test(`[${kind.name}] HPUT: good MO data is recorded as an upload and replaces the device's item (new ETag, 201 then 204)`, async () => {
    await withHarness({}, async ({ app, store }) => {
      const put = async (payload: string) =>
        app.inject({
          method: "PUT",
          url: await up(store, "/repo/devices/A/sub/devinfo"),
          headers: { "content-type": `${MT_MO_JSON}; charset=utf-8`, [HDR_DEVID]: "A" },
          payload,
        });
      const created = await put(MO_BODY);
      assert.equal(created.statusCode, 201);
      assert.equal(created.headers[HDR_ACCEPT.toLowerCase()], OMADM_ACCEPT);
      const location = String(created.headers.location);
      assert.match(location, /^http:\/\/repo\.test\/repo\/uploads\/[^/]+$/);
      const uploadId = decodeURIComponent(location.split("/").pop() ?? "");
      const upload = await store.repository.getUpload(uploadId);
      assert.ok(upload !== null);
      assert.equal(upload.deviceId, "A");
      assert.equal(upload.path, "sub/devinfo");
      assert.equal(upload.method, "PUT");
      assert.equal(upload.mediaType, MT_MO_JSON);
      assert.deepEqual(upload.clientUris, ["urn:oma:mo:oma-dm-devinfo:1.0/1/"]);
      assert.equal(new TextDecoder().decode(upload.body), MO_BODY);
      assert.equal(created.json<{ id: string }>().id, uploadId);

      const firstGet = await app.inject({ method: "GET", url: "/repo/devices/A/sub/devinfo" });
      assert.equal(firstGet.body, MO_BODY);
      assert.equal(firstGet.headers.etag, created.headers.etag);

      const changed = JSON.stringify([{ ...DEVINFO[0], MOData: { DevInfo: { DevID: "A", Lang: "fr" } } }]);
      const replaced = await put(changed);
      assert.equal(replaced.statusCode, 204);
      assert.notEqual(replaced.headers.location, location);
      const latest = await app.inject({ method: "GET", url: "/repo/devices/A/sub/devinfo" });
      assert.equal(latest.body, changed);
      assert.equal(latest.headers.etag, replaced.headers.etag);
      assert.notEqual(latest.headers.etag, firstGet.headers.etag);
      const uploads = await store.repository.listUploads({ deviceId: "A" });
      assert.equal(uploads.items.length, 2);
    });
  });

  test(`[${kind.name}] HPOST: recorded as an upload (201 + Location), the item is left alone; TNDS is accepted as bytes`, async () => {
    await withHarness({}, async ({ app, store }) => {
      const res = await app.inject({
        method: "POST",
        url: await up(store, "/repo/devices/A/inventory"),
        headers: { "content-type": MT_TNDS_XML },
        payload: "<MgmtTree><VerDTD>1.2</VerDTD></MgmtTree>",
      });
      assert.equal(res.statusCode, 201);
      const uploads = await store.repository.listUploads({ deviceId: "A" });
      assert.equal(uploads.items.length, 1);
      const info = uploads.items[0];
      assert.ok(info !== undefined);
      assert.equal(info.method, "POST");
      assert.equal(info.mediaType, MT_TNDS_XML);
      assert.equal(info.clientUris, null);
      assert.equal(await store.repository.get("inventory", "A"), null);
      // The device reads its upload back at the Location.
      const back = await app.inject({ method: "GET", url: new URL(String(res.headers.location)).pathname });
      assert.equal(back.statusCode, 200);
      assert.equal(back.body, "<MgmtTree><VerDTD>1.2</VerDTD></MgmtTree>");
      const otherDevice = await app.inject({
        method: "GET",
        url: new URL(String(res.headers.location)).pathname,
        headers: { [HDR_DEVID]: "B" },
      });
      assert.equal(otherDevice.statusCode, 404);
    });
  });

  test(`[${kind.name}] SUB/HPUT in an unsupported format → 415 with OMADM-Accept listing the supported types; nothing stored`, async () => {
    await withHarness({ extraUploadTypes: ["text/csv"] }, async ({ app, store }) => {
      for (const headers of [{ "content-type": "text/plain" }, {}, { "content-type": "garbage" }]) {
        const res = await app.inject({
          method: "PUT",
          url: await up(store, "/repo/devices/A/sub/x"),
          headers,
          payload: "a,b",
        });
        assert.equal(res.statusCode, 415, JSON.stringify(headers));
        assert.equal(res.headers[HDR_ACCEPT.toLowerCase()], `${OMADM_ACCEPT}, text/csv`);
        const body = problem(res);
        assert.equal(body.code, ServerErrorCode.REPOSITORY_UNSUPPORTED_MEDIA_TYPE);
        assert.deepEqual(body.supported, [
          MT_MO_JSON,
          "application/json",
          "application/vnd.oma.dm.mo+json",
          MT_TNDS_XML,
          "text/csv",
        ]);
      }
      const csv = await app.inject({
        method: "PUT",
        url: await up(store, "/repo/devices/A/sub/x"),
        headers: { "content-type": "text/csv" },
        payload: "a,b",
      });
      assert.equal(csv.statusCode, 201, "a configured extra type is accepted");
      assert.equal((await store.repository.listUploads({ deviceId: "A" })).items.length, 1);
    });
  });

  test(`[${kind.name}] malformed MO JSON → 400 naming the path and the rule, and nothing is stored`, async () => {
    await withHarness({}, async ({ app, store }) => {
      const cases: [string, string | undefined, RegExp][] = [
        ['[{"ClientURI":"urn:oma:mo:oma-dm-devinfo:1.0/1/"}]', "$[0].MOData", /MOData is required/],
        ['[{"ClientURI":"urn:oma:mo:x:1.0/1/","MOData":{}},{"ClientURI":"bad","MOData":{}}]', "$[1].ClientURI", /MOID/],
        ['{"ClientURI":7,"MOData":{}}', "$.ClientURI", /must be a string/],
        ["[{", undefined, /JSON/i],
        ["", undefined, /./],
      ];
      for (const [payload, path, rule] of cases) {
        const res = await app.inject({
          method: "PUT",
          url: await up(store, "/repo/devices/A/sub/devinfo"),
          headers: { "content-type": "application/json" },
          payload,
        });
        assert.equal(res.statusCode, 400, payload);
        const body = problem(res);
        assert.equal(body.code, ServerErrorCode.REPOSITORY_BAD_CONTENT);
        assert.match(String(body.detail), rule, payload);
        if (path !== undefined) {
          assert.equal(body.path, path, payload);
          assert.ok(String(body.detail).includes(path), `${payload}: detail names the path`);
        }
      }
      assert.equal(await store.repository.get("sub/devinfo", "A"), null);
      assert.equal((await store.repository.listUploads()).items.length, 0);
    });
  });

  test(`[${kind.name}] a body over the limit → 413, nothing stored`, async () => {
    await withHarness({ limits: { maxUploadBytes: 64 } }, async ({ app, store }) => {
      const big = JSON.stringify([{ ClientURI: "urn:oma:mo:x:1.0/1/", MOData: { x: "y".repeat(100) } }]);
      const res = await app.inject({
        method: "PUT",
        url: await up(store, "/repo/devices/A/x"),
        headers: { "content-type": MT_MO_JSON },
        payload: big,
      });
      assert.equal(res.statusCode, 413);
      assert.equal(res.headers[HDR_ACCEPT.toLowerCase()], OMADM_ACCEPT);
      assert.equal(problem(res).code, ServerErrorCode.REPOSITORY_TOO_LARGE);
      assert.match(String(problem(res).detail), /64 bytes/);
      const small = await app.inject({
        method: "PUT",
        url: await up(store, "/repo/devices/A/x"),
        headers: { "content-type": MT_MO_JSON },
        payload: "[]",
      });
      assert.equal(small.statusCode, 201);
      assert.equal((await store.repository.listUploads()).items.length, 1);
    });
  });

  test(`[${kind.name}] If-Match on HPUT: the current ETag writes, a stale one → 412, * on a missing item → 412, malformed → 400`, async () => {
    await withHarness({}, async ({ app, store }) => {
      const put = async (ifMatch: string | undefined, payload = "[]") =>
        app.inject({
          method: "PUT",
          url: await up(store, "/repo/devices/A/cfg"),
          headers: { "content-type": MT_MO_JSON, ...(ifMatch === undefined ? {} : { "if-match": ifMatch }) },
          payload,
        });
      const star = await put("*");
      assert.equal(star.statusCode, 412);
      assert.equal(problem(star).code, ServerErrorCode.REPOSITORY_PRECONDITION_FAILED);
      const first = await put(undefined);
      assert.equal(first.statusCode, 201);
      const etag = String(first.headers.etag);
      const ok = await put(etag, MO_BODY);
      assert.equal(ok.statusCode, 204);
      const stale = await put(etag, '[{"ClientURI":"urn:oma:mo:x:1.0/1/","MOData":{}}]');
      assert.equal(stale.statusCode, 412);
      assert.match(String(problem(stale).detail), /ETag/);
      assert.equal((await put("not-an-etag")).statusCode, 400);
      // Only the two accepted PUTs were recorded; the item holds the last accepted body.
      assert.equal((await store.repository.listUploads({ deviceId: "A" })).items.length, 2);
      assert.equal(new TextDecoder().decode((await store.repository.get("cfg", "A"))?.body), MO_BODY);
    });
  });

  test(`[${kind.name}] uploads: only per device (shared is read-only → 403), unknown device → 403, bad path → 400, other methods → 405`, async () => {
    await withHarness({}, async ({ app, store }) => {
      const json = { "content-type": MT_MO_JSON };
      const shared = await app.inject({ method: "PUT", url: "/repo/shared/x", headers: json, payload: "[]" });
      assert.equal(shared.statusCode, 403);
      assert.equal(problem(shared).code, ServerErrorCode.REPOSITORY_FORBIDDEN);
      const unknown = await app.inject({ method: "POST", url: "/repo/devices/ZZ/x", headers: json, payload: "[]" });
      assert.equal(unknown.statusCode, 403);
      assert.match(String(problem(unknown).detail), /capability URL/);
      for (const url of ["/repo/devices/A/a%00b", "/repo/devices/A/a//b", "/repo/devices/A/"]) {
        const bad = await app.inject({ method: "PUT", url: await up(store, url), headers: json, payload: "[]" });
        assert.equal(bad.statusCode, 400, url);
        assert.equal(problem(bad).code, ServerErrorCode.REPOSITORY_BAD_PATH, url);
      }
      const mismatch = await app.inject({
        method: "PUT",
        url: await up(store, "/repo/devices/A/x"),
        headers: { ...json, [HDR_DEVID]: "B" },
        payload: "[]",
      });
      assert.equal(mismatch.statusCode, 403);
      const del = await app.inject({ method: "DELETE", url: "/repo/devices/A/x" });
      assert.equal(del.statusCode, 405);
      assert.equal(del.headers.allow, "GET, HEAD, PUT, POST");
      assert.equal(del.headers[HDR_ACCEPT.toLowerCase()], OMADM_ACCEPT);
      const elsewhere = await app.inject({ method: "GET", url: "/repo/elsewhere" });
      assert.equal(elsewhere.statusCode, 404);
      assert.match(String(problem(elsewhere).detail), /\/repo\/shared\/<path>/);
      assert.equal((await store.repository.listUploads()).items.length, 0);
    });
  });

  test(`[${kind.name}] capability URLs: an anonymous write is refused; the token writes only its own item and links the upload`, async () => {
    await withHarness({}, async ({ app, store }) => {
      await store.repository.put({
        path: "cfg/settings.json",
        deviceId: "A",
        mediaType: MT_MO_JSON,
        body: bytes("[]"),
      });
      const json = { "content-type": MT_MO_JSON, [HDR_DEVID]: "A" };
      const item = "/repo/devices/A/cfg/settings.json";
      const anonymous = await app.inject({ method: "PUT", url: item, headers: json, payload: MO_BODY });
      assert.equal(anonymous.statusCode, 403);
      assert.equal(problem(anonymous).code, ServerErrorCode.REPOSITORY_FORBIDDEN);
      const forged = await app.inject({
        method: "PUT",
        url: `${item}?cap=${"x".repeat(32)}`,
        headers: json,
        payload: "[]",
      });
      assert.equal(forged.statusCode, 403, "a made-up token");
      assert.equal(new TextDecoder().decode((await store.repository.get("cfg/settings.json", "A"))?.body), "[]");

      const url = await up(store, "/repo/devices/A/report");
      const elsewhere = url.replace("/report?", "/other?");
      assert.equal((await app.inject({ method: "PUT", url: elsewhere, headers: json, payload: "[]" })).statusCode, 403);
      const asB = { ...json, [HDR_DEVID]: "B" };
      assert.equal((await app.inject({ method: "PUT", url, headers: asB, payload: "[]" })).statusCode, 403);
      const readWithUploadToken = await app.inject({ method: "GET", url: await up(store, item), headers: json });
      assert.equal(readWithUploadToken.statusCode, 403, "an upload capability does not read");
      assert.equal((await store.repository.listUploads()).items.length, 0, "nothing refused was stored");

      const ok = await app.inject({ method: "POST", url, headers: json, payload: MO_BODY });
      assert.equal(ok.statusCode, 201);
      const [upload] = (await store.repository.listUploads()).items;
      assert.match(String(upload?.commandId), /^cmd-\d+$/, "the upload names the command whose URL it came to");
      const read = await app.inject({ method: "GET", url: await up(store, item, "read"), headers: json });
      assert.equal(read.statusCode, 200, "a read capability reads the device-private item");
    });
  });

  test(`[${kind.name}] quotas: an upload past the device's bytes or items quota → 507 naming it; nothing stored`, async () => {
    await withHarness({ limits: { deviceQuotaBytes: 100, deviceQuotaItems: 3 } }, async ({ app, store }) => {
      const json = { "content-type": MT_MO_JSON, [HDR_DEVID]: "A" };
      const post = async (payload: string, device = "A") =>
        app.inject({
          method: "POST",
          url: await up(store, `/repo/devices/${device}/log`),
          headers: { ...json, [HDR_DEVID]: device },
          payload,
        });
      assert.equal((await post("[]")).statusCode, 201);
      const big = await post(`[${" ".repeat(120)}]`);
      const overBytes = problem(big);
      assert.equal(big.statusCode, 507);
      assert.equal(overBytes.code, ServerErrorCode.REPOSITORY_QUOTA_EXCEEDED);
      assert.equal(overBytes.quota, "repository.deviceQuotaBytes");
      assert.equal(overBytes.limit, 100);
      assert.equal((await post("[]")).statusCode, 201);
      assert.equal((await post("[]")).statusCode, 201);
      const fourth = await post("[]");
      assert.equal(fourth.statusCode, 507);
      assert.equal(problem(fourth).quota, "repository.deviceQuotaItems");
      assert.equal((await store.repository.listUploads({ deviceId: "A" })).items.length, 3, "nothing over quota kept");
      assert.equal((await post("[]", "B")).statusCode, 201, "another device has its own quota");
    });
  });
}
