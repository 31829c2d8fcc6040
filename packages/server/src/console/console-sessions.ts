// Console sign-ins (docs/console.md): an API token exchanged for a session cookie. The cookie only stands for the
// credential the operator signed in with; every API request made with it is authenticated and authorized exactly
// as if it carried `Authorization: Bearer <token>` (./console-auth.ts), so the API's rules apply unchanged and a
// revoked token ends the sign-in at its next request.
//
// Sessions live in this process's memory: a restart signs everyone out, and several server nodes behind one
// address need sticky routing for the console (the API itself is unaffected). Bounded: at most `maxSessions`
// sign-ins; the oldest goes first. The cookie value is 32 random bytes; the map is keyed by its SHA-256, so what
// the process holds cannot be replayed as a cookie.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../store/types.js";

export interface ConsoleSessionOptions {
  /** A sign-in ends this long after it began. */
  readonly ttlMs: number;
  /** A sign-in ends after this long without a request. */
  readonly idleTimeoutMs: number;
  /** Most sign-ins kept (default 10 000); past it the oldest ends. */
  readonly maxSessions?: number | undefined;
}

export interface ConsoleSession {
  /** The API token signed in with; null: a loopback sign-in without one (api.loopbackWithoutToken). */
  readonly bearer: string | null;
  /** The token writes must carry in `X-CSRF-Token`. */
  readonly csrf: string;
  readonly createdAt: number;
  lastSeenAt: number;
}

export interface NewConsoleSession {
  /** The cookie value (only the browser keeps it). */
  readonly cookie: string;
  readonly csrf: string;
  readonly expiresAt: number;
}

export interface ConsoleSessions {
  create(bearer: string | null): NewConsoleSession;
  /** The live session of a cookie value, its idle time restarted; null when unknown or ended. */
  touch(cookie: string): ConsoleSession | null;
  /** When the session ends at the latest (its absolute end). */
  expiresAt(session: ConsoleSession): number;
  end(cookie: string): void;
  /** Whether `presented` is the session's CSRF token (constant time). */
  csrfMatches(session: ConsoleSession, presented: string | undefined): boolean;
  readonly size: number;
}

const DEFAULT_MAX_SESSIONS = 10_000;

const keyOf = (cookie: string): string => createHash("sha256").update(cookie, "utf8").digest("base64url");

export function createConsoleSessions(
  deps: { readonly clock: Clock },
  options: ConsoleSessionOptions,
): ConsoleSessions {
  const { clock } = deps;
  const max = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  // Insertion order is creation order: the first entry is the oldest.
  const sessions = new Map<string, ConsoleSession>();
  const expiresAt = (s: ConsoleSession): number => s.createdAt + options.ttlMs;
  const alive = (s: ConsoleSession, now: number): boolean =>
    now < expiresAt(s) && now < s.lastSeenAt + options.idleTimeoutMs;

  function prune(now: number): void {
    for (const [key, s] of sessions) if (!alive(s, now)) sessions.delete(key);
    while (sessions.size >= max) {
      const oldest = sessions.keys().next().value;
      if (oldest === undefined) break;
      sessions.delete(oldest);
    }
  }

  return {
    create(bearer) {
      const now = clock.now();
      prune(now);
      const cookie = randomBytes(32).toString("base64url");
      const session: ConsoleSession = {
        bearer,
        csrf: randomBytes(24).toString("base64url"),
        createdAt: now,
        lastSeenAt: now,
      };
      sessions.set(keyOf(cookie), session);
      return { cookie, csrf: session.csrf, expiresAt: expiresAt(session) };
    },
    touch(cookie) {
      const key = keyOf(cookie);
      const session = sessions.get(key);
      if (session === undefined) return null;
      const now = clock.now();
      if (!alive(session, now)) {
        sessions.delete(key);
        return null;
      }
      session.lastSeenAt = now;
      return session;
    },
    expiresAt,
    end(cookie) {
      sessions.delete(keyOf(cookie));
    },
    csrfMatches(session, presented) {
      if (presented === undefined) return false;
      const a = Buffer.from(session.csrf, "utf8");
      const b = Buffer.from(presented, "utf8");
      return a.length === b.length && timingSafeEqual(a, b);
    },
    get size() {
      return sessions.size;
    },
  };
}
