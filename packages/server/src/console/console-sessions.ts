// Console sign-ins (docs/console.md): an API token exchanged for a session cookie. The cookie only stands for the
// credential the operator signed in with; every API request made with it is authenticated and authorized as that
// API token (./console-auth.ts, through the same `store.apiTokens.use` as `Authorization: Bearer`), so the API's
// rules apply unchanged and a revoked token ends the sign-in at its next request.
//
// Sign-ins live in the store (`store.consoleSignIns`, types-console.ts), so every server node on one database
// knows a cookie and a restart signs nobody out. The cookie value is 32 random bytes; the store keys a sign-in by
// its SHA-256, so what the database holds cannot be replayed as a cookie. The CSRF token is derived from the
// cookie's secret (HMAC-SHA256 under a fixed label), so it is not stored either, and it is the same on every
// node. A use is written back (the idle end moved) at most once per `touchEveryMs`, so a console that polls does
// not turn every read into a database write; the idle timeout is therefore counted from a request at most that
// much earlier than the last one.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Store } from "../store/store.js";
import type { ConsoleSignIn } from "../store/types-console.js";
import type { Clock } from "../store/types.js";

export interface ConsoleSessionOptions {
  /** A sign-in ends this long after it began. */
  readonly ttlMs: number;
  /** A sign-in ends after this long without a request. */
  readonly idleTimeoutMs: number;
}

/** The token a sign-in was made with; null for a loopback sign-in without one. */
export interface ConsoleSignInToken {
  readonly id: string;
  /** As `store.apiTokens` keeps it (services/api-tokens.ts `hashApiToken`). */
  readonly hash: string;
}

export interface ConsoleSession {
  readonly token: ConsoleSignInToken | null;
  /** The token writes must carry in `X-CSRF-Token`. */
  readonly csrf: string;
  /** The absolute end. */
  readonly expiresAt: number;
}

export interface NewConsoleSession {
  /** The cookie value (only the browser keeps it). */
  readonly cookie: string;
  readonly csrf: string;
  readonly expiresAt: number;
}

export interface ConsoleSessions {
  create(token: ConsoleSignInToken | null): Promise<NewConsoleSession>;
  /** The live session of a cookie value, its idle time restarted; null when unknown or ended. */
  touch(cookie: string): Promise<ConsoleSession | null>;
  end(cookie: string): Promise<void>;
  /** Whether `presented` is the session's CSRF token (constant time). */
  csrfMatches(session: ConsoleSession, presented: string | undefined): boolean;
}

/** Most time between two writes of a sign-in's use (a tenth of the idle timeout when that is shorter). */
const MAX_TOUCH_EVERY_MS = 60_000;
/** A cookie value: base64url of 32 bytes. Anything else is refused without a store lookup. */
const COOKIE_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Hex SHA-256 of the cookie value: the store's key. */
export function consoleSecretHash(cookie: string): string {
  return createHash("sha256").update(cookie, "utf8").digest("hex");
}

function csrfOf(cookie: string): string {
  return createHmac("sha256", cookie).update("omadm console csrf", "utf8").digest("base64url");
}

export function createConsoleSessions(
  deps: { readonly clock: Clock; readonly store: Pick<Store, "consoleSignIns"> },
  options: ConsoleSessionOptions,
): ConsoleSessions {
  const { clock, store } = deps;
  const touchEveryMs = Math.min(MAX_TOUCH_EVERY_MS, Math.floor(options.idleTimeoutMs / 10));
  const view = (cookie: string, s: ConsoleSignIn): ConsoleSession => ({
    token: s.tokenId === null || s.tokenHash === null ? null : { id: s.tokenId, hash: s.tokenHash },
    csrf: csrfOf(cookie),
    expiresAt: s.expiresAt,
  });

  return {
    async create(token) {
      const now = clock.now();
      const cookie = randomBytes(32).toString("base64url");
      const expiresAt = now + options.ttlMs;
      await store.consoleSignIns.create({
        secretHash: consoleSecretHash(cookie),
        tokenId: token?.id ?? null,
        tokenHash: token?.hash ?? null,
        expiresAt,
        endsAt: Math.min(expiresAt, now + options.idleTimeoutMs),
      });
      return { cookie, csrf: csrfOf(cookie), expiresAt };
    },
    async touch(cookie) {
      if (!COOKIE_SHAPE.test(cookie)) return null;
      const hash = consoleSecretHash(cookie);
      const found = await store.consoleSignIns.find(hash);
      if (found === null) return null;
      const now = clock.now();
      if (now - found.lastSeenAt < touchEveryMs) return view(cookie, found);
      const touched = await store.consoleSignIns.touch(hash, now + options.idleTimeoutMs);
      return touched === null ? null : view(cookie, touched);
    },
    async end(cookie) {
      if (COOKIE_SHAPE.test(cookie)) await store.consoleSignIns.end(consoleSecretHash(cookie));
    },
    csrfMatches(session, presented) {
      if (presented === undefined) return false;
      const a = Buffer.from(session.csrf, "utf8");
      const b = Buffer.from(presented, "utf8");
      return a.length === b.length && timingSafeEqual(a, b);
    },
  };
}
