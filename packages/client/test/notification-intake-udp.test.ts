// Package#0 intake over real UDP datagrams on 127.0.0.1 (docs/protocol.md §12): acceptance and every rejection
// reason, end to end through the DmClient to a scripted DM server (see notification-intake-scenarios.ts).
import { createSocket } from "node:dgram";
import {
  createUdpNotificationTransport,
  type UdpNotificationTransport,
} from "../src/notification/transports/udp-notification-transport.js";
import { quietLogger } from "./dm-client-fixtures.js";
import { intakeScenarios } from "./notification-intake-scenarios.js";

intakeScenarios(
  {
    name: "udp",
    makeTransports: () => [
      {
        transport: createUdpNotificationTransport({ host: "127.0.0.1", port: 0, logger: quietLogger }),
        serverId: "dm1",
      },
    ],
    connect(transports) {
      const udp = transports[0] as UdpNotificationTransport;
      const port = udp.address()?.port;
      if (port === undefined) throw new Error("the UDP transport is not bound");
      const socket = createSocket("udp4");
      return Promise.resolve({
        send: (bytes: Uint8Array) =>
          new Promise<void>((resolve, reject) => {
            socket.send(bytes, port, "127.0.0.1", (error) => {
              if (error) reject(error);
              else resolve();
            });
          }),
        close: () =>
          new Promise<void>((resolve) => {
            socket.close(() => {
              resolve();
            });
          }),
      });
    },
  },
  { skip: false },
);
