// How a Package#3 finds its session (docs/protocol.md §1.4, omadm's choice): by the CONT URL, by the session cookie,
// or — at the DM Server URI without a cookie — by the device's one open session. Plus the media-type details
// a real client sends (parameters on Content-Type, no Accept) and a device disabled mid-session.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { FastifyInstance } from "fastify";
import { MT_P1, MT_P3 } from "@omadm/protocol";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Store } from "../src/store/store.js";
import { contPath, cookiePair, dmApp, manualClock, p1Body, p1Headers, p3Body, p3Headers } from "./dm-support.js";

const DEV = "IMEI:600000000000001";

async function fixture(): Promise<{ store: Store; app: FastifyInstance; cont: string; cookie: string; ids: string[] }> {
  const clock = manualClock();
  const store = createMemoryStore({ clock });
  const app = await dmApp(store, clock, { batchSize: 1 });
  await store.devices.create({ id: DEV });
  const ids: string[] = [];
  for (const k of ["a", "b"]) {
    ids.push(
      (await store.commands.enqueue({ deviceId: DEV, name: "GET", params: [`urn:oma:mo:x:1.0/i/${k}`] })).command.id,
    );
  }
  // A real client's headers: a charset parameter on the media type and no Accept header at all.
  const res = await app.inject({
    method: "POST",
    url: "/dm",
    headers: { "content-type": `${MT_P1}; charset=utf-8`, "omadm-devid": DEV },
    payload: p1Body(),
  });
  assert.equal(res.statusCode, 200, res.body);
  const cmd = res.json<{ CMD: string[][] }>().CMD;
  assert.deepEqual(cmd[1], ["GET", "urn:oma:mo:x:1.0/i/a"]);
  return { store, app, cont: contPath(cmd[0]?.[1] ?? ""), cookie: cookiePair(res.headers["set-cookie"]), ids };
}

test("a Package#3 at the DM Server URI is correlated by its cookie", async () => {
  const { app, cookie, ids, store } = await fixture();
  const res = await app.inject({
    method: "POST",
    url: "/dm",
    headers: p3Headers(DEV, { cookie, "content-type": `${MT_P3};charset=UTF-8` }),
    payload: p3Body([{ sc: 200 }, { sc: 200 }]),
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { CMD: [["GET", "urn:oma:mo:x:1.0/i/b"]] });
  assert.equal((await store.commands.get(ids[0] ?? ""))?.state, "done");
  await app.close();
});

test("without cookie or CONT URL, a Package#3 is correlated by the device's open session", async () => {
  const { app, ids, store } = await fixture();
  const res = await app.inject({
    method: "POST",
    url: "/dm",
    headers: p3Headers(DEV),
    payload: p3Body([{ sc: 200 }, { sc: 500 }]),
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((await store.commands.get(ids[0] ?? ""))?.state, "failed");
  await app.close();
});

test("a cookie naming no session is refused at the DM Server URI", async () => {
  const { app } = await fixture();
  const res = await app.inject({
    method: "POST",
    url: "/dm",
    headers: p3Headers(DEV, { cookie: "omadm_session=AAAAAAAAAAAAAAAAAAAAAAAA" }),
    payload: p3Body([{ sc: 200 }, { sc: 200 }]),
  });
  assert.equal(res.statusCode, 404);
  assert.match(res.json<{ detail: string }>().detail, /cookie names no DM session/);
  await app.close();
});

test("the CONT URL works with or without the cookie; every Package#2 sets the cookie again", async () => {
  const { app, cont, cookie } = await fixture();
  const res = await app.inject({
    method: "POST",
    url: cont,
    headers: p3Headers(DEV),
    payload: p3Body([{ sc: 200 }, { sc: 200 }]),
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(cookiePair(res.headers["set-cookie"]), cookie);
  await app.close();
});

test("a device disabled in the middle of its session gets 403 and its in-flight command goes back", async () => {
  const { app, cont, cookie, ids, store } = await fixture();
  await store.devices.update(DEV, { disabled: true });
  const res = await app.inject({
    method: "POST",
    url: cont,
    headers: p3Headers(DEV, { cookie }),
    payload: p3Body([{ sc: 200 }, { sc: 200 }]),
  });
  assert.equal(res.statusCode, 403);
  assert.equal(res.json<{ code: string }>().code, "OMADM_SRV_DM_DEVICE_NOT_ADMITTED");
  assert.equal((await store.commands.get(ids[0] ?? ""))?.state, "queued");
  assert.equal(await store.sessions.findOpen(DEV), null);
  await app.close();
});

test("a P1 with an explicit Accept of */* or the exact type is answered", async () => {
  const { app } = await fixture();
  for (const accept of ["*/*", "application/*", "application/vnd.oma.dm.request+json"]) {
    const res = await app.inject({
      method: "POST",
      url: "/dm",
      headers: p1Headers(DEV, { accept }),
      payload: p1Body(),
    });
    assert.equal(res.statusCode, 200, `${accept}: ${res.body}`);
  }
  await app.close();
});

test("the same Package#3 twice at once: one continues, the other is a conflict that leaves the session alone", async () => {
  const { app: first, cont, cookie, ids, store } = await fixture();
  await first.close();
  // Both requests must read the session before either writes: a store whose session lookup waits until two
  // lookups are pending (the interleaving two server nodes can produce).
  let arrived = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const gated: Store = {
    ...store,
    sessions: {
      ...store.sessions,
      findWithDevice: async (key) => {
        const found = await store.sessions.findWithDevice(key);
        if (++arrived === 2) release();
        await gate;
        return found;
      },
    },
  };
  const app = await dmApp(gated, manualClock(), { batchSize: 1 });
  const post = () =>
    app.inject({
      method: "POST",
      url: cont,
      headers: p3Headers(DEV, { cookie }),
      payload: p3Body([{ sc: 200 }, { sc: 200 }]),
    });
  const answers = await Promise.all([post(), post()]);
  assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 409]);
  const loser = answers.find((a) => a.statusCode === 409);
  assert.equal(loser?.json<{ code: string }>().code, "OMADM_SRV_SESSION_CONFLICT");
  assert.match(loser.json<{ detail: string }>().detail, /already recorded/);
  // The winner's session goes on: "b" is in flight in it, and the session is still open.
  const open = await store.sessions.findOpen(DEV);
  assert.equal(open?.stateName, "AwaitingPackage3");
  const [a, b] = await Promise.all(ids.map((id) => store.commands.get(id)));
  assert.deepEqual([a?.state, a?.attempts, b?.state, b?.sessionId], ["done", 1, "sent", open.id]);
  await app.close();
});
