// Webhook delivery against a real receiving HTTP server on 127.0.0.1, through the whole server (REST API,
// event bus, event log, dispatcher) on a SQLite file: the signature verifies and the secret is never shown or
// logged again; a receiver that fails twice gets the event on the third attempt; one that always fails
// leaves a dead letter, which is redelivered once it works; the kind filter holds; after a restart delivery
// resumes from the cursor with no event lost; the metrics count attempts and dead letters.
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import { request } from "undici";
import { createOmadmServer, type OmadmServer } from "../src/app.js";
import { loadServerConfig } from "../src/config.js";
import type { NewServerEvent } from "../src/events/event-types.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { verifySignature, WebhookHeader } from "../src/webhooks/signature.js";
import { tempDir } from "./dm-support.js";
import { capturedLogger } from "./observability-support.js";
import { eventIdOf, startReceiver, type Receiver } from "./webhook-support.js";

const clock = { now: () => Date.now() };
let dir: ReturnType<typeof tempDir>;
let store: Store;
let server: OmadmServer;
let base: string;
let receiver: Receiver;
let log: ReturnType<typeof capturedLogger>;

function config(maxAttempts = 3) {
  const loaded = loadServerConfig({
    overrides: {
      listen: { host: "127.0.0.1", port: 0 },
      components: { notifier: false },
      events: { pollMs: 100 },
      webhooks: { timeoutMs: 2000, maxAttempts, backoffBaseMs: 20, backoffMaxMs: 80 },
    },
  });
  if (!loaded.ok) throw loaded.error;
  return loaded.value;
}

async function boot(maxAttempts = 3): Promise<void> {
  store = await openSqliteStore({ clock }, { dataDir: dir.path });
  server = createOmadmServer({ store, clock, logger: log.logger }, config(maxAttempts));
  base = (await server.start()).urls.base;
}

async function shutdown(): Promise<void> {
  await server.stop();
  await store.close();
}

beforeEach(async () => {
  dir = tempDir("omadm-webhooks-");
  log = capturedLogger("info");
  receiver = await startReceiver();
  await boot();
});

afterEach(async () => {
  await shutdown();
  await receiver.close();
  dir.remove();
});

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the answer's shape
async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
  const res = await request(`${base}/api/v1${path}`, {
    method: method as "GET",
    ...(body !== undefined && { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, data: (text === "" ? null : JSON.parse(text)) as T };
}

interface Created {
  secret: string;
  record: { id: string; cursor: number };
}

async function createHook(kinds: string[] = []): Promise<Created> {
  const { status, data } = await api<Created>("POST", "/webhooks", { url: receiver.url, kinds });
  assert.equal(status, 201, JSON.stringify(data));
  return data;
}

function publish(kind: string, n: number): void {
  const event: NewServerEvent = {
    kind,
    deviceId: "dev-1",
    sessionId: null,
    commandId: null,
    data: { n },
    at: Date.now(),
  };
  server.events.publish(event);
}

test("a delivery is signed over timestamp and body, carries its ids, and the secret is shown once", async () => {
  const { secret, record } = await createHook();
  assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
  // A real producer: queueing a command through the API publishes command.state.
  assert.equal((await api("POST", "/devices", { id: "dev-1" })).status, 201);
  const queued = await api<{ id: string }>("POST", "/devices/dev-1/commands", {
    command: ["GET", "urn:oma:mo:oma-dm-devinfo:1.0//Mod"],
  });
  assert.equal(queued.status, 201);
  await receiver.waitFor((r) => r.length >= 1, "the command.state delivery");
  const got = receiver.received[0];
  assert.ok(got !== undefined);
  const h = (name: string) => got.headers[name.toLowerCase()] as string;
  assert.equal(h("content-type"), "application/json");
  assert.equal(h(WebhookHeader.WebhookId), record.id);
  assert.equal(h(WebhookHeader.EventKind), "command.state");
  assert.equal(h(WebhookHeader.DeliveryId), `${record.id}:${h(WebhookHeader.EventId)}`);
  const body = JSON.parse(got.body) as { id: number; kind: string; commandId: string; data: { state: string } };
  assert.equal(body.commandId, queued.data.id);
  assert.equal(body.data.state, "queued");
  assert.equal(String(body.id), h(WebhookHeader.EventId));
  const now = Math.floor(Date.now() / 1000);
  const headers = { timestamp: h(WebhookHeader.Timestamp), signature: h(WebhookHeader.Signature) };
  assert.equal(verifySignature(secret, headers, got.body, now), true);
  assert.equal(verifySignature(secret, headers, `${got.body} `, now), false, "a changed body fails");
  assert.equal(verifySignature(`${secret}x`, headers, got.body, now), false, "another secret fails");
  assert.equal(verifySignature(secret, headers, got.body, now + 3600), false, "an old timestamp fails");

  const shown = JSON.stringify([
    (await api("GET", "/webhooks")).data,
    (await api("GET", `/webhooks/${record.id}`)).data,
    (await api("PATCH", `/webhooks/${record.id}`, { kinds: ["alert.received"] })).data,
    log.lines,
  ]);
  assert.ok(!shown.includes(secret), "the secret is never answered or logged again");

  const rotated = await api<Created>("POST", `/webhooks/${record.id}/secret`);
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.data.secret, secret);
  await api("PATCH", `/webhooks/${record.id}`, { kinds: [] });
  publish("test.rotated", 1);
  await receiver.waitFor((r) => r.length >= 2, "the delivery after the rotation");
  const second = receiver.received[1];
  assert.ok(second !== undefined);
  const sig = {
    timestamp: second.headers[WebhookHeader.Timestamp.toLowerCase()] as string,
    signature: second.headers[WebhookHeader.Signature.toLowerCase()] as string,
  };
  assert.equal(verifySignature(rotated.data.secret, sig, second.body, now), true, "the new secret signs");
  assert.equal(verifySignature(secret, sig, second.body, now), false);
});

test("a receiver failing twice gets the event on the third attempt, same delivery id; order is kept", async () => {
  const { record } = await createHook();
  receiver.script([500, 503]);
  publish("test.first", 1);
  publish("test.second", 2);
  await receiver.waitFor((r) => r.filter((x) => x.status === 200).length >= 2, "both events delivered");
  const statuses = receiver.received.map((r) => [r.status, (JSON.parse(r.body) as { kind: string }).kind]);
  assert.deepEqual(statuses, [
    [500, "test.first"],
    [503, "test.first"],
    [200, "test.first"],
    [200, "test.second"],
  ]);
  const ids = new Set(receiver.received.slice(0, 3).map((r) => r.headers["omadm-delivery-id"]));
  assert.equal(ids.size, 1, "retries carry one delivery id");
  await server.flushEvents();
  const last = eventIdOf(receiver.received[3] ?? assert.fail());
  await waitUntil(async () => (await store.webhooks.get(record.id))?.cursor === last, "the cursor past both");
  const metrics = await (await request(`${base}/metrics`)).body.text();
  assert.match(metrics, /omadm_webhook_attempts_total\{result="failed"\} 2/);
  assert.match(metrics, /omadm_webhook_attempts_total\{result="delivered"\} 2/);
});

test("a receiver that always fails: dead letter after the last attempt, later events go on, redeliver", async () => {
  const { record } = await createHook();
  receiver.script([], 500);
  publish("test.doomed", 1);
  await receiver.waitFor((r) => r.length >= 3, "three attempts");
  const letters = await waitUntil(async () => {
    const page = await api<{ items: { eventId: number; attempts: number; lastError: string }[] }>(
      "GET",
      `/webhooks/${record.id}/dead-letters`,
    );
    return page.data.items.length === 1 ? page.data.items : null;
  }, "the dead letter");
  const [letter] = letters;
  assert.ok(letter !== undefined);
  assert.equal(letter.attempts, 3);
  assert.equal(letter.lastError, "HTTP 500");
  assert.equal(receiver.received.length, 3, "no attempt beyond the limit");
  assert.match(await (await request(`${base}/metrics`)).body.text(), /omadm_webhook_dead_letters_total 1/);

  receiver.script([], 200);
  publish("test.after", 2);
  await receiver.waitFor((r) => r.some((x) => x.status === 200), "the next event");
  const eventId = letter.eventId;
  const again = await api<{ delivered: boolean; deadLetter: unknown }>(
    "POST",
    `/webhooks/${record.id}/dead-letters/${eventId}/redeliver`,
  );
  assert.equal(again.status, 200);
  assert.deepEqual(again.data, { delivered: true, error: null, deadLetter: null });
  assert.equal(eventIdOf(receiver.received.at(-1) ?? assert.fail()), eventId);
  assert.equal((await api("GET", `/webhooks/${record.id}/dead-letters/${eventId}`)).status, 404);

  // A failed redelivery keeps the letter and counts the attempt; delete removes it.
  receiver.script([], 502);
  publish("test.doomed-too", 3);
  const second = await waitUntil(async () => {
    const page = await api<{ items: { eventId: number }[] }>("GET", `/webhooks/${record.id}/dead-letters`);
    return page.data.items[0]?.eventId ?? null;
  }, "the second dead letter");
  const failed = await api<{ delivered: boolean; error: string; deadLetter: { attempts: number } }>(
    "POST",
    `/webhooks/${record.id}/dead-letters/${second}/redeliver`,
  );
  assert.equal(failed.data.delivered, false);
  assert.equal(failed.data.error, "HTTP 502");
  assert.equal(failed.data.deadLetter.attempts, 4);
  assert.equal((await api("DELETE", `/webhooks/${record.id}/dead-letters/${second}`)).status, 204);
  assert.equal((await api("DELETE", `/webhooks/${record.id}/dead-letters/${second}`)).status, 404);
});

test("only the kinds asked for; a disabled webhook receives nothing until enabled; bad input is refused", async () => {
  const { record } = await createHook(["test.wanted"]);
  publish("test.unwanted", 1);
  publish("test.wanted", 2);
  await receiver.waitFor((r) => r.length >= 1, "the wanted event");
  await api("PATCH", `/webhooks/${record.id}`, { enabled: false });
  publish("test.wanted", 3);
  await server.flushEvents();
  const lastId = await store.events.lastId();
  await api("PATCH", `/webhooks/${record.id}`, { enabled: true });
  await receiver.waitFor((r) => r.length >= 2, "the event kept while disabled");
  assert.deepEqual(
    receiver.received.map((r) => JSON.parse(r.body) as { kind: string; data: { n: number } }).map((b) => b.data.n),
    [2, 3],
  );
  assert.equal(eventIdOf(receiver.received[1] ?? assert.fail()), lastId);

  for (const body of [{ url: "ftp://x/y" }, { url: "https://u:p@x/" }, { url: receiver.url, kinds: ["Bad"] }, {}]) {
    const refused = await api<{ code: string }>("POST", "/webhooks", body);
    assert.equal(refused.status, 400, JSON.stringify(body));
  }
  assert.equal((await api<{ items: unknown[] }>("GET", "/webhooks")).data.items.length, 1);
  assert.equal((await api("DELETE", `/webhooks/${record.id}`)).status, 204);
  assert.equal((await api<{ code: string }>("GET", `/webhooks/${record.id}`)).data.code, "OMADM_SRV_WEBHOOK_NOT_FOUND");
});

test("after a restart delivery resumes from the cursor: nothing lost, order kept", async () => {
  await shutdown();
  await boot(100); // attempts enough to still be retrying when the server stops
  const { record } = await createHook();
  receiver.script([], 503);
  publish("test.one", 1);
  publish("test.two", 2);
  await receiver.waitFor((r) => r.length >= 2, "attempts at the first event");
  await shutdown();
  assert.ok(receiver.received.every((r) => eventIdOf(r) === eventIdOf(receiver.received[0] ?? assert.fail())));
  const before = receiver.received.length;
  receiver.script([], 200);
  await boot();
  // A third event, published after the restart, comes after the two that waited.
  publish("test.three", 3);
  await receiver.waitFor((r) => r.filter((x) => x.status === 200).length >= 3, "all three after the restart");
  const delivered = receiver.received.slice(before).map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n);
  assert.deepEqual(delivered, [1, 2, 3]);
  const last = eventIdOf(receiver.received.at(-1) ?? assert.fail());
  await waitUntil(async () => (await store.webhooks.get(record.id))?.cursor === last, "the cursor at the last event");
});

async function waitUntil<T>(read: () => Promise<T | null | false>, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
