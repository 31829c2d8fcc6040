// Package#0 over UDP: one datagram carries one notification. docs/protocol.md §12: an IP datagram transport of
// omadm's choice (Package#0 is an unsolicited datagram, like an SMS); SMS and push plug in beside it.

import type { RemoteInfo, Socket } from "node:dgram";
import { errorMessage } from "@omadm/protocol";
import { bindUdpSocket, closeUdpSocket, formatRemoteAddress } from "@omadm/transport";
import {
  DEFAULT_MAX_NOTIFICATION_BYTES,
  stderrNotificationLogger,
  type NotificationHandler,
  type NotificationLogger,
  type NotificationTransport,
} from "./notification-transport.js";
import { NotificationTransportError, NotificationTransportErrorCode } from "./transport-error.js";
import { deliverWithinLimit, TransportLifecycle } from "./transport-lifecycle.js";

const TRANSPORT = "udp";

export interface UdpNotificationTransportOptions {
  /** Address to bind, e.g. `127.0.0.1`, `::1` or `0.0.0.0`. */
  readonly host: string;
  /** Port to bind; 0 picks a free one (read it back with `address()`). */
  readonly port: number;
  /** Larger datagrams are dropped and logged (default `DEFAULT_MAX_NOTIFICATION_BYTES`). */
  readonly maxDatagramBytes?: number;
  readonly logger?: NotificationLogger;
}

export interface BoundAddress {
  readonly host: string;
  readonly port: number;
}

export interface UdpNotificationTransport extends NotificationTransport {
  /** The address the socket is bound to while started (the real port when 0 was asked); else undefined. */
  address(): BoundAddress | undefined;
}

export function createUdpNotificationTransport(options: UdpNotificationTransportOptions): UdpNotificationTransport {
  const { host, port } = options;
  const maxBytes = options.maxDatagramBytes ?? DEFAULT_MAX_NOTIFICATION_BYTES;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalid(`port must be an integer 0..65535, got ${port}`);
  }
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw invalid(`maxDatagramBytes must be a positive integer, got ${maxBytes}`);
  }
  return new UdpTransport(host, port, maxBytes, options.logger ?? stderrNotificationLogger);
}

function invalid(message: string): NotificationTransportError {
  return new NotificationTransportError(NotificationTransportErrorCode.INVALID_OPTIONS, TRANSPORT, message);
}

class UdpTransport implements UdpNotificationTransport {
  readonly name = TRANSPORT;
  readonly #host: string;
  readonly #port: number;
  readonly #maxBytes: number;
  readonly #logger: NotificationLogger;
  readonly #lifecycle = new TransportLifecycle<Socket>(TRANSPORT);

  constructor(host: string, port: number, maxBytes: number, logger: NotificationLogger) {
    this.#host = host;
    this.#port = port;
    this.#maxBytes = maxBytes;
    this.#logger = logger;
  }

  address(): BoundAddress | undefined {
    const socket = this.#lifecycle.resource;
    if (socket === undefined) return undefined;
    const info = socket.address();
    return { host: info.address, port: info.port };
  }

  start(onNotification: NotificationHandler): Promise<void> {
    return this.#lifecycle.start(onNotification, () => this.#bind(onNotification));
  }

  stop(): Promise<void> {
    return this.#lifecycle.stop(closeUdpSocket);
  }

  async #bind(onNotification: NotificationHandler): Promise<Socket> {
    try {
      return await bindUdpSocket({
        host: this.#host,
        port: this.#port,
        onMessage: (message, remote) => {
          this.#receive(onNotification, message, remote);
        },
        logger: this.#logger,
        label: TRANSPORT,
      });
    } catch (error) {
      throw new NotificationTransportError(
        NotificationTransportErrorCode.LISTEN_FAILED,
        TRANSPORT,
        errorMessage(error),
        error,
      );
    }
  }

  #receive(onNotification: NotificationHandler, message: Buffer, remote: RemoteInfo): void {
    const source = { transport: TRANSPORT, address: formatRemoteAddress(remote) };
    deliverWithinLimit(onNotification, message, source, { maxBytes: this.#maxBytes, unit: "datagram" }, this.#logger);
  }
}
