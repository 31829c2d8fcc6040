// Record ids: UUIDv7 (RFC 9562, section 5.7) — 48 bits of Unix time in milliseconds, then 74 random bits from
// the CSPRNG. Ids made close in time sort close together, so a new command, session or alert goes into its
// tables' id indexes (and, for a session's id, into the indexes keyed by it: a session's commands and alerts)
// next to the last one, instead of into a random page of each: a group commit then writes a few pages of each
// index instead of one page per row (counted in the WAL: about a tenth of the SQLite store's writes per DM
// session), and the pages it writes are the ones in memory. The random part keeps ids unguessable.
import { randomFillSync } from "node:crypto";

const RANDOM_BYTES = 10;
const POOL_BYTES = 4096 - (4096 % RANDOM_BYTES);
/** The variant's hex digit (0b10xx) for two random bits. */
const VARIANT = "89ab";

/** A UUIDv7 source: random bytes drawn from a pool refilled 4 KiB at a time, each byte used once and wiped. */
export function uuidV7Source(now: () => number = Date.now): () => string {
  const pool = Buffer.alloc(POOL_BYTES);
  let next = POOL_BYTES;
  let prefixMs = -1;
  let prefix = "";
  return () => {
    if (next === POOL_BYTES) {
      randomFillSync(pool);
      next = 0;
    }
    const ms = Math.max(0, Math.trunc(now())) % 2 ** 48;
    if (ms !== prefixMs) {
      const t = ms.toString(16).padStart(12, "0");
      prefix = `${t.slice(0, 8)}-${t.slice(8)}-7`;
      prefixMs = ms;
    }
    // 20 random hex digits, of which the first and the fifth give way to the version (above) and the variant
    // (0b10 and the fifth digit's top two bits): 74 random bits.
    const r = pool.toString("hex", next, next + RANDOM_BYTES);
    const variant = VARIANT.charAt((pool[next + 2] ?? 0) >> 6);
    pool.fill(0, next, next + RANDOM_BYTES);
    next += RANDOM_BYTES;
    return `${prefix}${r.slice(1, 4)}-${variant}${r.slice(5, 8)}-${r.slice(8, 20)}`;
  };
}
