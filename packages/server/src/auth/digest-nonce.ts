// Digest nonces without server state (RFC 7616 §3.3, §5.4), and a bounded guard against replayed nonce counts.
//
// A nonce is base64url( issued-at ms (8 bytes) | salt (8 random bytes) | HMAC-SHA-256(key, label | issued-at |
// salt | realm) truncated to 16 bytes ). Any server node holding the same key verifies it, so a device may
// answer a challenge from one node on another; the issue time gives expiry (`stale=true`, §3.3) without a
// table of issued nonces.
//
// Replay (the same nonce with an nc already used) needs memory. `NonceCountGuard` remembers the nc values seen
// per nonce on this node, bounded two ways: at most `maxUsesPerNonce` uses of one nonce (then it is stale and
// the client takes a new one), and at most `maxTrackedNonces` nonces; expired ones are dropped first, and when
// a live one must be evicted, every untracked nonce issued no later than it is treated as stale from then on,
// so an evicted nonce can never be replayed. Trade-off of statelessness: a replay sent to a *different* node
// within the nonce lifetime is not detected there — keep the lifetime short, or pin a device to one node.

import { createHmac, timingSafeEqual } from "node:crypto";
import type { RandomBytes } from "./types.js";

const LABEL = "omadm digest nonce v1";
const TIME_BYTES = 8;
const SALT_BYTES = 8;
const MAC_BYTES = 16;
const NONCE_BYTES = TIME_BYTES + SALT_BYTES + MAC_BYTES;
/** Nonces stamped this far in the future (clock skew between nodes) are still accepted. */
const MAX_FUTURE_SKEW_MS = 60_000;

export const NonceState = {
  Valid: "valid",
  /** Genuine but too old (or its uses are exhausted): answer with `stale=true`. */
  Stale: "stale",
  /** Not one of ours (wrong MAC, wrong realm, malformed). */
  Invalid: "invalid",
} as const;
export type NonceState = (typeof NonceState)[keyof typeof NonceState];

export interface NonceCheck {
  readonly state: NonceState;
  /** Issue time (epoch ms) of a genuine nonce. */
  readonly issuedAt?: number;
}

export interface NonceMinter {
  issue(): string;
  check(nonce: string): NonceCheck;
}

export function createNonceMinter(deps: {
  readonly key: Uint8Array;
  readonly now: () => number;
  readonly random: RandomBytes;
  readonly realm: string;
  readonly lifetimeMs: number;
}): NonceMinter {
  const mac = (time: Uint8Array, salt: Uint8Array): Buffer =>
    createHmac("sha256", deps.key)
      .update(LABEL)
      .update(time)
      .update(salt)
      .update(deps.realm)
      .digest()
      .subarray(0, MAC_BYTES);

  return {
    issue() {
      const time = Buffer.alloc(TIME_BYTES);
      time.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(deps.now()))));
      const salt = Buffer.from(deps.random(SALT_BYTES)).subarray(0, SALT_BYTES);
      if (salt.length !== SALT_BYTES) throw new RangeError("random source returned too few bytes");
      return Buffer.concat([time, salt, mac(time, salt)]).toString("base64url");
    },
    check(nonce) {
      // base64url of 32 bytes is exactly 43 characters; anything else is not ours (and bounds the work).
      if (nonce.length !== 43 || !/^[A-Za-z0-9_-]+$/.test(nonce)) return { state: NonceState.Invalid };
      const bytes = Buffer.from(nonce, "base64url");
      if (bytes.length !== NONCE_BYTES) return { state: NonceState.Invalid };
      const time = bytes.subarray(0, TIME_BYTES);
      const salt = bytes.subarray(TIME_BYTES, TIME_BYTES + SALT_BYTES);
      if (!timingSafeEqual(mac(time, salt), bytes.subarray(TIME_BYTES + SALT_BYTES))) {
        return { state: NonceState.Invalid };
      }
      const issuedAt = Number(time.readBigUInt64BE());
      const now = deps.now();
      if (issuedAt > now + MAX_FUTURE_SKEW_MS) return { state: NonceState.Invalid };
      if (now - issuedAt > deps.lifetimeMs) return { state: NonceState.Stale, issuedAt };
      return { state: NonceState.Valid, issuedAt };
    },
  };
}

export const NonceUse = {
  /** First use of this nc with this nonce. */
  Fresh: "fresh",
  /** This nc was already used with this nonce: a replay. */
  Replayed: "replayed",
  /** The nonce cannot be tracked any more (uses exhausted, or evicted): ask for a new one. */
  Exhausted: "exhausted",
} as const;
export type NonceUse = (typeof NonceUse)[keyof typeof NonceUse];

export interface NonceCountGuard {
  /** Records a use of (nonce, nc); call only after the response verified, so strangers cannot fill it. */
  use(nonce: string, issuedAt: number, nc: number): NonceUse;
  /** Nonces currently tracked. */
  readonly size: number;
}

export function createNonceCountGuard(options: {
  readonly now: () => number;
  readonly lifetimeMs: number;
  readonly maxTrackedNonces: number;
  readonly maxUsesPerNonce: number;
}): NonceCountGuard {
  // Insertion order = first use; expired entries are swept from the front when room is needed.
  const tracked = new Map<string, { readonly issuedAt: number; readonly seen: Set<number> }>();
  /** Untracked nonces issued at or before this time are stale (one of them may have been evicted). */
  let watermark = Number.NEGATIVE_INFINITY;

  function makeRoom(): void {
    const horizon = options.now() - options.lifetimeMs;
    for (const [nonce, entry] of tracked) {
      if (entry.issuedAt < horizon) tracked.delete(nonce);
    }
    while (tracked.size >= options.maxTrackedNonces) {
      const oldest = tracked.entries().next();
      if (oldest.done === true) break;
      const [nonce, entry] = oldest.value;
      tracked.delete(nonce);
      watermark = Math.max(watermark, entry.issuedAt);
    }
  }

  return {
    use(nonce, issuedAt, nc) {
      let entry = tracked.get(nonce);
      if (entry === undefined) {
        if (issuedAt <= watermark) return NonceUse.Exhausted;
        if (tracked.size >= options.maxTrackedNonces) makeRoom();
        entry = { issuedAt, seen: new Set() };
        tracked.set(nonce, entry);
      }
      if (entry.seen.has(nc)) return NonceUse.Replayed;
      if (entry.seen.size >= options.maxUsesPerNonce) return NonceUse.Exhausted;
      entry.seen.add(nc);
      return NonceUse.Fresh;
    },
    get size() {
      return tracked.size;
    },
  };
}
