// npm run bench:import -- --devices N [--store sqlite|postgres] [--cpu-prof DIR]
//
// The bulk import rate (the target: ≥ 10,000 devices/s into SQLite over HTTP): N device lines as
// `omadm simulate --register` writes them (id, a label, notification credentials, an MQTT topic), streamed to
// `POST /api/v1/devices/import` of an `omadm server` child (temp SQLite file or a fresh PostgreSQL database), then
// the same upload again (every device `unchanged`: the read-only path). The baseline, measured in the same run: the
// same body streamed to a bare node:http server that only JSON-parses each line. `--cpu-prof DIR` profiles the
// server child. Its last line:
//   import: N devices, S devices/s, ratio R of the bare parse, re-import S2 devices/s
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { uploadImport } from "../src/admin/import-upload.js";
import { createBenchDatabase, startServer } from "./bench-server.js";

const { values } = parseArgs({
  options: {
    devices: { type: "string", default: "100000" },
    store: { type: "string", default: "sqlite" },
    "cpu-prof": { type: "string" },
    "postgres-url": {
      type: "string",
      default: process.env["OMADM_TEST_PG_URL"] ?? "postgres://root@127.0.0.1:5432/test",
    },
  },
});
const N = Number(values.devices);
if (!Number.isInteger(N) || N < 1) throw new Error("--devices must be a positive integer");
if (values.store !== "sqlite" && values.store !== "postgres") throw new Error("--store sqlite|postgres");

const SECRET = Buffer.from("example-notification-secret").toString("base64");

function* lines(): Generator<string> {
  for (let n = 1; n <= N; n++) {
    const id = `IMEI:35900000${String(n).padStart(7, "0")}`;
    const line = {
      id,
      labels: { fleet: "bench" },
      notification: { type: 1, secret: SECRET, authData: Buffer.from(id).toString("base64") },
      notifyAddress: { mqtt: { topic: `omadm-bench/import/${id}` } },
    };
    yield `${JSON.stringify(line)}\n`;
  }
}

/** The ceiling: a bare node:http server that reads the body and JSON-parses each line; seconds for N lines. */
async function bareParse(): Promise<number> {
  const server = createServer((req, res) => {
    let rest = "";
    let parsed = 0;
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      const parts = (rest + c).split("\n");
      rest = parts.pop() ?? "";
      for (const p of parts) if (p !== "" && JSON.parse(p) !== null) parsed++;
    });
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ lines: parsed, created: parsed, updated: 0, unchanged: 0, failed: 0, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const t = performance.now();
    const report = await uploadImport({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      contentType: "application/x-ndjson",
      body: lines(),
    });
    if (report.created !== N) throw new Error(`the bare server parsed ${report.created} of ${N} lines`);
    return (performance.now() - t) / 1000;
  } finally {
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "omadm-import-"));
  let args = ["--host", "127.0.0.1", "--port", "0", "--data-dir", dir, "--store", "sqlite"];
  const db = values.store === "postgres" ? await createBenchDatabase(values["postgres-url"], "omadm_import") : null;
  if (db !== null) args = ["--host", "127.0.0.1", "--port", "0", "--store", "postgres", "--postgres-url", db.url];
  const prof = values["cpu-prof"];
  const server = await startServer(args, {}, prof === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${prof}`]);
  try {
    const bareS = await bareParse();
    console.log(`baseline: bare node:http, JSON.parse per line: ${N} lines in ${bareS.toFixed(2)} s`);
    let t = performance.now();
    const first = await uploadImport({ baseUrl: server.base, contentType: "application/x-ndjson", body: lines() });
    const importS = (performance.now() - t) / 1000;
    if (first.created !== N) throw new Error(`import created ${first.created} of ${N}`);
    console.log(`import: ${N} created in ${importS.toFixed(2)} s`);
    t = performance.now();
    const again = await uploadImport({ baseUrl: server.base, contentType: "application/x-ndjson", body: lines() });
    const againS = (performance.now() - t) / 1000;
    if (again.unchanged !== N) throw new Error(`re-import: ${again.unchanged} of ${N} unchanged`);
    console.log(`re-import: ${N} unchanged in ${againS.toFixed(2)} s`);
    console.log(`server: ${values.store}`);
    console.log(`load average: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
    console.log(
      `import: ${N} devices, ${Math.round(N / importS)} devices/s, ratio ${(bareS / importS).toFixed(2)} of the ` +
        `bare parse, re-import ${Math.round(N / againS)} devices/s`,
    );
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
    await db?.drop();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:import failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
