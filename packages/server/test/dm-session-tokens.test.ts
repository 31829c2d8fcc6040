// A DM session's CONT token and cookie (dm/session-tokens.ts): the time in milliseconds as 12 hex digits, then 16
// random bytes in base64url — well-formed for the DM endpoint, ordered across milliseconds, all different — and
// the composed server hands them out (the CONT URL and the cookie of a real session carry its clock's time).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { AT_CLIENT_INIT } from "@omadm/protocol";
import type { OmadmServer } from "../src/app.js";
import { isWellFormedToken } from "../src/dm/session-cookie.js";
import { SESSION_TOKEN_RANDOM_BYTES, sessionTokenSource } from "../src/dm/session-tokens.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store } from "../src/store/store.js";
import { manualClock, SimDevice, startServer, tempDir } from "./dm-support.js";

const TOKEN = /^[0-9a-f]{12}[A-Za-z0-9_-]{22}$/;

test("session tokens: the time first, 128 random bits after it, ordered across milliseconds, all different", () => {
  let now = Date.UTC(2026, 11, 7, 17, 0, 0, 456);
  const next = sessionTokenSource(randomBytes, () => now);
  const first = next();
  assert.match(first, TOKEN);
  assert.ok(isWellFormedToken(first), "the DM endpoint takes it");
  assert.equal(parseInt(first.slice(0, 12), 16), now);
  assert.equal(Buffer.from(first.slice(12), "base64url").length, SESSION_TOKEN_RANDOM_BYTES);
  const tokens = new Set<string>([first]);
  const firstOfEachMs: string[] = [];
  for (let i = 0; i < 5000; i++) {
    if (i % 50 === 0) now += 1;
    const t = next();
    assert.match(t, TOKEN);
    tokens.add(t);
    if (i % 50 === 0) firstOfEachMs.push(t);
  }
  assert.equal(tokens.size, 5001);
  // Byte order (SQLite's BINARY, PostgreSQL's "C") puts a later millisecond after an earlier one.
  assert.deepEqual(
    [...firstOfEachMs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    firstOfEachMs,
  );
  // The random part varies: every base64url character shows up over a few hundred tokens.
  const chars = new Set([...tokens].slice(0, 400).flatMap((t) => t.slice(12).split("")));
  assert.equal(chars.size, 64);
});

test("session tokens: the random part comes from the given source, so a test can make them repeatable", () => {
  const zeros = sessionTokenSource(
    (n) => new Uint8Array(n),
    () => 0x0123456789a,
  );
  assert.equal(zeros(), `00123456789a${"A".repeat(22)}`);
});

const clock = manualClock();
const dir = tempDir("omadm-session-tokens-");
let store: Store;
let server: OmadmServer;
let base: string;

before(async () => {
  store = await openSqliteStore({ clock }, { dataDir: dir.path });
  ({ server, base } = await startServer(store, clock, {}));
});

after(async () => {
  await server.stop();
  await store.close();
  dir.remove();
});

test("a real session's CONT URL and cookie are such tokens, made at the server clock's time", async () => {
  const device = new SimDevice("IMEI:100000000000777", `${base}/dm`);
  assert.equal((await device.p1([{ AlertType: AT_CLIENT_INIT }])).status, 200);
  await store.commands.enqueue({ deviceId: device.devId, name: "GET", params: ["./DevInfo/Mod"] });
  const p2 = await device.p1();
  assert.equal(p2.status, 200);
  const contToken = /\/dm\/s\/([\w-]+)$/.exec(device.contUrl ?? "")?.[1] ?? "";
  const cookie = /^omadm_session=([\w-]+);/.exec(String(p2.headers["set-cookie"]))?.[1] ?? "";
  for (const token of [contToken, cookie]) {
    assert.match(token, TOKEN);
    assert.equal(parseInt(token.slice(0, 12), 16), clock.now());
  }
  assert.notEqual(contToken, cookie);
  const open = await store.sessions.findByContToken(contToken);
  assert.equal(open?.cookie, cookie);
});
