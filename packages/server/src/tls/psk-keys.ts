// PSK-TLS keys (RFC 4279; docs/protocol.md §11.2: the DM Server SHALL support PSK-TLS) for Node's synchronous
// `pskCallback(socket, identity)`.
//
// Trade-off: Node asks for the key synchronously in the middle of the handshake, and the store is
// asynchronous, so the keys live in memory here: loaded from the store at start (`load`), updated by whoever
// changes a device's PSK (`deviceChanged` / `deviceRemoved`, called by the device registry), and warmed on a
// miss. Costs: memory per PSK device (~100 bytes each, so a million devices is ~100 MB), and a change made on
// another server node (or directly in the database) is unknown here until a reload or the first miss — that
// handshake fails, the store lookup it triggers caches the key, and the device's retry succeeds. A removed or
// rotated key on another node stays usable here until `load` runs again, so a multi-node deployment should
// reload periodically (or on a change feed) and rely on `disabled` in the store, which every request checks.

import type { Store } from "../store/store.js";
import type { Device } from "../store/types.js";

export interface PskKeyEntry {
  readonly deviceId: string;
  readonly key: Buffer;
}

export interface PskKeyCache {
  /** Replaces the cache with every device's PSK from the store; resolves with how many were loaded. */
  load(): Promise<number>;
  /** Call after a device's PSK changed (created, updated, cleared). */
  deviceChanged(device: Pick<Device, "id" | "psk">): void;
  deviceRemoved(deviceId: string): void;
  /** Synchronous lookup for `pskCallback`. */
  lookup(identity: string): PskKeyEntry | undefined;
  /**
   * Looks the identity up in the store and caches what it finds (a miss in `pskCallback` starts this).
   * Concurrent calls for one identity share one lookup; beyond `maxConcurrentMisses` lookups a miss is not
   * followed up, so a flood of made-up identities cannot flood the store. Never rejects.
   */
  refreshIdentity(identity: string): Promise<boolean>;
  readonly size: number;
}

export interface PskKeyCacheOptions {
  /** Store lookups for unknown identities running at once (default 32). */
  readonly maxConcurrentMisses?: number;
  /** Page size of `load` (default 500). */
  readonly pageSize?: number;
}

/** RFC 4279 §5.3: identities are up to 128 bytes; a longer one is not looked up. */
const MAX_IDENTITY_BYTES = 128;

export function createPskKeyCache(
  deps: { readonly store: Pick<Store, "devices"> },
  options: PskKeyCacheOptions = {},
): PskKeyCache {
  const byIdentity = new Map<string, PskKeyEntry>();
  const identityOf = new Map<string, string>();
  const inFlight = new Map<string, Promise<boolean>>();
  const maxMisses = options.maxConcurrentMisses ?? 32;

  function put(device: Pick<Device, "id" | "psk">): void {
    const previous = identityOf.get(device.id);
    if (previous !== undefined) {
      byIdentity.delete(previous);
      identityOf.delete(device.id);
    }
    if (device.psk === null) return;
    byIdentity.set(device.psk.identity, { deviceId: device.id, key: Buffer.from(device.psk.keyHex, "hex") });
    identityOf.set(device.id, device.psk.identity);
  }

  return {
    async load() {
      const fresh: Pick<Device, "id" | "psk">[] = [];
      let cursor: string | null = null;
      do {
        const page = await deps.store.devices.list({
          limit: options.pageSize ?? 500,
          ...(cursor === null ? {} : { cursor }),
        });
        for (const device of page.items) if (device.psk !== null) fresh.push(device);
        cursor = page.nextCursor;
      } while (cursor !== null);
      byIdentity.clear();
      identityOf.clear();
      for (const device of fresh) put(device);
      return fresh.length;
    },
    deviceChanged: put,
    deviceRemoved(deviceId) {
      put({ id: deviceId, psk: null });
    },
    lookup: (identity) => byIdentity.get(identity),
    refreshIdentity(identity) {
      const pending = inFlight.get(identity);
      if (pending !== undefined) return pending;
      if (inFlight.size >= maxMisses || Buffer.byteLength(identity) > MAX_IDENTITY_BYTES) {
        return Promise.resolve(false);
      }
      const lookup = deps.store.devices.findByCredential({ pskIdentity: identity }).then(
        (device) => {
          if (device === null || device.psk === null) return false;
          put(device);
          return true;
        },
        () => false, // the store is unavailable: the handshake already failed; the next miss tries again
      );
      const tracked = lookup.finally(() => inFlight.delete(identity));
      inFlight.set(identity, tracked);
      return tracked;
    },
    get size() {
      return byIdentity.size;
    },
  };
}
