// /api/v1/repository and /api/v1/uploads with the real Data Repository service: operators put content of any
// media type for HGET (shared or per device; JSON MO data checked, docs/protocol.md §7.1), read it back byte for
// byte with its ETag, list and delete it, write conditionally with If-Match; what devices uploaded (HPUT, HPOST)
// is listed and downloadable.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { MT_MO_JSON } from "@omadm/protocol";
import { ServerErrorCode } from "../src/errors.js";
import { createRepositoryService } from "../src/repository/service.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { apiRig, assertProblem, body, type ApiRig } from "./api-support.js";
import { sequentialIds, TestClock } from "./store-contract-support.js";

const BASE = "https://dm.example.com";
const MO = JSON.stringify([
  { ClientURI: "urn:oma:mo:oma-fumo:1.0/fw/DownloadAndUpdate/PkgURL", MOData: { PkgURL: "https://cdn.example/fw" } },
]);
let rig: ApiRig;

before(async () => {
  const clock = new TestClock();
  const store = createMemoryStore({ clock, newId: sequentialIds("r") });
  await store.devices.create({ id: "gw-1" });
  rig = await apiRig({ store, repository: createRepositoryService({ store }, { publicBaseUrl: BASE }) });
});
after(async () => {
  await rig.close();
});

function put(
  path: string,
  payload: string | Buffer,
  contentType: string,
  extra: Record<string, string> = {},
  deviceId?: string,
) {
  const q = new URLSearchParams({ path, ...(deviceId === undefined ? {} : { deviceId }) });
  return rig.app.inject({
    method: "PUT",
    url: `/api/v1/repository/content?${q.toString()}`,
    headers: { "content-type": contentType, ...extra },
    payload,
  });
}

test("PUT then GET: any media type, byte for byte, with its ETag and the ServerURI for commands", async () => {
  const bytes = Buffer.from([0, 1, 2, 250, 251, 255]);
  const res = await put("fw/2.1/image.bin", bytes, "application/octet-stream");
  assert.equal(res.statusCode, 200, res.body);
  const item = body(res);
  assert.equal(item["path"], "fw/2.1/image.bin");
  assert.equal(item["deviceId"], null);
  assert.equal(item["size"], 6);
  assert.equal(item["mediaType"], "application/octet-stream");
  assert.equal(res.headers.etag, item["etag"]);
  assert.equal(item["url"], `${BASE}/repo/shared/fw/2.1/image.bin`);
  const got = await rig.app.inject({ method: "GET", url: "/api/v1/repository/content?path=fw/2.1/image.bin" });
  assert.equal(got.statusCode, 200);
  assert.equal(got.headers["content-type"], "application/octet-stream");
  assert.equal(got.headers.etag, item["etag"]);
  assert.deepEqual(got.rawPayload, bytes);
});

test("per-device JSON MO data is checked: a good item is stored for the device, a malformed one refused by name", async () => {
  const ok = await put("config.json", MO, MT_MO_JSON, {}, "gw-1");
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(body(ok)["deviceId"], "gw-1");
  assert.equal(body(ok)["url"], `${BASE}/repo/devices/gw-1/config.json`);
  const bad = await put("bad.json", JSON.stringify([{ ClientURI: "nope", MOData: {} }]), MT_MO_JSON, {}, "gw-1");
  assertProblem(bad, 400, ServerErrorCode.REPOSITORY_BAD_CONTENT, ["ClientURI"]);
  assertProblem(await put("x.json", MO, MT_MO_JSON, {}, "ghost"), 404, ServerErrorCode.DEVICE_NOT_FOUND);
  assertProblem(await put("../escape", "x", "text/plain"), 400, ServerErrorCode.REPOSITORY_BAD_PATH, [".."]);
  const noType = await rig.app.inject({ method: "PUT", url: "/api/v1/repository/content?path=a", payload: "x" });
  assertProblem(noType, 400, ServerErrorCode.INVALID_INPUT, ["Content-Type"]);
  const shared = await rig.app.inject({ method: "GET", url: "/api/v1/repository/content?path=config.json" });
  assertProblem(shared, 404, ServerErrorCode.REPOSITORY_ITEM_NOT_FOUND, ["shared"]);
});

test("If-Match: a stale ETag is 412 and changes nothing; the current one replaces the item with a new ETag", async () => {
  const first = body(await put("cond.txt", "one", "text/plain"));
  const etag = String(first["etag"]);
  const second = await put("cond.txt", "two", "text/plain", { "if-match": etag });
  assert.equal(second.statusCode, 200);
  assert.notEqual(body(second)["etag"], etag);
  assertProblem(
    await put("cond.txt", "three", "text/plain", { "if-match": etag }),
    412,
    ServerErrorCode.REPOSITORY_PRECONDITION_FAILED,
  );
  const got = await rig.app.inject({ method: "GET", url: "/api/v1/repository/content?path=cond.txt" });
  assert.equal(got.body, "two");
});

test("GET /repository lists shared, per-device or all items by prefix, paged; DELETE removes one", async () => {
  await put("list/a", "a", "text/plain");
  await put("list/b", "b", "text/plain");
  await put("list/c", "c", "text/plain", {}, "gw-1");
  const shared = body(await rig.app.inject({ method: "GET", url: "/api/v1/repository?shared=true&pathPrefix=list/" }));
  assert.deepEqual(
    shared.items?.map((i) => i["path"]),
    ["list/a", "list/b"],
  );
  const dev = body(await rig.app.inject({ method: "GET", url: "/api/v1/repository?deviceId=gw-1&pathPrefix=list/" }));
  assert.deepEqual(
    dev.items?.map((i) => i["path"]),
    ["list/c"],
  );
  const page1 = body(await rig.app.inject({ method: "GET", url: "/api/v1/repository?pathPrefix=list/&limit=2" }));
  assert.equal(page1.items?.length, 2);
  const cursor = encodeURIComponent(String(page1["nextCursor"]));
  const page2 = body(
    await rig.app.inject({ method: "GET", url: `/api/v1/repository?pathPrefix=list/&limit=2&cursor=${cursor}` }),
  );
  assert.deepEqual(
    page2.items?.map((i) => [i["path"], i["deviceId"]]),
    [["list/c", "gw-1"]],
  );
  assert.equal(page2["nextCursor"], null);
  assertProblem(
    await rig.app.inject({ method: "GET", url: "/api/v1/repository?shared=true&deviceId=gw-1" }),
    400,
    ServerErrorCode.INVALID_INPUT,
    ["not both"],
  );
  const del = await rig.app.inject({ method: "DELETE", url: "/api/v1/repository/content?path=list/a" });
  assert.equal(del.statusCode, 204);
  assertProblem(
    await rig.app.inject({ method: "DELETE", url: "/api/v1/repository/content?path=list/a" }),
    404,
    ServerErrorCode.REPOSITORY_ITEM_NOT_FOUND,
  );
});

test("uploads a device sent (HPUT, HPOST) are listed with metadata and downloadable", async () => {
  const repository = createRepositoryService({ store: rig.store }, { publicBaseUrl: BASE });
  const receipt = await repository.receiveUpload({
    deviceId: "gw-1",
    path: "reports/inventory",
    method: "POST",
    contentType: MT_MO_JSON,
    body: new TextEncoder().encode(MO),
  });
  const list = body(await rig.app.inject({ method: "GET", url: "/api/v1/uploads?deviceId=gw-1" }));
  const listed = list.items?.find((u) => u["id"] === receipt.upload.id);
  assert.ok(listed, "the upload is listed");
  assert.equal(listed["method"], "POST");
  assert.deepEqual(listed["clientUris"], ["urn:oma:mo:oma-fumo:1.0/fw/DownloadAndUpdate/PkgURL"]);
  const meta = await rig.app.inject({ method: "GET", url: `/api/v1/uploads/${receipt.upload.id}` });
  assert.equal(body(meta)["size"], Buffer.byteLength(MO));
  const content = await rig.app.inject({ method: "GET", url: `/api/v1/uploads/${receipt.upload.id}/content` });
  assert.equal(content.statusCode, 200);
  assert.equal(content.headers["content-type"], MT_MO_JSON);
  assert.equal(content.body, MO);
  assertProblem(
    await rig.app.inject({ method: "GET", url: "/api/v1/uploads/none" }),
    404,
    ServerErrorCode.REPOSITORY_ITEM_NOT_FOUND,
  );
  assertProblem(
    await rig.app.inject({ method: "GET", url: "/api/v1/uploads/none/content" }),
    404,
    ServerErrorCode.REPOSITORY_ITEM_NOT_FOUND,
  );
});

test("an item over the API's repository body limit is 413", async () => {
  const clock = new TestClock();
  const store = createMemoryStore({ clock });
  const small = await apiRig({
    store,
    repositoryBodyLimit: 8,
    repository: createRepositoryService({ store }, { publicBaseUrl: BASE }),
  });
  try {
    const res = await small.app.inject({
      method: "PUT",
      url: "/api/v1/repository/content?path=big",
      headers: { "content-type": "text/plain" },
      payload: "123456789",
    });
    assertProblem(res, 413, ServerErrorCode.API_PAYLOAD_TOO_LARGE);
    assert.equal((await store.repository.list()).items.length, 0);
  } finally {
    await small.close();
  }
});

test("without the Data Repository the routes are 501 naming the option", async () => {
  const bare = await apiRig();
  try {
    for (const url of ["/api/v1/repository", "/api/v1/uploads", "/api/v1/repository/content?path=a"]) {
      assertProblem(await bare.app.inject({ method: "GET", url }), 501, ServerErrorCode.API_COMPONENT_UNAVAILABLE, [
        '"repository"',
      ]);
    }
  } finally {
    await bare.close();
  }
});
