// `omadm commands queue --help` prints the parameter table of every command an operator can queue, taken from
// the protocol's command table: each parameter with its position, field, format, occurrence and meaning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { COMMAND_PARAMETERS, COMMANDS } from "@omadm/protocol";
import { OPERATOR_COMMANDS } from "@omadm/server";
import { omadm } from "./admin-support.js";

test("commands queue --help lists every queueable command with each parameter of the protocol's table", async () => {
  const { out, exitCode } = await omadm("http://127.0.0.1:9", ["commands", "queue", "--help"]);
  assert.equal(exitCode, 0);
  const rows = out.split("\n");
  for (const name of OPERATOR_COMMANDS) {
    const specs = COMMAND_PARAMETERS[name];
    const first = rows.findIndex((r) => r.startsWith(`  ${name} `));
    assert.ok(first >= 0, `no row for ${name}`);
    for (const [i, spec] of specs.entries()) {
      const row = rows[first + i] ?? "";
      const cells = row.trim().split(/\s{2,}/);
      const expected = [`${i + 1} ${spec.field}`, spec.kind, spec.occurrence, spec.meaning];
      assert.deepEqual(i === 0 ? cells.slice(1) : cells, expected, `${name} parameter ${i + 1}: ${row}`);
    }
  }
  for (const name of COMMANDS.filter((n) => !OPERATOR_COMMANDS.includes(n))) {
    assert.ok(!rows.some((r) => r.startsWith(`  ${name} `)), `${name} is listed although it cannot be queued`);
    assert.match(out, new RegExp(`\\b${name}\\b.*cannot be queued`));
  }
  assert.match(out, /\$ omadm commands queue IMEI:\S+ GET /);
});

test("commands queue without --help does not print the table", async () => {
  const { err, exitCode } = await omadm("http://127.0.0.1:9", ["commands", "queue"]);
  assert.equal(exitCode, 1);
  assert.match(err, /missing required argument/);
  assert.doesNotMatch(err, /OCCURRENCE/);
});
