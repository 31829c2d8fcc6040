// The Data Repository over real loopback sockets (fastify on 127.0.0.1 port 0, undici and node:http clients, a
// real SQLite file as the store): what a DM Client's HGET/HPUT/HPOST/SUB requests meet on the wire, including a
// chunked upload that runs over the size limit.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request as httpRequest } from "node:http";
import { Agent, request } from "undici";
import type { FastifyInstance } from "fastify";
import { HDR_ACCEPT, HDR_DEVID, MT_MO_JSON } from "@omadm/protocol";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { createRepositoryService, type RepositoryService } from "../src/repository/service.js";
import { repositoryPlugin } from "../src/repository/plugin.js";
import { openHandles } from "../../../test-support/async-inbox.js";
import { edgeApp } from "./edge-support.js";
import { capabilityUrl } from "./capability-support.js";

const LIMIT = 16 * 1024;
const MO = JSON.stringify([{ ClientURI: "urn:oma:mo:oma-dm-devinfo:1.0/1/", MOData: { DevInfo: { DevID: "dev-1" } } }]);

let app: FastifyInstance;
let store: Store;
let dataDir: string;
let service: RepositoryService;
let origin: string;
const agent = new Agent({ connections: 4 });

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "omadm-repo-sock-"));
  store = await openSqliteStore({ clock: { now: () => Date.now() } }, { dataDir });
  await store.devices.create({ id: "dev-1" });
  app = edgeApp();
  // The port is known only after listening, so the plugin's own base URL is a placeholder (it only shapes the
  // upload Locations); the test builds ServerURIs with a service over the real origin, as the REST API would.
  await app.register(repositoryPlugin, {
    store,
    publicBaseUrl: "http://placeholder.invalid",
    limits: { maxUploadBytes: LIMIT },
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  assert.ok(address !== null && typeof address === "object");
  origin = `http://127.0.0.1:${address.port}`;
  service = createRepositoryService({ store }, { publicBaseUrl: origin, limits: { maxUploadBytes: LIMIT } });
});

after(async () => {
  await agent.close();
  await app.close();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
  assert.deepEqual(await openHandles(), [], "sockets or timers left open");
});

test("over a socket: the operator stores content, the device HGETs it by its ServerURI, then revalidates (304)", async () => {
  await service.putItem({
    deviceId: null,
    path: "mo/devinfo.json",
    mediaType: MT_MO_JSON,
    body: new TextEncoder().encode(MO),
  });
  const serverUri = service.itemUrl({ deviceId: null, path: "mo/devinfo.json" });
  assert.equal(serverUri, `${origin}/repo/shared/mo/devinfo.json`);
  const res = await request(serverUri, {
    dispatcher: agent,
    headers: { accept: "application/json", [HDR_DEVID]: "dev-1" },
  });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers["content-type"], "application/json");
  assert.equal(await res.body.text(), MO);
  const etag = String(res.headers.etag);
  const again = await request(serverUri, { dispatcher: agent, headers: { "if-none-match": etag } });
  assert.equal(again.statusCode, 304);
  assert.equal(await again.body.text(), "");
  assert.equal(again.headers[HDR_ACCEPT.toLowerCase()], service.omadmAccept);
});

test("over a socket: HPUT creates the per-device item, a later HGET of the same ServerURI returns it", async () => {
  const serverUri = service.itemUrl({ deviceId: "dev-1", path: "sub/devinfo" });
  const put = await request(await capabilityUrl(store, serverUri), {
    dispatcher: agent,
    method: "PUT",
    headers: { "content-type": MT_MO_JSON, [HDR_DEVID]: "dev-1" },
    body: MO,
  });
  assert.equal(put.statusCode, 201);
  const receipt = (await put.body.json()) as { id: string; clientUris: string[] };
  assert.equal(put.headers.location, `http://placeholder.invalid/repo/uploads/${receipt.id}`);
  assert.deepEqual(receipt.clientUris, ["urn:oma:mo:oma-dm-devinfo:1.0/1/"]);
  const get = await request(serverUri, { dispatcher: agent, headers: { accept: MT_MO_JSON } });
  assert.equal(get.statusCode, 200);
  assert.equal(get.headers.etag, put.headers.etag);
  assert.equal(await get.body.text(), MO);
});

test("over a socket: 415 for an unsupported upload type carries OMADM-Accept", async () => {
  const res = await request(await capabilityUrl(store, service.itemUrl({ deviceId: "dev-1", path: "sub/x" })), {
    dispatcher: agent,
    method: "PUT",
    headers: { "content-type": "application/xml" },
    body: "<x/>",
  });
  assert.equal(res.statusCode, 415);
  assert.equal(res.headers[HDR_ACCEPT.toLowerCase()], service.omadmAccept);
  const problem = (await res.body.json()) as { supported: string[] };
  assert.deepEqual(problem.supported, service.uploadTypes);
});

test("over a socket: a chunked upload that grows past the limit is cut off with 413 and nothing is stored", async () => {
  const before = (await store.repository.listUploads({ deviceId: "dev-1" })).items.length;
  const url = new URL(await capabilityUrl(store, service.itemUrl({ deviceId: "dev-1", path: "big" })));
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: "POST",
        headers: { "content-type": MT_MO_JSON },
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on("error", reject);
    // No Content-Length: the body is chunked, so only counting while reading can catch it.
    const chunk = Buffer.alloc(1024, 0x20);
    for (let written = 0; written <= LIMIT * 2; written += chunk.length) req.write(chunk);
    req.end();
  });
  assert.equal(status, 413);
  assert.equal((await store.repository.listUploads({ deviceId: "dev-1" })).items.length, before);
  assert.equal(await store.repository.get("big", "dev-1"), null);
});
