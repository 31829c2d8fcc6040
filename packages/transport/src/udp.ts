// UDP sockets for Package#0 (docs/protocol.md §12: one datagram carries one notification): the client binds
// one to listen, the server keeps unbound ones to send from. Socket errors after set-up are logged, never
// thrown: an 'error' event without a listener would crash the process.
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { TransportError, TransportErrorCode, type TransportLogger } from "./transport-error.js";

export type UdpSocketType = "udp4" | "udp6";

/** The socket family an address needs. */
export function udpSocketType(host: string): UdpSocketType {
  return isIPv6(host) ? "udp6" : "udp4";
}

/** A sender's address as `host:port`, `[v6]:port` for IPv6. */
export function formatRemoteAddress(remote: Pick<RemoteInfo, "address" | "family" | "port">): string {
  return remote.family === "IPv6" ? `[${remote.address}]:${remote.port}` : `${remote.address}:${remote.port}`;
}

export interface BindUdpOptions {
  /** Address to bind, e.g. `127.0.0.1`, `::1` or `0.0.0.0`. */
  readonly host: string;
  /** 0 picks a free port (read it back with `socket.address()`). */
  readonly port: number;
  readonly onMessage: (message: Buffer, remote: RemoteInfo) => void;
  readonly logger: TransportLogger;
  /** The `transport` field of the log lines (default `"udp"`). */
  readonly label?: string;
}

/**
 * Binds a socket and delivers every datagram to `onMessage`. Rejects with `TransportError` `BIND_FAILED`
 * (address in use, not local, …) after closing the socket.
 */
export function bindUdpSocket(options: BindUdpOptions): Promise<Socket> {
  const { host, port, onMessage, logger } = options;
  const label = options.label ?? "udp";
  const socket = createSocket({ type: udpSocketType(host) });
  return new Promise<Socket>((resolve, reject) => {
    const onBindError = (error: Error): void => {
      socket.close();
      reject(
        new TransportError(TransportErrorCode.BIND_FAILED, `cannot bind ${host}:${port}: ${error.message}`, {
          cause: error,
        }),
      );
    };
    socket.once("error", onBindError);
    socket.bind(port, host, () => {
      socket.off("error", onBindError);
      socket.on("error", (error) => {
        logger.warn({ transport: label, error }, "UDP socket error");
      });
      socket.on("message", onMessage);
      resolve(socket);
    });
  });
}

/** An unbound socket to send from (the system picks the source port on the first send). */
export function createUdpSender(type: UdpSocketType, logger: TransportLogger, label = "udp"): Socket {
  const socket = createSocket({ type });
  // Send failures arrive through the send callback; anything else is logged.
  socket.on("error", (error) => {
    logger.warn({ transport: label, error }, "UDP socket error");
  });
  return socket;
}

/** Sends one datagram; resolves once the system took it, rejects with `TransportError` `SEND_FAILED`. */
export function sendDatagram(socket: Socket, bytes: Uint8Array, host: string, port: number): Promise<void> {
  const failed = (error: Error): TransportError =>
    new TransportError(TransportErrorCode.SEND_FAILED, `to ${host}:${port}: ${error.message}`, { cause: error });
  return new Promise((resolve, reject) => {
    try {
      socket.send(bytes, port, host, (error) => {
        if (error === null) resolve();
        else reject(failed(error));
      });
    } catch (error) {
      // Node checks the port and the socket's state synchronously (ERR_SOCKET_BAD_PORT, ERR_SOCKET_DGRAM_NOT_RUNNING).
      reject(failed(error instanceof Error ? error : new Error(String(error))));
    }
  });
}

/** Closes the socket; resolves once it is closed. */
export function closeUdpSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.close(() => {
      resolve();
    });
  });
}
