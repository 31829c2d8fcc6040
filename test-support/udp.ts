// Sending one Package#0 datagram to a UDP notification listener on loopback, as a DM Server's notifier would
// (docs/protocol.md §12: one datagram = one notification). A fresh socket per datagram, closed once it is sent.
import { createSocket } from "node:dgram";

/** Sends `bytes` as one datagram to 127.0.0.1:`port`; resolves when the socket has handed it to the OS. */
export function sendLoopbackDatagram(port: number, bytes: Uint8Array): Promise<void> {
  const socket = createSocket("udp4");
  return new Promise((resolve, reject) => {
    socket.send(bytes, port, "127.0.0.1", (error) => {
      socket.close();
      if (error) reject(error);
      else resolve();
    });
  });
}
