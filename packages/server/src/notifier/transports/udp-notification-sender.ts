// Package#0 over UDP, server half: one datagram per notification (docs/protocol.md §12: an IP datagram transport
// of omadm's choice, Package#0 being an unsolicited datagram). The client half is @omadm/client's UDP transport.

import type { Socket } from "node:dgram";
import { errorMessage } from "@omadm/protocol";
import { closeUdpSocket, createUdpSender, sendDatagram, udpSocketType, type UdpSocketType } from "@omadm/transport";
import { ServerErrorCode } from "../../errors.js";
import {
  NotificationTransportKind,
  notifyError,
  stderrNotifierLogger,
  unsupportedAddress,
  type NotificationTarget,
  type NotificationSender,
  type NotifierLogger,
} from "./notification-sender.js";

const TRANSPORT = NotificationTransportKind.Udp;
/** Largest UDP payload over IPv4 (65,535 − 8-byte UDP header − 20-byte IP header). */
export const MAX_UDP_PAYLOAD_BYTES = 65_507;

export interface UdpNotificationSenderOptions {
  /** Refuse larger notifications before sending (default and maximum `MAX_UDP_PAYLOAD_BYTES`). */
  readonly maxDatagramBytes?: number;
  readonly logger?: NotifierLogger;
}

export function createUdpNotificationSender(options: UdpNotificationSenderOptions = {}): NotificationSender {
  return new UdpSender(
    Math.min(options.maxDatagramBytes ?? MAX_UDP_PAYLOAD_BYTES, MAX_UDP_PAYLOAD_BYTES),
    options.logger ?? stderrNotifierLogger,
  );
}

class UdpSender implements NotificationSender {
  readonly transports = [TRANSPORT];
  readonly #maxBytes: number;
  readonly #logger: NotifierLogger;
  /** One unconnected socket per address family, created on first use and shared by every send. */
  readonly #sockets = new Map<UdpSocketType, Socket>();
  #closed = false;

  constructor(maxBytes: number, logger: NotifierLogger) {
    this.#maxBytes = maxBytes;
    this.#logger = logger;
  }

  send(bytes: Uint8Array, address: NotificationTarget): Promise<void> {
    if (this.#closed) {
      return Promise.reject(notifyError(ServerErrorCode.NOTIFY_SENDER_CLOSED, TRANSPORT, "sender is closed"));
    }
    if (address.transport !== TRANSPORT) return Promise.reject(unsupportedAddress(TRANSPORT, address));
    const { host, port } = address;
    if (host === "" || !Number.isInteger(port) || port < 1 || port > 65535) {
      return Promise.reject(
        notifyError(ServerErrorCode.NOTIFY_ADDRESS_INVALID, TRANSPORT, `invalid address "${host}:${port}"`),
      );
    }
    if (bytes.byteLength > this.#maxBytes) {
      return Promise.reject(
        notifyError(
          ServerErrorCode.NOTIFY_PAYLOAD_TOO_LARGE,
          TRANSPORT,
          `${bytes.byteLength} bytes exceed the ${this.#maxBytes}-byte datagram limit`,
        ),
      );
    }
    return sendDatagram(this.#socket(udpSocketType(host)), bytes, host, port).catch((error: unknown) => {
      throw notifyError(ServerErrorCode.NOTIFY_SEND_FAILED, TRANSPORT, errorMessage(error), error);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const sockets = [...this.#sockets.values()];
    this.#sockets.clear();
    await Promise.all(sockets.map(closeUdpSocket));
  }

  #socket(type: UdpSocketType): Socket {
    let socket = this.#sockets.get(type);
    if (socket === undefined) {
      socket = createUdpSender(type, this.#logger, TRANSPORT);
      this.#sockets.set(type, socket);
    }
    return socket;
  }
}
