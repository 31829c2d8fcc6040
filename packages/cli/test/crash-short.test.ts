// The short crash test in `npm test`: a few SIGKILLs of `omadm server` while devices run sessions with queued
// commands of both delivery policies, on SQLite and PostgreSQL (crash-support/crash-run.ts; the long run with
// 50 kills is `npm run test:crash`). Nothing acknowledged is lost, no at-most-once command runs twice, no
// at-least-once command goes out more than dm.maxDeliveries times, and the SQLite file passes its integrity check.
import assert from "node:assert/strict";
import { test } from "node:test";
import { requirePostgres, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { crashLine, runCrash, type CrashReport } from "./crash-support/crash-run.js";

const postgres = await requirePostgres();

function assertClean(report: CrashReport): void {
  const summary = `${crashLine(report)}\n${report.problems.join("\n")}`;
  assert.equal(report.lost, 0, summary);
  assert.equal(report.atMostOnceRunTwice, 0, summary);
  assert.equal(report.atLeastOnceOverLimit, 0, summary);
  assert.ok(report.commands > 0, "commands were queued and acknowledged");
  assert.equal(report.kills, 3);
}

test("crash (short): 3 kills of the server on SQLite lose nothing and run nothing too often", async () => {
  const report = await runCrash({ store: { kind: "sqlite" }, kills: 3, devices: 2, maxRunMs: 800 });
  assertClean(report);
  assert.equal(report.integrity, "ok");
});

test(
  "crash (short): 3 kills of the server on PostgreSQL lose nothing and run nothing too often",
  skipUnlessAvailable(postgres),
  async () => {
    const report = await runCrash({
      store: { kind: "postgres", url: serviceUrl(postgres) },
      kills: 3,
      devices: 2,
      maxRunMs: 800,
    });
    assertClean(report);
  },
);
