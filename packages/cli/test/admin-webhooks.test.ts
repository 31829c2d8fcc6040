// `omadm webhooks …` against a real REST API on 127.0.0.1 and a real receiving HTTP server: create prints the
// secret once and never again, list/show/dead-letters print tables, redeliver sends dead letters to the receiver
// (exit 1 when one fails again), rotate-secret prints a new one, delete removes it; bad input exits non-zero.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createWebhookDispatcher, type WebhookDispatcher } from "../../server/src/webhooks/dispatcher.js";
import { systemTimers } from "../../server/src/notifier/wake-on-queue.js";
import { startReceiver, type Receiver } from "../../server/test/webhook-support.js";
import { omadm, startServer, type TestServer } from "./admin-support.js";

let server: TestServer;
let receiver: Receiver;
let dispatcher: WebhookDispatcher | undefined;
const run = (...args: string[]) => omadm(server.url, args);
const quiet = { info: () => undefined, warn: () => undefined };

before(async () => {
  receiver = await startReceiver();
  server = await startServer({
    // The route calls the dispatcher; it is built once the store exists.
    webhooks: {
      redeliver: (id, eventId) => (dispatcher ?? assert.fail()).redeliver(id, eventId),
      refresh: () => {
        dispatcher?.refresh();
      },
    },
  });
  dispatcher = createWebhookDispatcher(
    {
      webhooks: server.store.webhooks,
      events: server.store.events,
      clock: { now: Date.now },
      timers: systemTimers,
      logger: quiet,
    },
    { timeoutMs: 2000, maxAttempts: 1, backoffBaseMs: 10, backoffMaxMs: 10, pollMs: 1000 },
  );
});
after(async () => {
  await server.close();
  await receiver.close();
});

test("webhooks create, list, show, dead-letters, redeliver, rotate-secret, delete", async () => {
  let r = await run("webhooks", "create", receiver.url, "--kind", "command.state,alert.received");
  assert.equal(r.exitCode, 0, r.err);
  const secret = /^(whsec_\S+)$/m.exec(r.out)?.[1];
  assert.ok(secret !== undefined, r.out);
  const id = /^webhook (\S+) created/m.exec(r.out)?.[1] ?? assert.fail(r.out);

  r = await run("webhooks", "list");
  assert.equal(r.exitCode, 0, r.err);
  assert.match(r.out, /^ID\s+ENABLED\s+KINDS\s+CURSOR\s+URL$/m);
  assert.match(
    r.out,
    new RegExp(`^${id}\\s+yes\\s+command\\.state,alert\\.received\\s+0\\s+http://127\\.0\\.0\\.1`, "m"),
  );
  r = await run("webhooks", "show", id, "--json");
  assert.equal((JSON.parse(r.out) as { id: string }).id, id);
  const shown = (await run("webhooks", "list", "--json")).out + r.out + (await run("webhooks", "show", id)).out;
  assert.ok(!shown.includes(secret), "the secret is printed by create only");

  // Two events that failed every attempt, as the dispatcher leaves them.
  const [e1, e2] = await server.store.events.append([
    { kind: "command.state", deviceId: "d1", sessionId: null, commandId: "c1", data: {}, at: Date.now() },
    { kind: "command.state", deviceId: "d1", sessionId: null, commandId: "c2", data: {}, at: Date.now() },
  ]);
  assert.ok(e1 !== undefined && e2 !== undefined);
  await server.store.webhooks.advance(id, 0, e1.id, { event: e1, attempts: 8, lastError: "HTTP 500" });
  await server.store.webhooks.advance(id, e1.id, e2.id, { event: e2, attempts: 8, lastError: "HTTP 500" });
  r = await run("webhooks", "dead-letters", id);
  assert.equal(r.exitCode, 0, r.err);
  assert.match(r.out, /^EVENT\s+KIND\s+DEVICE\s+ATTEMPTS\s+FAILED\s+ERROR$/m);
  assert.match(r.out, new RegExp(`^${e1.id}\\s+command\\.state\\s+d1\\s+8\\s+\\S+ \\S+\\s+HTTP 500$`, "m"));

  receiver.script([503]);
  r = await run("webhooks", "redeliver", id, String(e1.id));
  assert.equal(r.exitCode, 1);
  assert.match(r.out, new RegExp(`^${e1.id} failed again: HTTP 503$`, "m"));
  r = await run("webhooks", "redeliver", id);
  assert.equal(r.exitCode, 0, r.err + r.out);
  assert.match(r.out, new RegExp(`^${e1.id} delivered\\n${e2.id} delivered$`, "m"));
  assert.deepEqual(
    receiver.received.map((x) => x.headers["omadm-delivery-id"]),
    [`${id}:${e1.id}`, `${id}:${e1.id}`, `${id}:${e2.id}`],
  );
  r = await run("webhooks", "dead-letters", id, "--json");
  assert.deepEqual((JSON.parse(r.out) as { items: unknown[] }).items, []);
  r = await run("webhooks", "redeliver", id, "abc");
  assert.equal(r.exitCode, 2);

  r = await run("webhooks", "rotate-secret", id);
  assert.equal(r.exitCode, 0, r.err);
  const rotated = /^(whsec_\S+)$/m.exec(r.out)?.[1];
  assert.ok(rotated !== undefined && rotated !== secret);

  r = await run("webhooks", "delete", id);
  assert.equal(r.exitCode, 0, r.err);
  assert.match(r.out, /deleted/);
  r = await run("webhooks", "show", id);
  assert.equal(r.exitCode, 1);
  assert.match(r.err, /OMADM_SRV_WEBHOOK_NOT_FOUND/);
  r = await run("webhooks", "create", "ftp://example.com/x");
  assert.equal(r.exitCode, 1);
  assert.match(r.err, /http: or https:/);
});
