// Shared fixtures of the notifier tests (notifier-*.test.ts): a store with a device, a device-side UDP socket.
import { createSocket, type Socket } from "node:dgram";
import { createServer } from "node:net";
import { MemoryStoreData } from "../src/store/memory-context.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import type { Store } from "../src/store/store.js";
import type { NewDevice } from "../src/store/types.js";
import { createInbox, type Inbox } from "../../../test-support/async-inbox.js";

/** 2023-11-14T22:13:20Z: a whole second, so TIMESTAMP is exactly NOW_MS / 1000. */
export const NOW_MS = 1_700_000_000_000;
export const SERVER_ID = "dm.example";
export const SECRET = new TextEncoder().encode("server-secret-of-this-device");
export const AUTH_DATA = new TextEncoder().encode("auth-data");
export const CREDENTIALS = { type: 1, secret: SECRET, authData: AUTH_DATA };

export function fixedClock(ms = NOW_MS): { now(): number } {
  return { now: () => ms };
}

/** A memory store over `data` (pass the same data again to "reopen" it, as after a restart). */
export function memoryStore(data = new MemoryStoreData()): { store: Store; data: MemoryStoreData } {
  return { store: createMemoryStore({ clock: fixedClock() }, { data }), data };
}

export async function addDevice(store: Store, device: NewDevice): Promise<void> {
  await store.devices.create(device);
}

/** A device-side UDP listener on 127.0.0.1, collecting every datagram. */
export async function udpListener(): Promise<{ port: number; inbox: Inbox<Uint8Array>; close(): Promise<void> }> {
  const socket: Socket = createSocket("udp4");
  const inbox = createInbox<Uint8Array>();
  socket.on("message", (message) => {
    inbox.push(new Uint8Array(message));
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    port: socket.address().port,
    inbox,
    close: () =>
      new Promise<void>((resolve) => {
        socket.close(() => {
          resolve();
        });
      }),
  };
}

/** A loopback TCP port with nothing listening on it (bound, then released): connections are refused. */
export async function closedTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}
