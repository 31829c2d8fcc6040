// Memory store: alerts, notifications, Data Repository, uploads, UI sessions and API tokens.
/* eslint-disable @typescript-eslint/require-await -- see memory-store.ts */
import { ServerError, ServerErrorCode } from "../errors.js";
import { checkAlert, checkApiToken, checkIfMatch, checkNotificationRecord } from "./content-rules.js";
import { checkRepositoryItem, checkUiSession, checkUpload, duplicateTokenHash } from "./content-rules.js";
import { memoryPage, out, requireDevice, type MemoryContext } from "./memory-context.js";
import { checkUiTransition, commandNotFound, copyBytes, jsonRoundTrip, makeEtag } from "./rules.js";
import { invalid, nextNotificationId, requireText, SHARED_SCOPE, sweepLimit, uiSessionNotFound } from "./rules.js";
import { checkNotificationIdCount, firstOfNotificationIds } from "./rules.js";
import type { AlertStore, ApiTokenStore, NotificationStore, RepositoryStore, UiSessionStore } from "./store.js";
import type { NotificationRecord, StoredAlert } from "./types-session.js";
import { UiSessionState, type ApiToken, type RepositoryItem, type UiSession, type Upload } from "./types-content.js";

const repoKey = (deviceId: string | null, path: string) => `${deviceId ?? SHARED_SCOPE}\u0000${path}`;

function withoutBody<T extends { readonly body: Uint8Array }>(row: T): Omit<T, "body"> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the body is what is left out
  const { body, ...info } = row;
  return info;
}

export interface MemoryContent {
  readonly alerts: AlertStore;
  readonly notifications: NotificationStore;
  readonly repository: RepositoryStore;
  readonly uiSessions: UiSessionStore;
  readonly apiTokens: ApiTokenStore;
}

export function createMemoryContent(ctx: MemoryContext): MemoryContent {
  const { data } = ctx;

  const alerts: AlertStore = {
    record: async (inputs) => {
      ctx.check();
      const checked = inputs.map(checkAlert);
      for (const a of checked) requireDevice(ctx, a.deviceId);
      const now = ctx.now();
      return out(
        checked.map((a) => {
          const rec: StoredAlert = { id: ctx.newId(), ...a, receivedAt: now, matchedCommandId: null };
          data.alerts.set(rec.id, { seq: ctx.nextSeq(), rec });
          return rec;
        }),
      );
    },
    get: async (id) => {
      ctx.check();
      const row = data.alerts.get(id);
      return row === undefined ? null : out(row.rec);
    },
    list: async (query = {}) => {
      ctx.check();
      const rows = [...data.alerts.values()].filter(
        ({ rec }) =>
          (query.deviceId === undefined || rec.deviceId === query.deviceId) &&
          (query.sessionId === undefined || rec.sessionId === query.sessionId) &&
          (query.alertType === undefined || rec.alertType === query.alertType),
      );
      const page = memoryPage(rows, query, (row) => [row.seq], ["number"]);
      return { items: page.items.map((row) => row.rec), nextCursor: page.nextCursor };
    },
  };

  const notifications: NotificationStore = {
    nextId: async (count = 1) => {
      ctx.check();
      checkNotificationIdCount(count);
      data.notificationCounter = nextNotificationId(data.notificationCounter, count);
      return firstOfNotificationIds(data.notificationCounter, count);
    },
    record: async (input) => {
      ctx.check();
      const n = checkNotificationRecord(input);
      requireDevice(ctx, n.deviceId);
      const rec: NotificationRecord = { id: ctx.newId(), ...n, sentAt: ctx.now() };
      data.notifications.set(rec.id, { seq: ctx.nextSeq(), rec });
      return out(rec);
    },
    list: async (query = {}) => {
      ctx.check();
      const rows = [...data.notifications.values()].filter(
        ({ rec }) => query.deviceId === undefined || rec.deviceId === query.deviceId,
      );
      const page = memoryPage(rows, query, (row) => [row.seq], ["number"]);
      return { items: page.items.map((row) => row.rec), nextCursor: page.nextCursor };
    },
  };

  const repository: RepositoryStore = {
    put: async (input, options = {}) => {
      ctx.check();
      const item = checkRepositoryItem(input);
      if (item.deviceId !== null) requireDevice(ctx, item.deviceId);
      const key = repoKey(item.deviceId, item.path);
      const existing = data.repository.get(key);
      checkIfMatch(options.ifMatch, existing?.item.etag ?? null);
      const now = ctx.now();
      const version = (existing?.version ?? 0) + 1;
      const rec: RepositoryItem = {
        path: item.path,
        deviceId: item.deviceId,
        mediaType: item.mediaType,
        size: item.body.byteLength,
        etag: makeEtag(version, item.body),
        createdAt: existing?.item.createdAt ?? now,
        updatedAt: now,
        body: copyBytes(item.body),
      };
      data.repository.set(key, { version, item: rec });
      return out(rec);
    },
    get: async (path, deviceId) => {
      ctx.check();
      const row = data.repository.get(repoKey(deviceId, path));
      return row === undefined ? null : out(row.item);
    },
    delete: async (path, deviceId) => {
      ctx.check();
      return data.repository.delete(repoKey(deviceId, path));
    },
    list: async (query = {}) => {
      ctx.check();
      const prefix = query.pathPrefix ?? "";
      const rows = [...data.repository.values()]
        .map((row) => row.item)
        .filter(
          (item) => (query.deviceId === undefined || item.deviceId === query.deviceId) && item.path.startsWith(prefix),
        );
      const page = memoryPage(rows, query, (item) => [item.deviceId ?? SHARED_SCOPE, item.path], ["string", "string"]);
      return { items: page.items.map(withoutBody), nextCursor: page.nextCursor };
    },
    recordUpload: async (input) => {
      ctx.check();
      const u = checkUpload(input);
      requireDevice(ctx, u.deviceId);
      const rec: Upload = {
        id: ctx.newId(),
        ...u,
        body: copyBytes(u.body),
        size: u.body.byteLength,
        receivedAt: ctx.now(),
      };
      data.uploads.set(rec.id, { seq: ctx.nextSeq(), rec });
      return out(rec);
    },
    getUpload: async (id) => {
      ctx.check();
      const row = data.uploads.get(id);
      return row === undefined ? null : out(row.rec);
    },
    listUploads: async (query = {}) => {
      ctx.check();
      const rows = [...data.uploads.values()].filter(
        ({ rec }) =>
          (query.deviceId === undefined || rec.deviceId === query.deviceId) &&
          (query.path === undefined || rec.path === query.path),
      );
      const page = memoryPage(rows, query, (row) => [row.seq], ["number"]);
      return { items: page.items.map((row) => withoutBody(row.rec)), nextCursor: page.nextCursor };
    },
    usage: async (deviceId) => {
      ctx.check();
      let bytes = 0;
      const sizes = [
        ...[...data.repository.values()].filter((r) => r.item.deviceId === deviceId).map((r) => r.item.size),
        ...[...data.uploads.values()].filter((u) => u.rec.deviceId === deviceId).map((u) => u.rec.size),
      ];
      for (const size of sizes) bytes += size;
      return { bytes, items: sizes.length };
    },
  };

  const requireUi = (id: string): UiSession => {
    const ui = data.uiSessions.get(id);
    if (ui === undefined) throw uiSessionNotFound(id);
    return ui;
  };
  const checkLinkable = (commandId: string, deviceId: string) => {
    const command = data.commands.get(commandId)?.rec;
    if (command === undefined) throw commandNotFound(commandId);
    if (command.deviceId !== deviceId) throw invalid(`command ${commandId} is not a command of device ${deviceId}`);
  };
  const setUi = (ui: UiSession) => {
    data.uiSessions.set(ui.id, ui);
    return out(ui);
  };

  const uiSessions: UiSessionStore = {
    create: async (input) => {
      ctx.check();
      const u = checkUiSession(input);
      requireDevice(ctx, u.deviceId);
      if (u.commandId !== null) checkLinkable(u.commandId, u.deviceId);
      const id = input.id === undefined ? ctx.newId() : requireText(input.id, "UI session id");
      if (data.uiSessions.has(id)) throw new ServerError(ServerErrorCode.INVALID_INPUT, `UI session ${id} exists`);
      return setUi({
        id,
        ...u,
        state: UiSessionState.Pending,
        result: null,
        createdAt: ctx.now(),
        openedAt: null,
        completedAt: null,
      });
    },
    get: async (id) => {
      ctx.check();
      const ui = data.uiSessions.get(id);
      return ui === undefined ? null : out(ui);
    },
    linkCommand: async (id, commandId) => {
      ctx.check();
      const ui = requireUi(id);
      checkLinkable(commandId, ui.deviceId);
      return setUi({ ...ui, commandId });
    },
    markOpened: async (id) => {
      ctx.check();
      const ui = requireUi(id);
      const now = ctx.now();
      checkUiTransition(ui, UiSessionState.Opened, now);
      return setUi({ ...ui, state: UiSessionState.Opened, openedAt: ui.openedAt ?? now });
    },
    complete: async (id, result) => {
      ctx.check();
      const ui = requireUi(id);
      const now = ctx.now();
      checkUiTransition(ui, UiSessionState.Completed, now);
      const json = jsonRoundTrip(result, "result");
      return setUi({ ...ui, state: UiSessionState.Completed, result: json, completedAt: now });
    },
    expireDue: async (options = {}) => {
      ctx.check();
      const limit = sweepLimit(options);
      const now = ctx.now();
      let count = 0;
      for (const ui of data.uiSessions.values()) {
        if (count >= limit) break;
        const live = ui.state === UiSessionState.Pending || ui.state === UiSessionState.Opened;
        if (live && ui.expiresAt !== null && ui.expiresAt <= now) {
          data.uiSessions.set(ui.id, { ...ui, state: UiSessionState.Expired });
          count++;
        }
      }
      return count;
    },
    list: async (query = {}) => {
      ctx.check();
      const rows = [...data.uiSessions.values()].filter(
        (ui) =>
          (query.deviceId === undefined || ui.deviceId === query.deviceId) &&
          (query.state === undefined || ui.state === query.state),
      );
      return memoryPage(rows, query, (ui) => [ui.createdAt, ui.id], ["number", "string"]);
    },
  };

  const apiTokens: ApiTokenStore = {
    create: async (input) => {
      ctx.check();
      const t = checkApiToken(input);
      for (const row of data.apiTokens.values()) if (row.hash === t.tokenHash) throw duplicateTokenHash();
      const rec: ApiToken = {
        id: ctx.newId(),
        name: t.name,
        scope: t.scope,
        createdAt: ctx.now(),
        lastUsedAt: null,
        revokedAt: null,
      };
      data.apiTokens.set(rec.id, { hash: t.tokenHash, rec });
      return out(rec);
    },
    use: async (tokenHash) => {
      ctx.check();
      for (const row of data.apiTokens.values()) {
        if (row.hash !== tokenHash || row.rec.revokedAt !== null) continue;
        const rec = { ...row.rec, lastUsedAt: ctx.now() };
        data.apiTokens.set(rec.id, { hash: row.hash, rec });
        return out(rec);
      }
      return null;
    },
    revoke: async (id) => {
      ctx.check();
      const row = data.apiTokens.get(id);
      if (row === undefined) throw new ServerError(ServerErrorCode.API_TOKEN_NOT_FOUND, `no API token ${id}`);
      const rec = { ...row.rec, revokedAt: row.rec.revokedAt ?? ctx.now() };
      data.apiTokens.set(id, { hash: row.hash, rec });
      return out(rec);
    },
    list: async () => {
      ctx.check();
      return out(
        [...data.apiTokens.values()]
          .map((row) => row.rec)
          .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)),
      );
    },
  };

  return { alerts, notifications, repository, uiSessions, apiTokens };
}
