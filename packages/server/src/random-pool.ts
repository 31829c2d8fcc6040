// Cryptographically strong random bytes drawn from a pool refilled 4 KiB at a time. node:crypto's randomBytes
// makes a call into OpenSSL and a Buffer for every token, and a DM session asks for several (its CONT token and
// cookie, a capability token per command): the profile showed it. The bytes come from the same CSPRNG
// (randomFillSync); each is handed out once and wiped from the pool as it goes, as node's own randomUUID cache does.
import { randomFillSync } from "node:crypto";

export function pooledRandomBytes(poolSize = 4096): (size: number) => Buffer {
  const pool = new Uint8Array(poolSize);
  let next = poolSize;
  return (size) => {
    if (size > poolSize) return randomFillSync(Buffer.alloc(size));
    if (next + size > poolSize) {
      randomFillSync(pool);
      next = 0;
    }
    const out = Buffer.from(pool.subarray(next, next + size));
    pool.fill(0, next, next + size);
    next += size;
    return out;
  };
}
