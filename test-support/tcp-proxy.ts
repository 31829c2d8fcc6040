// A loopback TCP proxy for tests: put it between a client and a real service (e.g. Mosquitto) to count the
// connections the client opens, cut them to exercise reconnects, and watch the MQTT packets that pass, so a
// test can wait for "the broker acknowledged the re-subscription" instead of sleeping.

import { connect, createServer, type Socket } from "node:net";
import { createInbox, type Inbox } from "./async-inbox.js";

/** An MQTT control packet seen on the wire: its type (MQTT 3.1.1 §2.2.1, 1 = CONNECT … 14 = DISCONNECT). */
export interface MqttPacketSeen {
  readonly connection: number;
  /** `up`: client → service; `down`: service → client. */
  readonly direction: "up" | "down";
  readonly type: number;
}

export const MqttPacketType = { CONNACK: 2, PUBLISH: 3, PUBACK: 4, SUBSCRIBE: 8, SUBACK: 9 } as const;

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connectionCount: number;
  /** Every MQTT packet that crossed the proxy, in order per direction. */
  readonly packets: Inbox<MqttPacketSeen>;
  /** Destroys every open connection (both sides); the listener stays up so clients can reconnect. */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function createTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const packets = createInbox<MqttPacketSeen>();
  const open = new Set<Socket>();
  let connectionCount = 0;
  const server = createServer((downstream) => {
    connectionCount += 1;
    const connection = connectionCount;
    const upstream = connect(target.port, target.host);
    for (const socket of [downstream, upstream]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
      socket.on("error", () => {
        downstream.destroy();
        upstream.destroy();
      });
    }
    const up = mqttFramer((type) => {
      packets.push({ connection, direction: "up", type });
    });
    const down = mqttFramer((type) => {
      packets.push({ connection, direction: "down", type });
    });
    downstream.on("data", (chunk: Buffer) => {
      up(chunk);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      down(chunk);
      downstream.write(chunk);
    });
    downstream.on("end", () => upstream.end());
    upstream.on("end", () => downstream.end());
  });
  await new Promise<void>((resolve) => {
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no TCP address");
  const dropConnections = (): void => {
    for (const socket of open) socket.destroy();
  };
  return {
    port: address.port,
    get connectionCount() {
      return connectionCount;
    },
    packets,
    dropConnections,
    close() {
      dropConnections();
      return new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

/** Splits a byte stream into MQTT packets (type nibble + variable-length "remaining length", MQTT 3.1.1 §2.2.3). */
function mqttFramer(onPacket: (type: number) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      let length = 0;
      let multiplier = 1;
      let offset = 1;
      let complete = false;
      while (offset < pending.length && offset <= 4) {
        const byte = pending[offset] ?? 0;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        offset += 1;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || pending.length < offset + length) return;
      onPacket((pending[0] ?? 0) >> 4);
      pending = pending.subarray(offset + length);
    }
  };
}
