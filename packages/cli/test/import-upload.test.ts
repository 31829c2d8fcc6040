// The streamed upload of `omadm devices import` / `omadm simulate --register` (src/admin/import-upload.ts) against
// a real node:http server on loopback: a generator's many small lines arrive whole and in order, gathered into a
// few large writes (not one write and one chunk frame per line), and the progress callback sees every byte.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { uploadImport } from "../src/admin/import-upload.js";

test("import upload: 5,000 small lines (strings and buffers) arrive whole, in a few writes", async () => {
  const received: Buffer[] = [];
  const server = createServer((req, res) => {
    req.on("data", (c: Buffer) => received.push(c));
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ lines: 0, created: 0, updated: 0, unchanged: 0, failed: 0, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const lines: (string | Buffer)[] = [];
    for (let i = 0; i < 5000; i++) {
      const line = `${JSON.stringify({ id: `dev-${i}`, labels: { fleet: "é" } })}\n`;
      lines.push(i % 7 === 0 ? Buffer.from(line, "utf8") : line);
    }
    const total = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
    const progress: number[] = [];
    await uploadImport({
      baseUrl: `http://127.0.0.1:${port}`,
      contentType: "application/x-ndjson",
      body: lines,
      onSent: (bytes) => progress.push(bytes),
    });
    assert.equal(Buffer.concat(received).toString("utf8"), lines.map((l) => l.toString()).join(""));
    assert.equal(progress.at(-1), total);
    assert.ok(
      progress.length <= Math.ceil(total / (64 * 1024)) + 1,
      `${progress.length} writes for ${total} bytes: the lines were not gathered`,
    );
    assert.deepEqual(
      progress,
      [...progress].sort((a, b) => a - b),
    );
  } finally {
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }
});
