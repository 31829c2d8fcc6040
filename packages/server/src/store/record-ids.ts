// Record ids: UUIDv7 (RFC 9562, section 5.7) — 48 bits of Unix time in milliseconds, then 74 random bits from
// the CSPRNG. Ids made close in time sort close together, so a new command, session or alert goes into its
// tables' id indexes (and, for a session's id, into the indexes keyed by it: a session's commands and alerts)
// next to the last one, instead of into a random page of each: a group commit then writes a few pages of each
// index instead of one page per row (counted in the WAL: about a tenth of the SQLite store's writes per DM
// session), and the pages it writes are the ones in memory. The random part keeps ids unguessable.
import { pooledRandomBytes } from "../random-pool.js";

const RANDOM_BYTES = 10;
/** The variant's hex digit (0b10xx) for two random bits. */
const VARIANT = "89ab";

/** A UUIDv7 source: random bytes from the pooled CSPRNG (random-pool.ts). */
export function uuidV7Source(now: () => number = Date.now): () => string {
  const random = pooledRandomBytes();
  let prefixMs = -1;
  let prefix = "";
  return () => {
    const ms = Math.max(0, Math.trunc(now())) % 2 ** 48;
    if (ms !== prefixMs) {
      const t = ms.toString(16).padStart(12, "0");
      prefix = `${t.slice(0, 8)}-${t.slice(8)}-7`;
      prefixMs = ms;
    }
    // 20 random hex digits, of which the first and the fifth give way to the version (above) and the variant
    // (0b10 and the fifth digit's top two bits): 74 random bits.
    const bytes = random(RANDOM_BYTES);
    const r = bytes.toString("hex");
    const variant = VARIANT.charAt((bytes[2] ?? 0) >> 6);
    return `${prefix}${r.slice(1, 4)}-${variant}${r.slice(5, 8)}-${r.slice(8, 20)}`;
  };
}
