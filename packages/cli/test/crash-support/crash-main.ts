// `npm run test:crash`: the crash test (crash-run.ts) with many kills on SQLite and on PostgreSQL (skipped with
// a note when PostgreSQL is absent, a failure under CI=true). Prints one `crash: …` line per store and exits 1
// unless every count of trouble is 0. `--kills N` (default 50), `--devices N` (default 3).
import { parseArgs } from "node:util";
import { requirePostgres, serviceUrl, isCi } from "../../../../test-support/services.js";
import { crashLine, runCrash, type CrashOptions } from "./crash-run.js";

const { values } = parseArgs({
  options: { kills: { type: "string", default: "50" }, devices: { type: "string", default: "3" } },
});
const kills = Number(values.kills);
const devices = Number(values.devices);
if (!Number.isSafeInteger(kills) || kills < 1 || !Number.isSafeInteger(devices) || devices < 1) {
  process.stderr.write("usage: test:crash [--kills N] [--devices N]\n");
  process.exit(2);
}

const stores: CrashOptions["store"][] = [{ kind: "sqlite" }];
const postgres = await requirePostgres();
if (postgres.available) stores.push({ kind: "postgres", url: serviceUrl(postgres) });
else if (isCi()) {
  process.stderr.write(`crash: PostgreSQL is required under CI: ${postgres.reason}\n`);
  process.exit(1);
} else process.stdout.write(`crash: PostgreSQL skipped: ${postgres.reason}\n`);

let failed = false;
for (const store of stores) {
  const started = Date.now();
  const report = await runCrash({
    store,
    kills,
    devices,
    log: (line) => process.stdout.write(`  ${store.kind}: ${line}\n`),
  });
  const trouble = report.lost + report.atMostOnceRunTwice + report.atLeastOnceOverLimit;
  const integrity = report.integrity === null || report.integrity === "ok";
  if (trouble > 0 || !integrity) failed = true;
  for (const problem of report.problems) process.stdout.write(`  ${store.kind}: ${problem}\n`);
  process.stdout.write(
    `${crashLine(report)} (${store.kind}; final states ${JSON.stringify(report.states)}; ` +
      `integrity ${report.integrity ?? "n/a"}; ${Math.round((Date.now() - started) / 1000)} s)\n`,
  );
}
process.exit(failed ? 1 : 0);
