// Operator API tokens: 32 random bytes in base64url, shown once; only the SHA-256 reaches the store; a
// revoked, unknown or malformed token authenticates nobody.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { ServerErrorCode } from "../src/errors.js";
import {
  authenticateApiToken,
  createApiToken,
  hashApiToken,
  MAX_API_TOKEN_NAME_LENGTH,
} from "../src/services/api-tokens.js";
import { MemoryStoreData } from "../src/store/memory-context.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { rejectsWith, TestClock } from "./store-contract-support.js";

function rig() {
  const clock = new TestClock();
  const data = new MemoryStoreData();
  return { clock, data, store: createMemoryStore({ clock }, { data }) };
}

test("a token is 32 random bytes in base64url (43 characters) and the store holds only its SHA-256", async () => {
  const { store, data } = rig();
  const { token, record } = await createApiToken(store, "  ci pipeline ");
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(token, "base64url").length, 32);
  assert.equal(record.name, "ci pipeline", "the name is trimmed");
  assert.equal(record.revokedAt, null);
  const stored = [...data.apiTokens.values()];
  assert.equal(stored.length, 1);
  assert.equal(stored[0]!.hash, createHash("sha256").update(token).digest("hex"));
  assert.equal(hashApiToken(token), stored[0]!.hash);
  assert.ok(!JSON.stringify(record).includes(token), "the record never carries the secret");
});

test("the randomness is injected: the token is exactly the given bytes", async () => {
  const { store } = rig();
  const bytes = new Uint8Array(32).map((_, i) => i);
  const { token } = await createApiToken(store, "fixed", { randomBytes: () => bytes });
  assert.equal(token, Buffer.from(bytes).toString("base64url"));
});

test("two tokens differ", async () => {
  const { store } = rig();
  const a = await createApiToken(store, "a");
  const b = await createApiToken(store, "b");
  assert.notEqual(a.token, b.token);
});

test("authenticate: the live token's record with lastUsedAt stamped; unknown, malformed and revoked give null", async () => {
  const { store, clock } = rig();
  const { token, record } = await createApiToken(store, "ops");
  clock.advance(5000);
  const used = await authenticateApiToken(store, token);
  assert.equal(used?.id, record.id);
  assert.equal(used.lastUsedAt, clock.now());
  const other = Buffer.alloc(32, 7).toString("base64url");
  assert.equal(await authenticateApiToken(store, other), null, "unknown");
  for (const malformed of ["", "short", token + "x", token.slice(0, 42) + "!"]) {
    assert.equal(await authenticateApiToken(store, malformed), null, `malformed ${JSON.stringify(malformed)}`);
  }
  await store.apiTokens.revoke(record.id);
  assert.equal(await authenticateApiToken(store, token), null, "revoked");
});

test("a token name must be 1 to 100 characters", async () => {
  const { store } = rig();
  await rejectsWith(createApiToken(store, "   "), ServerErrorCode.INVALID_INPUT);
  await rejectsWith(createApiToken(store, "x".repeat(MAX_API_TOKEN_NAME_LENGTH + 1)), ServerErrorCode.INVALID_INPUT);
  assert.equal((await store.apiTokens.list()).length, 0);
});
