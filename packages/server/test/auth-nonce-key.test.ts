// The Digest nonce key from the configuration (auth/nonce-key-config.ts; RFC 7616 §3.3, docs/protocol.md §11.2):
// composed servers sharing one SQLite file and one key accept each other's nonces, whether the key came from
// OMADM_DEVICE_AUTH_NONCE_KEY or from deviceAuth.nonceKeyFile; a node with another key refuses them; a bad key
// stops the start with an error naming it; no key logs one warning at start.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import pino from "pino";
import { httpCredentials } from "../src/auth/http-credentials.js";
import { createOmadmServer, type OmadmServer } from "../src/app.js";
import { loadServerConfig, type ServerConfigInput } from "../src/config.js";
import type { ServerConfig } from "../src/config-types.js";
import { ServerError } from "../src/errors.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { digestAuthorization, parseChallenge } from "./auth-support.js";
import { p1Body, p1Headers, tempDir } from "./dm-support.js";

const DEV = "IMEI:300000000000001";
const REALM = "omadm";
const ANSWER = { username: "dev-nk", password: "nonce key test", method: "POST", uri: "/dm", nc: 1 };
const KEY = randomBytes(24).toString("hex");
const DIGEST_ONLY: ServerConfigInput = {
  listen: { host: "127.0.0.1", port: 0 },
  components: { notifier: false },
  deviceAuth: { modes: ["digest"] },
};

const dir = tempDir("omadm-nonce-key-");
const stores: Store[] = [];
const servers: OmadmServer[] = [];

function config(env: Record<string, string>, overrides: ServerConfigInput = DIGEST_ONLY): ServerConfig {
  const loaded = loadServerConfig({ env, overrides });
  if (!loaded.ok) throw loaded.error;
  return loaded.value;
}

/** A composed, started node over the shared SQLite file; its base URL. */
async function node(cfg: ServerConfig, logger?: pino.Logger): Promise<string> {
  const store = await openSqliteStore({ clock: { now: () => Date.now() } }, { dataDir: dir.path });
  stores.push(store);
  const server = createOmadmServer({ store, ...(logger !== undefined && { logger }) }, cfg);
  servers.push(server);
  return (await server.start()).urls.base;
}

async function post(base: string, authorization?: string): Promise<{ status: number; challenges: string[] }> {
  const headers = p1Headers(DEV, authorization === undefined ? {} : { authorization });
  const res = await fetch(`${base}/dm`, { method: "POST", headers, body: p1Body() });
  await res.text();
  const raw = res.headers.get("www-authenticate");
  return { status: res.status, challenges: raw === null ? [] : raw.split(/,\s*(?=Digest )/) };
}

/** The SHA-256 Digest challenge of a 401 from `base`. */
async function challengeFrom(base: string): Promise<Record<string, string>> {
  const r = await post(base);
  assert.equal(r.status, 401);
  const found = r.challenges.map(parseChallenge).find((c) => c["algorithm"] === "SHA-256");
  assert.ok(found, `a SHA-256 challenge among ${r.challenges.join(" | ")}`);
  return found;
}

before(async () => {
  const store = await openSqliteStore({ clock: { now: () => Date.now() } }, { dataDir: dir.path });
  stores.push(store);
  await store.devices.create({
    id: DEV,
    http: httpCredentials({ type: "digest", username: ANSWER.username, realm: REALM, password: ANSWER.password }),
  });
});

after(async () => {
  for (const s of servers) await s.stop();
  for (const s of stores) await s.close();
  dir.remove();
});

test("a nonce issued by node A is accepted by node B with the same key (env on A, key file on B)", async () => {
  const keyFile = join(dir.path, "nonce.key");
  writeFileSync(keyFile, `${KEY}\n`); // the trailing newline is not part of the key
  const a = await node(config({ OMADM_DEVICE_AUTH_NONCE_KEY: KEY }));
  const b = await node(config({ OMADM_DEVICE_AUTH_NONCE_KEY_FILE: keyFile }));
  const c = await challengeFrom(a);
  const r = await post(b, digestAuthorization(c, ANSWER));
  assert.equal(r.status, 200);
  // And back: B's nonce on A.
  const fromB = await challengeFrom(b);
  assert.equal((await post(a, digestAuthorization(fromB, ANSWER))).status, 200);
});

test("a node with a different key refuses the nonce with 401 and a fresh challenge", async () => {
  const a = await node(config({ OMADM_DEVICE_AUTH_NONCE_KEY: KEY }));
  const other = await node(config({ OMADM_DEVICE_AUTH_NONCE_KEY: randomBytes(24).toString("hex") }));
  const c = await challengeFrom(a);
  const r = await post(other, digestAuthorization(c, ANSWER));
  assert.equal(r.status, 401);
  const fresh = r.challenges.map(parseChallenge).find((x) => x["algorithm"] === "SHA-256");
  assert.ok(fresh);
  assert.notEqual(fresh["nonce"], c["nonce"]);
  // The fresh challenge from that node works there.
  assert.equal((await post(other, digestAuthorization(fresh, ANSWER))).status, 200);
});

test("without a configured key: each node has its own, and one warning is logged at start", async () => {
  const lines: string[] = [];
  const logger = pino({ level: "warn" }, { write: (s: string) => void lines.push(s) });
  const a = await node(config({}), logger);
  const warnings = lines.filter((l) => l.includes("no Digest nonce key configured"));
  assert.equal(warnings.length, 1, lines.join(""));
  const b = await node(config({}));
  assert.equal((await post(b, digestAuthorization(await challengeFrom(a), ANSWER))).status, 401);

  const quiet: string[] = [];
  await node(
    config({ OMADM_DEVICE_AUTH_NONCE_KEY: KEY }),
    pino({ level: "warn" }, { write: (s: string) => void quiet.push(s) }),
  );
  assert.deepEqual(
    quiet.filter((l) => l.includes("nonce key")),
    [],
  );
});

test("config errors name the key: too short, unreadable file, file too short, both set, key in the config file", () => {
  /** The first problem loadServerConfig reports (it must refuse). */
  const first = (env: Record<string, string>, file?: string): { key: string; message: string } => {
    const loaded = loadServerConfig({ env, overrides: DIGEST_ONLY, file });
    if (loaded.ok) assert.fail("the configuration was accepted");
    const p = loaded.problems.at(0);
    assert.ok(p !== undefined);
    return { key: p.key, message: p.message };
  };
  const short = first({ OMADM_DEVICE_AUTH_NONCE_KEY: "tooShort" });
  assert.equal(short.key, "OMADM_DEVICE_AUTH_NONCE_KEY");
  assert.match(short.message, /deviceAuth\.nonceKey .*at least 16 bytes, got 8/);
  assert.ok(!short.message.includes("tooShort"), "the secret is not echoed");

  const missing = join(dir.path, "absent.key");
  const unreadable = first({ OMADM_DEVICE_AUTH_NONCE_KEY_FILE: missing });
  assert.equal(unreadable.key, "deviceAuth.nonceKeyFile");
  assert.match(unreadable.message, new RegExp(`deviceAuth\\.nonceKeyFile ${missing} cannot be read: .*ENOENT`));

  const shortFile = join(dir.path, "short.key");
  writeFileSync(shortFile, "  abc \n");
  assert.match(first({ OMADM_DEVICE_AUTH_NONCE_KEY_FILE: shortFile }).message, /holds a key of 3 bytes/);

  const both = first({ OMADM_DEVICE_AUTH_NONCE_KEY: KEY, OMADM_DEVICE_AUTH_NONCE_KEY_FILE: shortFile });
  assert.match(both.message, /both set/);

  const json = join(dir.path, "config.json");
  writeFileSync(json, JSON.stringify({ deviceAuth: { nonceKey: KEY } }));
  const inFile = first({}, json);
  assert.equal(inFile.key, "deviceAuth.nonceKey");
  assert.match(inFile.message, /must not be in the config file .*OMADM_DEVICE_AUTH_NONCE_KEY/);
  assert.ok(!inFile.message.includes(KEY));

  // Set without Digest: ignored with a warning, nothing read.
  const ignored = loadServerConfig({ env: { OMADM_DEVICE_AUTH_NONCE_KEY_FILE: missing } });
  assert.ok(ignored.ok);
  assert.ok(ignored.warnings.some((w) => /deviceAuth\.nonceKeyFile ignored/.test(w)));
});

test("composing a server whose key file vanished after loading fails with CONFIG_INVALID naming it", async () => {
  const keyFile = join(dir.path, "vanishing.key");
  writeFileSync(keyFile, KEY);
  const cfg = config({ OMADM_DEVICE_AUTH_NONCE_KEY_FILE: keyFile });
  rmSync(keyFile);
  const store = await openSqliteStore({ clock: { now: () => Date.now() } }, { dataDir: dir.path });
  stores.push(store);
  assert.throws(
    () => createOmadmServer({ store }, cfg),
    (e: unknown) =>
      e instanceof ServerError &&
      e.code === "OMADM_SRV_CONFIG_INVALID" &&
      e.message.includes(`deviceAuth.nonceKeyFile ${keyFile} cannot be read`),
  );
});
