// A DM session's CONT token and cookie value (docs/protocol.md §1.4): 16 bytes from the CSPRNG (128 bits, the
// part that makes them unguessable) behind the time they were made, in milliseconds, as 12 hex digits.
//
// Why the time: the sessions table has a unique index on each of the two. With tokens random from the first
// character, every new session put its entries into a random page of both indexes, so each group commit wrote
// about one page more per session per index, and with many sessions kept those pages were seldom the ones in
// memory. With the time in front, the tokens of sessions opened together sort together and land in the last
// pages of each index, as the UUIDv7 record ids do (store/record-ids.ts). Lowercase hex sorts the same in byte
// order and in PostgreSQL's usual collations. The time gives nothing away: a session's start is in the API's
// answers, and a guess at the time still leaves 128 random bits.
//
// The result matches the DM endpoint's token syntax (session-cookie.ts, isWellFormedToken): 34 characters of
// [0-9a-f] and base64url.

/** Hex digits of the millisecond time in front (48 bits: good until the year 10889). */
const TIME_DIGITS = 12;
/** Random bytes behind it. */
export const SESSION_TOKEN_RANDOM_BYTES = 16;

/** Makes session tokens from `random` (a CSPRNG, e.g. random-pool.ts) and `now` (ms since the epoch). */
export function sessionTokenSource(random: (size: number) => Uint8Array, now: () => number): () => string {
  let prefixMs = -1;
  let prefix = "";
  return () => {
    const ms = Math.max(0, Math.trunc(now())) % 2 ** 48;
    if (ms !== prefixMs) {
      prefix = ms.toString(16).padStart(TIME_DIGITS, "0");
      prefixMs = ms;
    }
    const bytes = random(SESSION_TOKEN_RANDOM_BYTES);
    return prefix + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
  };
}
