// PSK-TLS keys of the bootstrap credentials (SecMode 0, docs/bootstrap.md) for Node's synchronous pskCallback,
// beside the devices' own PSK keys (tls/psk-keys.ts, same trade-off: kept in memory, loaded at start, updated by
// the imports made through this server, warmed on a miss so a device's retry succeeds on another node).
import type { BootstrapStore } from "../store/bootstrap-store.js";
import type { BootstrapCredential } from "../store/types-bootstrap.js";

export interface BootstrapPskKeys {
  /** Replaces the cache with every PSK bootstrap credential in the store; resolves with how many. */
  load(): Promise<number>;
  added(credentials: readonly BootstrapCredential[]): void;
  removed(identity: string): void;
  /** The key of a known identity (remembering that `socket` used it), else null (and a store lookup starts). */
  callback(socket: object, identity: string): Buffer | null;
  /** The bootstrap PSK identity this connection proved, if any. */
  identityOf(socket: object): string | undefined;
  readonly size: number;
}

const MAX_IDENTITY_BYTES = 128;
const MAX_CONCURRENT_MISSES = 32;

export function createBootstrapPskKeys(deps: {
  readonly store: { readonly bootstrap: BootstrapStore };
}): BootstrapPskKeys {
  const keys = new Map<string, Buffer>();
  const sockets = new WeakMap<object, string>();
  const inFlight = new Set<string>();
  const put = (c: BootstrapCredential): void => {
    if (c.pskIdentity !== null && c.pskKeyHex !== null) keys.set(c.pskIdentity, Buffer.from(c.pskKeyHex, "hex"));
  };
  const refresh = (identity: string): void => {
    if (inFlight.has(identity) || inFlight.size >= MAX_CONCURRENT_MISSES) return;
    if (Buffer.byteLength(identity) > MAX_IDENTITY_BYTES) return;
    inFlight.add(identity);
    deps.store.bootstrap
      .findCredential({ pskIdentity: identity })
      .then(
        (c) => {
          if (c !== null) put(c);
        },
        () => undefined, // the store is unavailable: the next miss tries again
      )
      .finally(() => inFlight.delete(identity));
  };
  return {
    async load() {
      const fresh = new Map<string, Buffer>();
      let cursor: string | null = null;
      do {
        const page = await deps.store.bootstrap.listCredentials({
          limit: 1000,
          ...(cursor === null ? {} : { cursor }),
        });
        for (const c of page.items) {
          if (c.pskIdentity !== null && c.pskKeyHex !== null) fresh.set(c.pskIdentity, Buffer.from(c.pskKeyHex, "hex"));
        }
        cursor = page.nextCursor;
      } while (cursor !== null);
      keys.clear();
      for (const [k, v] of fresh) keys.set(k, v);
      return keys.size;
    },
    added(credentials) {
      credentials.forEach(put);
    },
    removed(identity) {
      keys.delete(identity);
    },
    callback(socket, identity) {
      const key = keys.get(identity);
      if (key === undefined) {
        refresh(identity);
        return null;
      }
      sockets.set(socket, identity);
      return key;
    },
    identityOf: (socket) => sockets.get(socket),
    get size() {
      return keys.size;
    },
  };
}

/**
 * One pskCallback for the HTTPS server: a bootstrap identity first, then the devices' keys; an identity neither
 * knows gets a random key, so the handshake fails like a wrong key and identities cannot be probed.
 */
export function composePskCallback(
  bootstrap: BootstrapPskKeys | null,
  devices: ((socket: object, identity: string) => Buffer | null) | null,
  random: (size: number) => Uint8Array,
): (socket: object, identity: string) => Buffer | null {
  return (socket, identity) =>
    bootstrap?.callback(socket, identity) ?? devices?.(socket, identity) ?? Buffer.from(random(32));
}
