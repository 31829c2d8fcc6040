// `omadm events` as an operator runs it: a child process following a real server's event stream. It prints
// what happened before it started (--after 0) and what happens while it runs; when the server restarts it
// reconnects with Last-Event-ID and goes on with the next event, printing none twice; the readable form names
// the kind and the device.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startOmadm } from "./e2e-support/omadm-child.js";
import { startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

const GET = ["GET", "urn:oma:mo:oma-dm-devinfo:1.0//Mod"];
const dir = tempDir("omadm-events-cli-");
let server: E2eServer;

before(async () => {
  server = await startE2eServer({ dataDir: dir.path });
  await server.api.createDevice({ id: "dev-ev" });
});
after(async () => {
  await server.stop();
  dir.remove();
});

interface Printed {
  id: number;
  kind: string;
  commandId: string | null;
}
const printed = (lines: readonly string[]): Printed[] =>
  lines.filter((l) => l !== "").map((l) => JSON.parse(l) as Printed);
const hasCommand = (id: string) => (lines: readonly string[]) => printed(lines).some((e) => e.commandId === id);

test("omadm events --json: past events, live ones, and a resume after a server restart", async () => {
  const first = await server.api.queue("dev-ev", GET);
  const child = startOmadm(["events", "--json", "--after", "0", "--kind", "command.state"], {
    OMADM_SERVER_URL: server.origin,
  });
  try {
    await child.waitFor(hasCommand(first.id), "the event from before it started");
    const second = await server.api.queue("dev-ev", GET);
    await child.waitFor(hasCommand(second.id), "the live event");

    await server.stop();
    server = await startE2eServer({ dataDir: dir.path, port: server.port });
    const third = await server.api.queue("dev-ev", GET);
    await child.waitFor(hasCommand(third.id), "the event after the restart");

    const events = printed(child.lines);
    assert.deepEqual(
      events.map((e) => e.commandId),
      [first.id, second.id, third.id],
      "each once, in order",
    );
    assert.ok(events.every((e) => e.kind === "command.state"));
    assert.deepEqual(
      events.map((e) => e.id),
      [...events.map((e) => e.id)].sort((a, b) => a - b),
    );
  } finally {
    await child.stop();
  }
});

test("omadm events prints a readable line per event; a device filter keeps others out", async () => {
  await server.api.createDevice({ id: "dev-a" });
  await server.api.createDevice({ id: "dev-b" });
  const child = startOmadm(["events", "--device", "dev-b", "--after", "0"], { OMADM_SERVER_URL: server.origin });
  try {
    // dev-a's event comes first in the log: had the filter let it through, it would be printed before dev-b's.
    await server.api.queue("dev-a", GET);
    await server.api.queue("dev-b", GET);
    const lines = await child.waitFor((l) => l.some((x) => x.includes("dev-b")), "dev-b's event");
    assert.match(lines[0] ?? "", /^\S+\s+\d+\s+command\.state\s+dev-b\s+\{.*"name":"GET".*"state":"queued"/);
    assert.ok(!lines.some((x) => x.includes("dev-a")), "another device's events stay out");
  } finally {
    await child.stop();
  }
});
