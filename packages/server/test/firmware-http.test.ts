// Firmware images over real sockets (127.0.0.1, port 0) on the whole server with a SQLite store in a temp
// directory (docs/firmware.md): the upload streamed to a private file with its SHA-256 and size; the device-facing
// download with ETag, Range (206), If-Range, 416, If-None-Match and HEAD; the FUMO HGET source; list, read and
// delete; the size limit; and the device authentication the download shares with /dm and /repo.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { request } from "undici";
import { MOID_FUMO, splitPkgUrl } from "@omadm/protocol";
import type { OmadmServer } from "../src/app.js";
import { ServerErrorCode } from "../src/errors.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { digestAuthorization, parseChallenge } from "./auth-support.js";
import { manualClock, startServer, tempDir } from "./dm-support.js";

const C = ServerErrorCode;
const dir = tempDir("omadm-firmware-");
const image = randomBytes(300_000);
const sha = createHash("sha256").update(image).digest("hex");
let store: Store;
let server: OmadmServer;
let base: string;

before(async () => {
  const clock = manualClock();
  store = await openSqliteStore({ clock }, { dataDir: dir.path });
  ({ server, base } = await startServer(store, clock, { dataDir: dir.path, firmware: { maxImageBytes: 400_000 } }));
});

after(async () => {
  await server.stop();
  await store.close();
  dir.remove();
});

/** The image in 16 KiB chunks, so the server reads a stream of many pieces. */
function chunked(bytes: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 16_384) parts.push(bytes.subarray(i, i + 16_384));
  return Readable.from(parts);
}

async function upload(bytes: Buffer, query = "name=hgw-fw&version=2.0.0&model=HGW-1") {
  const res = await request(`${base}/api/v1/firmware?${query}`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: chunked(bytes),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

async function get(url: string, headers: Record<string, string> = {}, method: "GET" | "HEAD" = "GET") {
  const res = await request(url, { method, headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}

const problemCode = (body: Buffer) => (JSON.parse(body.toString()) as { code?: string }).code;

const firmwareFiles = () => readdirSync(join(dir.path, "firmware"));

test("firmware: upload streams to a private file with SHA-256 and size; downloads resume by Range", async () => {
  const up = await upload(image);
  assert.equal(up.status, 201, JSON.stringify(up.body));
  const view = up.body;
  assert.equal(view.sha256, sha);
  assert.equal(view.size, image.length);
  assert.equal(view.model, "HGW-1");
  assert.equal(view.manufacturer, null);
  const id = String(view.id);
  const downloadUrl = String(view.downloadUrl);
  assert.equal(downloadUrl, `${base}/firmware/${id}`);
  assert.deepEqual(splitPkgUrl(String(view.pkgUrl)), { url: downloadUrl, sha256: sha });
  assert.equal(statSync(join(dir.path, "firmware", `${id}.bin`)).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir.path, "firmware")).mode & 0o777, 0o700);
  assert.deepEqual(firmwareFiles(), [`${id}.bin`], "no temporary file left");

  const whole = await get(downloadUrl);
  assert.equal(whole.status, 200);
  assert.ok(whole.body.equals(image));
  assert.equal(whole.headers.etag, `"${sha}"`);
  assert.equal(whole.headers["accept-ranges"], "bytes");
  assert.equal(whole.headers["content-length"], String(image.length));

  const rest = await get(downloadUrl, { range: "bytes=1000-" });
  assert.equal(rest.status, 206);
  assert.equal(rest.headers["content-range"], `bytes 1000-${image.length - 1}/${image.length}`);
  assert.ok(rest.body.equals(image.subarray(1000)));

  const middle = await get(downloadUrl, { range: "bytes=10-19", "if-range": `"${sha}"` });
  assert.equal(middle.status, 206);
  assert.ok(middle.body.equals(image.subarray(10, 20)));

  const suffix = await get(downloadUrl, { range: "bytes=-100" });
  assert.equal(suffix.status, 206);
  assert.ok(suffix.body.equals(image.subarray(image.length - 100)));

  // If-Range naming another image: the whole (current) image, never a splice.
  const changed = await get(downloadUrl, { range: "bytes=1000-", "if-range": `"${"0".repeat(64)}"` });
  assert.equal(changed.status, 200);
  assert.ok(changed.body.equals(image));

  const past = await get(downloadUrl, { range: `bytes=${image.length}-` });
  assert.equal(past.status, 416);
  assert.equal(past.headers["content-range"], `bytes */${image.length}`);
  assert.equal(problemCode(past.body), C.FIRMWARE_RANGE_NOT_SATISFIABLE);

  const head = await get(downloadUrl, {}, "HEAD");
  assert.equal(head.status, 200);
  assert.equal(head.headers["content-length"], String(image.length));
  assert.equal(head.body.length, 0);

  const cached = await get(downloadUrl, { "if-none-match": `"${sha}"` });
  assert.equal(cached.status, 304);

  const fumo = await get(String(view.fumoDataUrl));
  assert.equal(fumo.status, 200);
  assert.match(String(fumo.headers["content-type"]), /^application\/dmmo\+json/);
  assert.deepEqual(JSON.parse(fumo.body.toString()), [
    { ClientURI: `${MOID_FUMO}//PkgName`, MOData: { PkgName: "hgw-fw" } },
    { ClientURI: `${MOID_FUMO}//PkgVersion`, MOData: { PkgVersion: "2.0.0" } },
    { ClientURI: `${MOID_FUMO}//Download/PkgURL`, MOData: { PkgURL: view.pkgUrl } },
    { ClientURI: `${MOID_FUMO}//DownloadAndUpdate/PkgURL`, MOData: { PkgURL: view.pkgUrl } },
  ]);

  const listed = await get(`${base}/api/v1/firmware`);
  assert.deepEqual(
    (JSON.parse(listed.body.toString()) as { items: { id: string }[] }).items.map((i) => i.id),
    [id],
  );
  const shown = await get(`${base}/api/v1/firmware/${id}`);
  assert.deepEqual(JSON.parse(shown.body.toString()), view);

  const deleted = await request(`${base}/api/v1/firmware/${id}`, { method: "DELETE" });
  assert.equal(deleted.statusCode, 204);
  await deleted.body.dump();
  assert.deepEqual(firmwareFiles(), []);
  const gone = await get(downloadUrl);
  assert.equal(gone.status, 404);
  assert.equal(problemCode(gone.body), C.FIRMWARE_NOT_FOUND);
  const again = await request(`${base}/api/v1/firmware/${id}`, { method: "DELETE" });
  assert.equal(again.statusCode, 404);
  await again.body.dump();
});

test("firmware: an image past firmware.maxImageBytes is 413 and leaves nothing; bad metadata is 400", async () => {
  const before = firmwareFiles();
  // Chunked (no Content-Length): the limit is found while streaming.
  const big = await upload(randomBytes(450_000));
  assert.equal(big.status, 413);
  assert.equal(big.body.code, C.FIRMWARE_TOO_LARGE);
  assert.deepEqual(firmwareFiles(), before);
  const noVersion = await upload(randomBytes(10), "name=x");
  assert.equal(noVersion.status, 400);
  assert.deepEqual(firmwareFiles(), before);
  assert.equal((await store.firmware.list()).items.length, 0);
  const empty = await upload(Buffer.alloc(0), "name=empty&version=0");
  assert.equal(empty.status, 201);
  assert.equal(empty.body.sha256, createHash("sha256").digest("hex"));
  const got = await get(String(empty.body.downloadUrl));
  assert.equal(got.status, 200);
  assert.equal(got.body.length, 0);
  const emptyRange = await get(String(empty.body.downloadUrl), { range: "bytes=0-" });
  assert.equal(emptyRange.status, 416);
});

test("firmware: with device authentication on, the download needs the device's credentials", async () => {
  const clock = manualClock();
  const authDir = tempDir("omadm-firmware-auth-");
  const authStore = await openSqliteStore({ clock }, { dataDir: authDir.path });
  const started = await startServer(authStore, clock, { dataDir: authDir.path, deviceAuth: { modes: ["digest"] } });
  try {
    const up = await request(`${started.base}/api/v1/firmware?name=a&version=1`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: "firmware",
    });
    const view = (await up.body.json()) as { downloadUrl: string };
    const created = await request(`${started.base}/api/v1/devices`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "IMEI:1", http: { type: "digest", username: "dev1", password: "s3cret" } }),
    });
    assert.equal(created.statusCode, 201);
    await created.body.dump();
    const anonymous = await get(view.downloadUrl, { "OMADM-DevID": "IMEI:1" });
    assert.equal(anonymous.status, 401, anonymous.body.toString());
    assert.equal(problemCode(anonymous.body), C.FIRMWARE_UNAUTHORIZED);
    const challenges = anonymous.headers["www-authenticate"];
    const challenge = parseChallenge(String(Array.isArray(challenges) ? challenges[0] : challenges));
    const uri = new URL(view.downloadUrl).pathname;
    const authorization = digestAuthorization(challenge, {
      username: "dev1",
      password: "s3cret",
      method: "GET",
      uri,
      nc: 1,
    });
    const allowed = await get(view.downloadUrl, { "OMADM-DevID": "IMEI:1", authorization });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body.toString(), "firmware");
  } finally {
    await started.server.stop();
    await authStore.close();
    authDir.remove();
  }
});
