// Memory store: the DM sessions. Opening, closing and expiring a session requeues the commands it had in flight
// (memory-queue.ts's `requeue`) in the same atomic step.
/* eslint-disable @typescript-eslint/require-await -- see memory-store.ts */
import { ServerError, ServerErrorCode } from "../errors.js";
import { memoryPage, out, requireDevice, type MemoryContext } from "./memory-context.js";
import { requeue } from "./memory-queue.js";
import { checkCloseReason, checkNewSession, checkSessionPatch, sessionLive } from "./queue-rules.js";
import type { CheckedSessionPatch } from "./queue-rules.js";
import { invalid, requireText, sessionNotFound, sweepLimit } from "./rules.js";
import type { SessionStore } from "./store.js";
import { SessionStatus, type CloseSessionResult, type Session } from "./types-session.js";

function checkVersion(session: Session, expected: number | undefined): void {
  if (expected !== undefined && expected !== session.version) {
    throw new ServerError(
      ServerErrorCode.SESSION_CONFLICT,
      `session ${session.id} changed (version ${session.version})`,
    );
  }
}

/** `sessions.update` (and a close's final changes): live, at the expected version, keys unique. */
function updateSession(ctx: MemoryContext, id: string, p: CheckedSessionPatch, expected: number | undefined): Session {
  const session = ctx.data.sessions.get(id);
  if (session === undefined) throw sessionNotFound(id);
  const now = ctx.now();
  if (!sessionLive(session, now)) {
    throw new ServerError(ServerErrorCode.SESSION_NOT_OPEN, `session ${id} is ${session.status} or idle-expired`);
  }
  checkVersion(session, expected);
  uniqueSessionKeys(ctx, id, p.cookie, p.contToken);
  const idleTimeoutMs = p.idleTimeoutMs ?? session.idleTimeoutMs;
  const next: Session = {
    ...session,
    ...p,
    idleTimeoutMs,
    lastActivityAt: now,
    idleExpiresAt: now + idleTimeoutMs,
    version: session.version + 1,
  };
  ctx.data.sessions.set(id, next);
  return next;
}

function closeSession(ctx: MemoryContext, session: Session, status: SessionStatus, now: number): CloseSessionResult {
  const closed: Session = { ...session, status, endedAt: now, version: session.version + 1 };
  ctx.data.sessions.set(closed.id, closed);
  return { session: out(closed), ...out(requeue(ctx, closed.id, now)) };
}

function uniqueSessionKeys(ctx: MemoryContext, id: string, cookie?: string | null, contToken?: string | null): void {
  for (const s of ctx.data.sessions.values()) {
    if (s.id === id) continue;
    if ((cookie != null && s.cookie === cookie) || (contToken != null && s.contToken === contToken)) {
      throw invalid("cookie or CONT token already belongs to another session");
    }
  }
}

/** An accepted EXEC waits for its alert (§4.12): not complete yet. */
export function createMemorySessions(ctx: MemoryContext): SessionStore {
  const { data } = ctx;
  const findBy = (pred: (s: Session) => boolean) => {
    for (const s of data.sessions.values()) if (pred(s)) return out(s);
    return null;
  };
  const openOf = (deviceId: string) =>
    [...data.sessions.values()].find((s) => s.deviceId === deviceId && s.status === SessionStatus.Open);
  return {
    open: async (input) => {
      ctx.check();
      const s = checkNewSession(input);
      requireDevice(ctx, s.deviceId);
      const id = input.id === undefined ? ctx.newId() : requireText(input.id, "session id");
      if (data.sessions.has(id)) throw invalid(`session ${id} exists`);
      uniqueSessionKeys(ctx, id, s.cookie, s.contToken);
      const now = ctx.now();
      const previous = openOf(s.deviceId);
      const superseded = previous === undefined ? null : closeSession(ctx, previous, SessionStatus.Superseded, now);
      const session: Session = {
        id,
        ...s,
        status: SessionStatus.Open,
        createdAt: now,
        lastActivityAt: now,
        idleExpiresAt: now + s.idleTimeoutMs,
        endedAt: null,
        version: 1,
      };
      data.sessions.set(id, session);
      return {
        session: out(session),
        superseded: superseded?.session ?? null,
        requeued: superseded?.requeued ?? [],
        unanswered: superseded?.unanswered ?? [],
      };
    },
    get: async (id) => {
      ctx.check();
      const s = data.sessions.get(id);
      return s === undefined ? null : out(s);
    },
    findByCookie: async (cookie) => {
      ctx.check();
      return findBy((s) => s.cookie === cookie);
    },
    findByContToken: async (token) => {
      ctx.check();
      return findBy((s) => s.contToken === token);
    },
    findOpen: async (deviceId) => {
      ctx.check();
      const s = openOf(deviceId);
      return s === undefined ? null : out(s);
    },
    findWithDevice: async (key) => {
      ctx.check();
      const session =
        "contToken" in key
          ? findBy((s) => s.contToken === key.contToken)
          : "cookie" in key
            ? findBy((s) => s.cookie === key.cookie)
            : findBy((s) => s.deviceId === key.openOf && s.status === SessionStatus.Open);
      if (session === null) return null;
      return { session, deviceState: data.devices.get(session.deviceId)?.state ?? null };
    },
    update: async (id, patch, options = {}) => {
      ctx.check();
      return out(updateSession(ctx, id, checkSessionPatch(patch), options.expectedVersion));
    },
    close: async (id, reason, options = {}) => {
      ctx.check();
      checkCloseReason(reason);
      const final = options.final === undefined ? undefined : checkSessionPatch(options.final);
      let session = data.sessions.get(id);
      if (session === undefined) throw sessionNotFound(id);
      if (final !== undefined) session = updateSession(ctx, id, final, options.expectedVersion);
      else if (session.status !== SessionStatus.Open) {
        throw new ServerError(ServerErrorCode.SESSION_NOT_OPEN, `session ${id} is already ${session.status}`);
      } else checkVersion(session, options.expectedVersion);
      return closeSession(ctx, session, reason, ctx.now());
    },
    countLive: async () => {
      ctx.check();
      const now = ctx.now();
      let n = 0;
      for (const s of data.sessions.values()) if (s.status === SessionStatus.Open && s.idleExpiresAt > now) n++;
      return n;
    },
    liveAmong: async (deviceIds) => {
      ctx.check();
      const now = ctx.now();
      const wanted = new Set(deviceIds);
      const live = new Set<string>();
      for (const s of data.sessions.values()) {
        if (s.status === SessionStatus.Open && s.idleExpiresAt > now && wanted.has(s.deviceId)) live.add(s.deviceId);
      }
      return [...live];
    },
    expireIdle: async (options = {}) => {
      ctx.check();
      const limit = sweepLimit(options);
      const now = ctx.now();
      const due = [...data.sessions.values()]
        .filter((s) => s.status === SessionStatus.Open && s.idleExpiresAt <= now)
        .sort((a, b) => a.idleExpiresAt - b.idleExpiresAt)
        .slice(0, limit);
      return due.map((s) => closeSession(ctx, s, SessionStatus.Expired, now));
    },
    list: async (query = {}) => {
      ctx.check();
      const rows = [...data.sessions.values()].filter(
        (s) =>
          (query.deviceId === undefined || s.deviceId === query.deviceId) &&
          (query.status === undefined || s.status === query.status),
      );
      return memoryPage(rows, query, (s) => [s.createdAt, s.id], ["number", "string"]);
    },
  };
}
