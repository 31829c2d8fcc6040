// Nothing lost across a restart (docs/protocol.md §4.10 (omadm's choice); ARCHITECTURE.md invariant 8): a SUB
// change still waiting for its 2 s window, or for a retry after the receiver refused the PUT, is marked in the
// saved state (`pendingSince` on the subscription record). A new DmClient over the same state file reports it —
// exactly once, with the data as it is then — and clears the mark. A state file written before the mark existed
// (records without the field, same version) still loads.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorCode } from "@omadm/protocol";
import { createFileStateStore } from "../src/state/file-state-store.js";
import { decodeClientState } from "../src/state/state-codec.js";
import { nodeStateFs } from "../src/state/state-fs.js";
import { GATEWAY, type TestClient, deviceJson, makeClient, testConfig } from "./dm-client-fixtures.js";
import { type Exchange, type ScriptedServer, p2, startScriptedServer } from "./http-fixtures.js";

const WAN = `${GATEWAY}/main/Wan`;

let dir: string;
let server: ScriptedServer;
/** The SUB the DM server sends in its next session (then plain END). */
let nextSub: readonly [string, string] | undefined;
/** The repository receiving the SUB reports: per path, whether it accepts them (204) or refuses (503). */
const accepting = new Map<string, boolean>();
const accepted: Exchange[] = [];
const refused: Exchange[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "omadm-sub-persist-"));
  server = await startScriptedServer((ex) => {
    if (ex.path.startsWith("/repo/")) {
      if (ex.method !== "PUT") return { status: 405 };
      const ok = accepting.get(ex.path) ?? false;
      (ok ? accepted : refused).push(ex);
      return { status: ok ? 204 : 503 };
    }
    const sub = nextSub;
    nextSub = undefined;
    return sub === undefined ? p2(["END"]) : p2(["SUB", sub[0], sub[1]], ["END"]);
  });
});

after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function client(stateFile: string): TestClient {
  const store = createFileStateStore({ fs: nodeStateFs() }, { path: join(dir, stateFile) });
  return makeClient(testConfig(deviceJson(server.url("/dm"))), { store });
}

function savedSubscriptions(stateFile: string): Record<string, unknown>[] {
  const doc = JSON.parse(readFileSync(join(dir, stateFile), "utf8")) as { subscriptions: Record<string, unknown>[] };
  return doc.subscriptions;
}

/** A started client subscribed (by its DM server, dm1) to the gateway's Wan subtree, reported to `repoPath`. */
async function subscribed(stateFile: string, repoPath: string): Promise<TestClient> {
  const t = client(stateFile);
  await t.client.start();
  nextSub = [server.url(repoPath), WAN];
  assert.equal((await t.client.runSession("dm1")).kind, "completed");
  await t.client.idle();
  assert.equal(t.client.subscriptions().length, 1);
  assert.equal(t.client.subscriptions()[0]?.pendingSince, undefined);
  return t;
}

/** Runs the windows the restored client opened and waits for their PUTs. */
async function reportPending(t: TestClient): Promise<void> {
  t.timers.runAll();
  await t.client.flushSubscriptions();
  await t.client.idle();
}

const reportsTo = (list: readonly Exchange[], path: string): Exchange[] => list.filter((e) => e.path === path);
const wanOf = (ex: Exchange): unknown => (JSON.parse(ex.body.toString("utf8")) as { MOData?: unknown }[])[0]?.MOData;

test("a change still in its debounce window at stop is PUT once, with the latest data, by the next client", async () => {
  const file = "window.json";
  const repo = "/repo/window";
  accepting.set(repo, true);
  const a = await subscribed(file, repo);
  try {
    assert.ok((await a.client.setValue(`${WAN}/Mode`, "pppoe")).ok);
    assert.ok((await a.client.setValue(`${WAN}/Mtu`, "1400")).ok);
    assert.equal(typeof a.client.subscriptions()[0]?.pendingSince, "number", "the change is marked");
  } finally {
    await a.close(); // before the window closes: no timer ran
  }
  assert.equal(reportsTo(accepted, repo).length, 0);
  assert.equal(typeof savedSubscriptions(file)[0]?.pendingSince, "number", "the mark is in the saved state");

  const b = client(file);
  await b.client.start();
  try {
    assert.equal(typeof b.client.subscriptions()[0]?.pendingSince, "number");
    assert.ok(b.timers.pending > 0, "the restored change opened a window");
    await reportPending(b);
    const puts = reportsTo(accepted, repo);
    assert.equal(puts.length, 1);
    assert.equal(puts[0]?.method, "PUT");
    assert.deepEqual(wanOf(puts[0]), { Wan: { Mode: "pppoe", Mtu: 1400 } });
    assert.equal(b.client.subscriptions()[0]?.pendingSince, undefined, "cleared after the PUT succeeded");
  } finally {
    await b.close();
  }
  assert.equal(savedSubscriptions(file)[0]?.pendingSince, undefined, "the cleared mark is saved");

  // A third life reports nothing again: the change went out exactly once.
  const c = client(file);
  await c.client.start();
  try {
    await reportPending(c);
    assert.equal(reportsTo(accepted, repo).length, 1);
  } finally {
    await c.close();
  }
});

test("a change the receiver refused stays marked across a restart and is delivered once it accepts", async () => {
  const file = "refused.json";
  const repo = "/repo/refused";
  accepting.set(repo, false);
  const a = await subscribed(file, repo);
  try {
    assert.ok((await a.client.setValue(`${WAN}/Mode`, "pppoe")).ok);
    await reportPending(a);
    assert.ok(reportsTo(refused, repo).length >= 1, "the receiver refused the report");
    assert.equal(typeof a.client.subscriptions()[0]?.pendingSince, "number", "a refused report stays marked");
    // A later change while the retry waits: the next report carries it too.
    assert.ok((await a.client.setValue(`${WAN}/Mode`, "static")).ok);
  } finally {
    await a.close();
  }
  assert.equal(typeof savedSubscriptions(file)[0]?.pendingSince, "number");

  accepting.set(repo, true);
  const b = client(file);
  await b.client.start();
  try {
    await reportPending(b);
    const puts = reportsTo(accepted, repo);
    assert.equal(puts.length, 1);
    assert.deepEqual(wanOf(puts[0]!), { Wan: { Mode: "static", Mtu: 1500 } });
    assert.equal(b.client.subscriptions()[0]?.pendingSince, undefined);
  } finally {
    await b.close();
  }
  assert.equal(savedSubscriptions(file)[0]?.pendingSince, undefined);
});

test("a state file without pendingSince (written before it existed) loads, and its subscription still reports", async () => {
  const file = "old.json";
  const repo = "/repo/old";
  accepting.set(repo, true);
  await (await subscribed(file, repo)).close();
  // Rewrite the document exactly as the version-1 build wrote it: subscriptions with four fields, no pending
  // notifications; it is read as version 2 (the migration in state-codec.ts).
  const path = join(dir, file);
  const doc = JSON.parse(readFileSync(path, "utf8")) as {
    version: number;
    subscriptions: Record<string, unknown>[];
    pendingNotifications?: unknown;
  };
  assert.equal(doc.version, 2);
  doc.version = 1;
  delete doc.pendingNotifications;
  doc.subscriptions = doc.subscriptions.map((r) => ({
    srvId: r.srvId,
    clientUri: r.clientUri,
    serverUri: r.serverUri,
    createdAt: r.createdAt,
  }));
  writeFileSync(path, JSON.stringify(doc));

  const b = client(file);
  await b.client.start();
  try {
    const [sub] = b.client.subscriptions();
    assert.equal(sub?.clientUri, WAN);
    assert.equal(sub.serverUri, server.url(repo));
    assert.equal("pendingSince" in sub, false);
    await reportPending(b);
    assert.equal(reportsTo(accepted, repo).length, 0, "nothing was pending, nothing is reported");
    assert.ok((await b.client.setValue(`${WAN}/Mtu`, "1280")).ok);
    await reportPending(b);
    const puts = reportsTo(accepted, repo);
    assert.equal(puts.length, 1);
    assert.deepEqual(wanOf(puts[0]!), { Wan: { Mode: "dhcp", Mtu: 1280 } });
  } finally {
    await b.close();
  }

  // The decoder still checks the field where it is present.
  const bad = JSON.parse(readFileSync(path, "utf8")) as { subscriptions: Record<string, unknown>[] };
  bad.subscriptions[0] = { ...bad.subscriptions[0], pendingSince: "yesterday" };
  const decoded = decodeClientState(JSON.stringify(bad));
  assert.equal(decoded.ok, false);
  assert.equal(decoded.error.code, ErrorCode.STATE_CORRUPT);
  assert.equal(decoded.error.path, "$.subscriptions[0].pendingSince");
});
