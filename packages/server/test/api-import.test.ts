// POST /api/v1/devices/import over a real socket, on the real SQLite store (temp dir) and the real PostgreSQL
// (own schema): NDJSON and CSV with bad lines reported by number, a re-import that changes nothing, credentials
// stored but never echoed, and the limits answered with 413 and the report so far.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import { edgeApp } from "./edge-support.js";
import pg from "pg";
import { request } from "undici";
import { apiPlugin } from "../src/api/api-plugin.js";
import type { ImportLimits } from "../src/api/import-lines.js";
import type { ImportReport } from "../src/api/routes-import.js";
import { ServerErrorCode } from "../src/errors.js";
import { openPostgresStore } from "../src/store/postgres.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { requirePostgres, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { TestClock } from "./store-contract-support.js";

const postgres = await requirePostgres();

/** A report (200) or a problem (4xx; the 413 one carries the report): each test reads what its answer has. */
interface Answer extends ImportReport {
  readonly code: string;
  readonly detail: string;
  readonly report: ImportReport;
}

interface Backend {
  readonly name: string;
  readonly skip: string | false;
  open(): Promise<{ store: Store; dispose(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "sqlite",
    skip: false,
    async open() {
      const dir = await mkdtemp(join(tmpdir(), "omadm-import-"));
      const store = await openSqliteStore({ clock: new TestClock() }, { dataDir: dir });
      return { store, dispose: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: "postgres",
    skip: skipUnlessAvailable(postgres).skip,
    async open() {
      const schema = `omadm_import_${process.pid}_${randomBytes(5).toString("hex")}`;
      const url = serviceUrl(postgres);
      const store = await openPostgresStore({ clock: new TestClock() }, { connectionString: url, schema });
      return {
        store,
        dispose: async () => {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          await client.query(`drop schema if exists ${schema} cascade`);
          await client.end();
        },
      };
    },
  },
];

async function withApi(
  backend: Backend,
  limits: ImportLimits | undefined,
  body: (
    post: (type: string, text: string | Readable) => Promise<{ status: number; json: Answer }>,
    store: Store,
  ) => Promise<void>,
): Promise<void> {
  const opened = await backend.open();
  const { store } = opened;
  const app = edgeApp();
  try {
    await app.register(apiPlugin, { store, importLimits: limits, httpRealm: "omadm" });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    const post = async (type: string, text: string | Readable) => {
      const res = await request(`${base}/api/v1/devices/import`, {
        method: "POST",
        headers: { "content-type": type },
        body: text,
      });
      return { status: res.statusCode, json: (await res.body.json()) as Answer };
    };
    await body(post, store);
  } finally {
    await app.close();
    await store.close();
    await opened.dispose();
  }
}

const SECRET_B64 = Buffer.from("very-secret").toString("base64");

function ndjson(n: number): string {
  const lines: string[] = [];
  for (let i = 1; i <= n; i++) {
    lines.push(
      JSON.stringify({
        id: `IMEI:35900000${String(i).padStart(7, "0")}`,
        labels: { site: i % 2 === 0 ? "even" : "odd" },
        notification: { secret: SECRET_B64, authData: Buffer.from(`IMEI:${i}`).toString("base64") },
        notifyAddress: { udp: { host: "127.0.0.1", port: 40000 + i } },
        http: { type: "digest", username: `user-${i}`, password: "pa55word" },
      }),
    );
  }
  return lines.join("\n") + "\n";
}

for (const backend of backends) {
  describe(`device import (${backend.name})`, { skip: backend.skip }, () => {
    test("NDJSON: imports every good line over several batches, reports bad lines, re-import is unchanged", async () => {
      await withApi(backend, undefined, async (post, store) => {
        const good = ndjson(1203);
        const bad = [
          "not json",
          JSON.stringify({ id: "x", psk: { identity: "p", key: "zz" } }),
          JSON.stringify({ labels: {} }),
          "",
          JSON.stringify({ id: "dup-user", http: { type: "digest", username: "user-1", password: "p" } }),
        ].join("\n");
        const { status, json } = await post("application/x-ndjson", good + bad + "\n");
        assert.equal(status, 200, JSON.stringify(json));
        assert.equal(json.lines, 1207, "blank lines are not counted");
        assert.equal(json.created, 1203);
        assert.equal(json.failed, 4);
        assert.deepEqual(
          json.errors.map((e) => [e.line, e.code]),
          [
            [1204, ServerErrorCode.INVALID_INPUT],
            [1205, ServerErrorCode.INVALID_INPUT],
            [1206, ServerErrorCode.INVALID_INPUT],
            [1208, ServerErrorCode.CREDENTIAL_CONFLICT],
          ],
        );
        assert.match(json.errors[1]!.message, /psk/);
        assert.equal(json.errors[3]!.id, "dup-user");
        const text = JSON.stringify(json);
        for (const secret of [SECRET_B64, "pa55word", "very-secret"]) assert.ok(!text.includes(secret));

        const d = await store.devices.get("IMEI:359000000000002");
        assert.ok(d?.http && d.notification);
        assert.deepEqual(d.labels, { site: "even" });
        assert.equal(d.http.username, "user-2");
        assert.match(d.http.ha1Md5 ?? "", /^[0-9a-f]{32}$/);
        assert.equal(Buffer.from(d.notification.secret).toString(), "very-secret");
        assert.equal((await store.devices.list({ labels: { site: "even" }, limit: 1000 })).items.length, 601);

        const again = await post("application/x-ndjson", good);
        assert.equal(again.status, 200);
        assert.deepEqual(
          [again.json.created, again.json.updated, again.json.unchanged, again.json.failed],
          [0, 0, 1203, 0],
        );
      });
    });

    test("CSV: dotted columns, labels, empty cells left out, bad records reported with their line", async () => {
      await withApi(backend, undefined, async (post, store) => {
        const csv = [
          "id,labels.site,notification.secret,notifyAddress.udp.host,notifyAddress.udp.port,notifyAddress.mqtt.topic",
          `dev-1,lab,${SECRET_B64},127.0.0.1,46001,`,
          `dev-2,field,${SECRET_B64},,,omadm/notify/dev-2`,
          "dev-3,lab,only-three-cells",
          `dev-4,lab,${SECRET_B64},127.0.0.1,not-a-port,`,
          `"dev-5",lab,,127.0.0.1,46005,`,
        ].join("\r\n");
        const { status, json } = await post("text/csv; charset=utf-8", csv);
        assert.equal(status, 200, JSON.stringify(json));
        assert.equal(json.created, 3);
        assert.deepEqual(
          json.errors.map((e) => [e.line, e.code]),
          [
            [4, ServerErrorCode.INVALID_INPUT],
            [5, ServerErrorCode.INVALID_INPUT],
          ],
        );
        assert.deepEqual((await store.devices.get("dev-2"))?.notifyAddress, { mqtt: { topic: "omadm/notify/dev-2" } });
        assert.deepEqual((await store.devices.get("dev-1"))?.notifyAddress, {
          udp: { host: "127.0.0.1", port: 46001 },
        });
        assert.equal((await store.devices.get("dev-5"))?.notification, null);
        const again = await post("text/csv", csv);
        assert.deepEqual([again.json.created, again.json.unchanged, again.json.failed], [0, 3, 2]);
        const unknown = await post("text/csv", "id,colour\nx,red\n");
        assert.equal(unknown.status, 400);
        assert.equal(unknown.json.code, ServerErrorCode.INVALID_INPUT);
        assert.match(unknown.json.detail, /colour/);
        assert.equal(await store.devices.get("x"), null);
      });
    });
  });
}

test("device import: past the line or byte limit, 413 with the report of what was imported", async () => {
  await withApi(backends[0]!, { maxBytes: 10 * 1024 * 1024, maxLines: 700 }, async (post, store) => {
    const lines = await post("application/x-ndjson", ndjson(800));
    assert.equal(lines.status, 413);
    assert.equal(lines.json.code, ServerErrorCode.API_PAYLOAD_TOO_LARGE);
    assert.match(lines.json.detail, /700 lines/);
    assert.equal(lines.json.report.created, 700);
    assert.equal((await store.devices.list({ limit: 1000 })).items.length, 700);
  });
  await withApi(backends[0]!, { maxBytes: 64 * 1024, maxLines: 1_000_000 }, async (post, store) => {
    const declared = await post("application/x-ndjson", ndjson(800));
    assert.equal(declared.status, 413, "a declared Content-Length past the limit is refused before reading");
    assert.equal((await store.devices.list()).items.length, 0);
    // Chunked (no Content-Length): read until the limit, then 413 with what the lines before it did.
    const text = ndjson(800);
    const chunks = Array.from({ length: Math.ceil(text.length / 4096) }, (_, i) =>
      text.slice(i * 4096, (i + 1) * 4096),
    );
    const streamed = await post("application/x-ndjson", Readable.from(chunks));
    assert.equal(streamed.status, 413);
    assert.match(streamed.json.detail, /65536 bytes/);
    const created = streamed.json.report.created;
    assert.ok(created > 0 && created < 800, `created ${created}`);
    assert.equal((await store.devices.list({ limit: 1000 })).items.length, created);
  });
});

test("device import: another media type is refused with 415", async () => {
  await withApi(backends[0]!, undefined, async (post) => {
    const res = await post("application/json", "{}");
    assert.equal(res.status, 415);
    assert.equal(res.json.code, ServerErrorCode.API_UNSUPPORTED_MEDIA_TYPE);
  });
});
