// Store contract: Generic Alerts, notifications, the Data Repository and uploads, UI sessions, API tokens.
import assert from "node:assert/strict";
import { ServerErrorCode } from "../src/errors.js";
import { UiSessionState } from "../src/store/types-content.js";
import { assertBytes, bytes, rejectsWith, type ContractTest } from "./store-contract-support.js";

export function contentContract(it: ContractTest): void {
  it("stores Generic Alerts in order, atomically, and lists them by device, session and type", async (f) => {
    await f.store.devices.create({ id: "dev" });
    await f.store.devices.create({ id: "dev2" });
    const t = f.clock.now();
    const stored = await f.store.alerts.record([
      {
        deviceId: "dev",
        sessionId: "s1",
        alertType: "urn:oma:at:fumo:1.0:DownloadAndUpdate",
        sourceUri: "urn:oma:mo:oma-fumo:1.0/rootfs/DownloadAndUpdate",
        targetUri: "urn:oma:mo:oma-fumo:1.0/rootfs",
        mark: "informational",
        dataType: "application/json",
        data: { sc: 200 },
      },
      { deviceId: "dev", alertType: "urn:vendor:unknown" },
    ]);
    assert.deepEqual(stored[0], {
      id: stored[0]!.id,
      deviceId: "dev",
      sessionId: "s1",
      alertType: "urn:oma:at:fumo:1.0:DownloadAndUpdate",
      sourceUri: "urn:oma:mo:oma-fumo:1.0/rootfs/DownloadAndUpdate",
      targetUri: "urn:oma:mo:oma-fumo:1.0/rootfs",
      mark: "informational",
      dataType: "application/json",
      data: { sc: 200 },
      receivedAt: t,
      matchedCommandId: null,
    });
    assert.equal(stored[1]?.data, null);
    assert.deepEqual(await f.store.alerts.get(stored[1].id), stored[1]);
    await rejectsWith(
      f.store.alerts.record([
        { deviceId: "dev2", alertType: "urn:a" },
        { deviceId: "ghost", alertType: "urn:a" },
      ]),
      ServerErrorCode.DEVICE_NOT_FOUND,
    );
    assert.deepEqual((await f.store.alerts.list({ deviceId: "dev2" })).items, [], "all or nothing");
    await f.store.alerts.record([{ deviceId: "dev2", alertType: "urn:a" }]);
    assert.deepEqual((await f.store.alerts.list({ deviceId: "dev" })).items, stored);
    assert.deepEqual((await f.store.alerts.list({ sessionId: "s1" })).items, [stored[0]]);
    assert.deepEqual((await f.store.alerts.list({ alertType: "urn:vendor:unknown" })).items, [stored[1]]);
    const desc = await f.store.alerts.list({ order: "desc", limit: 2 });
    assert.equal(desc.items[0]?.deviceId, "dev2");
    assert.equal(
      (await f.store.alerts.list({ order: "desc", limit: 2, cursor: desc.nextCursor! })).items[0]?.id,
      stored[0].id,
    );
  });

  it("hands out increasing NOTIFICATION-IDs that wrap after 65535", async (f) => {
    assert.deepEqual([await f.store.notifications.nextId(), await f.store.notifications.nextId()], [1, 2]);
    await f.harness.setNotificationCounter(65534);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await f.store.notifications.nextId());
    assert.deepEqual(ids, [65535, 0, 1]);
  });

  it("takes a block of NOTIFICATION-IDs at once: the first is returned, the next call goes on after the block", async (f) => {
    assert.equal(await f.store.notifications.nextId(64), 1);
    assert.equal(await f.store.notifications.nextId(), 65);
    await f.harness.setNotificationCounter(65530);
    assert.equal(await f.store.notifications.nextId(10), 65531, "a block may wrap");
    assert.equal(await f.store.notifications.nextId(), 5);
    for (const count of [0, -1, 1.5, 1025])
      await rejectsWith(f.store.notifications.nextId(count), ServerErrorCode.INVALID_INPUT);
    assert.equal(await f.store.notifications.nextId(), 6, "a refused count moved nothing");
  });

  it("logs sent notifications and lists them by device", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const n = await f.store.notifications.record({
      deviceId: "dev",
      notificationId: 7,
      transport: "udp",
      outcome: "sent",
    });
    assert.deepEqual(n, {
      id: n.id,
      deviceId: "dev",
      notificationId: 7,
      transport: "udp",
      sentAt: f.clock.now(),
      outcome: "sent",
      error: null,
    });
    const e = await f.store.notifications.record({
      deviceId: "dev",
      notificationId: 8,
      transport: "mqtt",
      outcome: "failed",
      error: "broker down",
    });
    assert.deepEqual((await f.store.notifications.list({ deviceId: "dev" })).items, [n, e]);
    await rejectsWith(
      f.store.notifications.record({ deviceId: "dev", notificationId: 70000, transport: "udp", outcome: "sent" }),
      ServerErrorCode.INVALID_INPUT,
    );
    await rejectsWith(
      f.store.notifications.record({ deviceId: "x", notificationId: 1, transport: "udp", outcome: "sent" }),
      ServerErrorCode.DEVICE_NOT_FOUND,
    );
  });

  it("stores repository items per scope with a new ETag on every write, and honours If-Match", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const body = new Uint8Array([0, 1, 2, 0xff, 0]);
    const a = await f.store.repository.put({
      path: "fumo/pkg",
      deviceId: null,
      mediaType: "application/octet-stream",
      body,
    });
    assert.equal(a.size, 5);
    assert.match(a.etag, /^"[^"]+"$/);
    assertBytes(a.body, body);
    const t = f.clock.advance(10);
    const b = await f.store.repository.put({
      path: "fumo/pkg",
      deviceId: null,
      mediaType: "application/octet-stream",
      body,
    });
    assert.notEqual(b.etag, a.etag, "same bytes, new write, new ETag");
    assert.equal(b.createdAt, a.createdAt);
    assert.equal(b.updatedAt, t);
    await rejectsWith(
      f.store.repository.put(
        { path: "fumo/pkg", deviceId: null, mediaType: "text/plain", body: bytes("x") },
        { ifMatch: a.etag },
      ),
      ServerErrorCode.REPOSITORY_PRECONDITION_FAILED,
    );
    await rejectsWith(
      f.store.repository.put(
        { path: "new", deviceId: null, mediaType: "text/plain", body: bytes("x") },
        { ifMatch: "*" },
      ),
      ServerErrorCode.REPOSITORY_PRECONDITION_FAILED,
    );
    assert.equal(await f.store.repository.get("new", null), null);
    const c = await f.store.repository.put(
      { path: "fumo/pkg", deviceId: null, mediaType: "text/plain", body: bytes("x") },
      { ifMatch: b.etag },
    );
    assert.equal(c.mediaType, "text/plain");
    const mine = await f.store.repository.put({
      path: "fumo/pkg",
      deviceId: "dev",
      mediaType: "application/dmmo+json",
      body: bytes("[]"),
    });
    assert.deepEqual(await f.store.repository.get("fumo/pkg", null), c);
    assert.deepEqual(await f.store.repository.get("fumo/pkg", "dev"), mine);
    assert.equal(await f.store.repository.get("fumo/pkg", "other"), null);
    await rejectsWith(
      f.store.repository.put({ path: "p", deviceId: "ghost", mediaType: "text/plain", body: bytes("x") }),
      ServerErrorCode.DEVICE_NOT_FOUND,
    );
    assert.equal(await f.store.repository.delete("fumo/pkg", "dev"), true);
    assert.equal(await f.store.repository.delete("fumo/pkg", "dev"), false);
    assert.ok(await f.store.repository.get("fumo/pkg", null));
  });

  it("keeps a large binary repository item intact", async (f) => {
    const body = new Uint8Array(2 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
    await f.store.repository.put({ path: "big", deviceId: null, mediaType: "application/octet-stream", body });
    const got = await f.store.repository.get("big", null);
    assert.equal(got?.size, body.byteLength);
    assertBytes(got.body, body);
  });

  it("lists repository metadata by scope and path prefix, shared first, page by page", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const put = (path: string, deviceId: string | null) =>
      f.store.repository.put({ path, deviceId, mediaType: "text/plain", body: bytes(path) });
    await put("b/2", null);
    await put("a/1", null);
    await put("a/1", "dev");
    await put("c%_", null);
    const all = await f.store.repository.list();
    assert.deepEqual(
      all.items.map((i) => [i.deviceId, i.path]),
      [
        [null, "a/1"],
        [null, "b/2"],
        [null, "c%_"],
        ["dev", "a/1"],
      ],
    );
    assert.ok(!("body" in all.items[0]!), "lists carry no bodies");
    assert.deepEqual((await f.store.repository.list({ deviceId: null })).items.length, 3);
    assert.deepEqual(
      (await f.store.repository.list({ deviceId: "dev" })).items.map((i) => i.path),
      ["a/1"],
    );
    assert.deepEqual((await f.store.repository.list({ pathPrefix: "a/" })).items.length, 2);
    assert.deepEqual(
      (await f.store.repository.list({ pathPrefix: "c%" })).items.map((i) => i.path),
      ["c%_"],
    );
    assert.deepEqual((await f.store.repository.list({ pathPrefix: "A/" })).items, [], "prefixes are case-sensitive");
    const p1 = await f.store.repository.list({ limit: 3 });
    const p2 = await f.store.repository.list({ limit: 3, cursor: p1.nextCursor! });
    assert.deepEqual([...p1.items, ...p2.items], all.items);
  });

  it("logs uploads with their bytes and lists them without bodies", async (f) => {
    await f.store.devices.create({ id: "dev" });
    const u = await f.store.repository.recordUpload({
      deviceId: "dev",
      path: "repo/IMEI:1",
      method: "POST",
      clientUris: ["urn:oma:mo:oma-dm-devinfo:1.2/d0/"],
      mediaType: "application/dmmo+json",
      body: bytes('[{"ClientURI":"x"}]'),
      sessionId: "s1",
      commandId: "c1",
    });
    assert.equal(u.size, 19);
    assert.equal(u.receivedAt, f.clock.now());
    assert.deepEqual(u.clientUris, ["urn:oma:mo:oma-dm-devinfo:1.2/d0/"]);
    const got = await f.store.repository.getUpload(u.id);
    assert.deepEqual(got, u);
    const v = await f.store.repository.recordUpload({
      deviceId: "dev",
      path: "sub/1",
      method: "PUT",
      mediaType: "a/b",
      body: bytes("z"),
    });
    assert.equal(v.clientUris, null);
    const list = await f.store.repository.listUploads({ deviceId: "dev" });
    assert.deepEqual(
      list.items.map((x) => x.id),
      [u.id, v.id],
    );
    assert.ok(!("body" in list.items[0]!));
    assert.deepEqual(
      (await f.store.repository.listUploads({ path: "sub/1" })).items.map((x) => x.id),
      [v.id],
    );
    await rejectsWith(
      f.store.repository.recordUpload({
        deviceId: "ghost",
        path: "p",
        method: "PUT",
        mediaType: "a/b",
        body: bytes(""),
      }),
      ServerErrorCode.DEVICE_NOT_FOUND,
    );
  });

  it("runs UI sessions pending → opened → completed, and expires the ones left open", async (f) => {
    await f.store.devices.create({ id: "dev" });
    await f.store.devices.create({ id: "dev2" });
    const template = { text: "Update now?", choices: ["yes", "no"] };
    const ui = await f.store.uiSessions.create({ deviceId: "dev", template, expiresAt: f.clock.now() + 100 });
    assert.equal(ui.state, UiSessionState.Pending);
    assert.deepEqual(ui.template, template);
    const { command } = await f.store.commands.enqueue({
      deviceId: "dev",
      name: "SHOW",
      params: [`https://s/ui?uiid=${ui.id}`],
    });
    const { command: foreign } = await f.store.commands.enqueue({
      deviceId: "dev2",
      name: "SHOW",
      params: ["https://s/ui"],
    });
    await rejectsWith(f.store.uiSessions.linkCommand(ui.id, foreign.id), ServerErrorCode.INVALID_INPUT);
    assert.equal((await f.store.uiSessions.linkCommand(ui.id, command.id)).commandId, command.id);
    const t1 = f.clock.advance(10);
    const opened = await f.store.uiSessions.markOpened(ui.id);
    f.clock.advance(10);
    const reopened = await f.store.uiSessions.markOpened(ui.id);
    assert.equal(opened.openedAt, t1);
    assert.equal(reopened.openedAt, t1, "a reload keeps the first open time");
    const done = await f.store.uiSessions.complete(ui.id, { choice: "yes" });
    assert.equal(done.state, UiSessionState.Completed);
    assert.deepEqual(done.result, { choice: "yes" });
    assert.deepEqual(await f.store.uiSessions.get(ui.id), done);
    await rejectsWith(
      f.store.uiSessions.complete(ui.id, { choice: "no" }),
      ServerErrorCode.UI_SESSION_ILLEGAL_TRANSITION,
    );
    await rejectsWith(f.store.uiSessions.markOpened("nope"), ServerErrorCode.UI_SESSION_NOT_FOUND);

    const late = await f.store.uiSessions.create({ deviceId: "dev", template: {}, expiresAt: f.clock.now() + 5 });
    const forever = await f.store.uiSessions.create({ deviceId: "dev", template: {} });
    f.clock.advance(5);
    await rejectsWith(f.store.uiSessions.complete(late.id, {}), ServerErrorCode.UI_SESSION_ILLEGAL_TRANSITION);
    assert.equal(await f.store.uiSessions.expireDue(), 1);
    assert.equal((await f.store.uiSessions.get(late.id))?.state, UiSessionState.Expired);
    assert.equal((await f.store.uiSessions.get(forever.id))?.state, UiSessionState.Pending);
    const list = await f.store.uiSessions.list({ deviceId: "dev" });
    assert.deepEqual(
      list.items.map((u) => u.id),
      [ui.id, late.id, forever.id],
    );
    assert.deepEqual(
      (await f.store.uiSessions.list({ state: "expired" })).items.map((u) => u.id),
      [late.id],
    );
    await rejectsWith(f.store.uiSessions.create({ deviceId: "ghost", template: {} }), ServerErrorCode.DEVICE_NOT_FOUND);
  });

  it("stores API tokens by hash only; use stamps lastUsedAt; revoked tokens stop working", async (f) => {
    const tok = await f.store.apiTokens.create({ name: "ops", tokenHash: "h-1" });
    assert.deepEqual(tok, {
      id: tok.id,
      name: "ops",
      scope: "admin",
      createdAt: f.clock.now(),
      lastUsedAt: null,
      revokedAt: null,
    });
    const reader = await f.store.apiTokens.create({ name: "dash", tokenHash: "h-r", scope: "read" });
    assert.equal(reader.scope, "read");
    assert.equal((await f.store.apiTokens.use("h-r"))?.scope, "read", "the scope comes back with the token");
    await rejectsWith(
      f.store.apiTokens.create({ name: "x", tokenHash: "h-x", scope: "root" as never }),
      ServerErrorCode.INVALID_INPUT,
    );
    await rejectsWith(f.store.apiTokens.create({ name: "dup", tokenHash: "h-1" }), ServerErrorCode.INVALID_INPUT);
    const t = f.clock.advance(60);
    const used = await f.store.apiTokens.use("h-1");
    assert.equal(used?.id, tok.id);
    assert.equal(used.lastUsedAt, t);
    assert.equal(await f.store.apiTokens.use("h-2"), null);
    const revoked = await f.store.apiTokens.revoke(tok.id);
    assert.equal(revoked.revokedAt, t);
    f.clock.advance(1);
    assert.equal((await f.store.apiTokens.revoke(tok.id)).revokedAt, t, "the first revocation time stays");
    assert.equal(await f.store.apiTokens.use("h-1"), null);
    await rejectsWith(f.store.apiTokens.revoke("nope"), ServerErrorCode.API_TOKEN_NOT_FOUND);
    const second = await f.store.apiTokens.create({ name: "ci", tokenHash: "h-2" });
    const list = await f.store.apiTokens.list();
    assert.deepEqual(
      list.map((x) => x.id),
      [tok.id, reader.id, second.id],
    );
    assert.ok(
      list.every((x) => !("tokenHash" in x)),
      "the hash never leaves the store",
    );
  });
}
