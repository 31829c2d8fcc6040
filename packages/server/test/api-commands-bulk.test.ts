// POST /api/v1/commands/bulk: one command for many devices or a list, idempotency keys per device, a refused
// device reported alone while the others are queued, and wake-on-queue told of each new command.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ServerErrorCode } from "../src/errors.js";
import { apiRig, assertProblem, C } from "./api-support.js";

interface BulkAnswer {
  created: number;
  existing: number;
  failed: number;
  results: { deviceId: string; commandId?: string; created?: boolean; code?: string }[];
}

test("bulk enqueue: one GET for many devices; a repeat with the same key queues nothing new", async () => {
  const queued: string[] = [];
  const rig = await apiRig({ onQueued: (deviceId) => queued.push(deviceId) });
  try {
    for (const id of ["d1", "d2", "d3"]) await rig.store.devices.create({ id });
    const payload = { command: ["GET", C], deviceIds: ["d1", "nope", "d2", "d3"], idempotencyKey: "fleet-1" };
    const first = await rig.app.inject({ method: "POST", url: "/api/v1/commands/bulk", payload });
    assert.equal(first.statusCode, 200, first.body);
    const a = first.json<BulkAnswer>();
    assert.deepEqual([a.created, a.existing, a.failed], [3, 0, 1]);
    assert.deepEqual(
      a.results.map((r) => r.deviceId),
      ["d1", "nope", "d2", "d3"],
    );
    assert.equal(a.results[1]?.code, ServerErrorCode.DEVICE_NOT_FOUND);
    assert.deepEqual(queued, ["d1", "d2", "d3"]);
    for (const id of ["d1", "d2", "d3"]) {
      const page = await rig.store.commands.list({ deviceId: id });
      assert.deepEqual(
        page.items.map((c) => [c.name, c.params, c.idempotencyKey]),
        [["GET", [C], "fleet-1"]],
      );
    }
    const again = (await rig.app.inject({ method: "POST", url: "/api/v1/commands/bulk", payload })).json<BulkAnswer>();
    assert.deepEqual([again.created, again.existing, again.failed], [0, 3, 1]);
    assert.equal(again.results[0]?.commandId, a.results[0]?.commandId);
    assert.equal(queued.length, 3, "an idempotent repeat wakes nobody");
  } finally {
    await rig.close();
  }
});

test("bulk enqueue: a list of commands, each checked on its own; a malformed request changes nothing", async () => {
  const rig = await apiRig();
  try {
    await rig.store.devices.create({ id: "d1" });
    const items = [
      { deviceId: "d1", command: ["DELETE", "bad uri"] },
      { deviceId: "d1", command: { name: "GET", clientUri: C }, idempotencyKey: "k1" },
      { deviceId: "d1", idempotencyKey: "k1", command: ["DELETE", "urn:oma:mo:acme-sensor:1.0/left/Setting"] },
    ];
    const res = await rig.app.inject({ method: "POST", url: "/api/v1/commands/bulk", payload: { items } });
    const a = res.json<BulkAnswer>();
    assert.deepEqual(
      a.results.map((r) => r.code ?? "ok"),
      [ServerErrorCode.COMMAND_INVALID, "ok", ServerErrorCode.IDEMPOTENCY_CONFLICT],
    );
    assert.equal((await rig.store.commands.list({ deviceId: "d1" })).items.length, 1);
    const both = await rig.app.inject({
      method: "POST",
      url: "/api/v1/commands/bulk",
      payload: { command: ["GET", C], deviceIds: ["d1"], items },
    });
    assertProblem(both, 400, ServerErrorCode.INVALID_INPUT, ["either deviceIds"]);
    const tooMany = await rig.app.inject({
      method: "POST",
      url: "/api/v1/commands/bulk",
      payload: { command: ["GET", C], deviceIds: Array.from({ length: 1001 }, (_, i) => `d${i}`) },
    });
    assert.equal(tooMany.statusCode, 400);
    assert.equal((await rig.store.commands.list({ deviceId: "d1" })).items.length, 1);
  } finally {
    await rig.close();
  }
});
