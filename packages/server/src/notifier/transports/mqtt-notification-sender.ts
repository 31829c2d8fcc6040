// Package#0 over MQTT, server half: publish the bytes to the device's topic (`notificationTopic(devId)` from
// @omadm/protocol) with QoS 1, not retained — a retained notification would wake the device again on every
// re-subscribe, long after the server stopped wanting a session. One broker connection is opened on the first
// send and shared by all later sends; mqtt.js reconnects it. docs/protocol.md §12 (Appendix E unavailable).
//
// Delivery is at-least-once: a send that timed out may still reach the device later. That is safe because the
// client drops duplicate notifications by (SERVER-ID, NOTIFICATION-ID) (docs/protocol.md §2.4).

import { errorMessage } from "@omadm/protocol";
import {
  closeMqtt,
  connectMqtt,
  isBrokerUrl,
  isConcreteTopic,
  isTimeout,
  withTimeout,
  type MqttClient,
} from "@omadm/transport";
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

const TRANSPORT = NotificationTransportKind.Mqtt;
const DEFAULT_TIMEOUT_MS = 10_000;

export interface MqttNotificationSenderOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883` or `mqtts://…`. */
  readonly url: string;
  readonly clientId?: string;
  readonly username?: string;
  readonly password?: string;
  /** How long a send may wait for the connection and for the PUBACK (default 10 s). */
  readonly timeoutMs?: number;
  readonly logger?: NotifierLogger;
}

/** Throws `ServerError` `INVALID_INPUT` when `url` is not an mqtt:, mqtts:, ws: or wss: URL. */
export function createMqttNotificationSender(options: MqttNotificationSenderOptions): NotificationSender {
  if (!isBrokerUrl(options.url)) {
    throw notifyError(
      ServerErrorCode.INVALID_INPUT,
      TRANSPORT,
      `broker url must be mqtt:, mqtts:, ws: or wss:, got "${options.url}"`,
    );
  }
  return new MqttSender(options);
}

class MqttSender implements NotificationSender {
  readonly transports = [TRANSPORT];
  readonly #options: MqttNotificationSenderOptions;
  readonly #timeoutMs: number;
  readonly #logger: NotifierLogger;
  /** The shared connection: pending or established; reset after a failed first connect so a later send retries. */
  #connection: Promise<MqttClient> | undefined;
  #closed = false;

  constructor(options: MqttNotificationSenderOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#logger = options.logger ?? stderrNotifierLogger;
  }

  async send(bytes: Uint8Array, address: NotificationTarget): Promise<void> {
    if (this.#closed) throw notifyError(ServerErrorCode.NOTIFY_SENDER_CLOSED, TRANSPORT, "sender is closed");
    if (address.transport !== TRANSPORT) throw unsupportedAddress(TRANSPORT, address);
    const { topic } = address;
    // Publishing to a wildcard is a protocol violation that would cost the whole shared connection.
    if (!isConcreteTopic(topic)) {
      throw notifyError(ServerErrorCode.NOTIFY_ADDRESS_INVALID, TRANSPORT, `invalid topic "${topic}"`);
    }
    const client = await this.#connect();
    const payload = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
      await withTimeout(client.publishAsync(topic, payload, { qos: 1, retain: false }), this.#timeoutMs, "PUBACK");
    } catch (error) {
      const code = isTimeout(error) ? ServerErrorCode.NOTIFY_SEND_TIMEOUT : ServerErrorCode.NOTIFY_SEND_FAILED;
      throw notifyError(code, TRANSPORT, `publish to "${topic}": ${errorMessage(error)}`, error);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection === undefined) return;
    const client = await connection.catch(() => undefined); // a failed connect already cleaned up
    if (client !== undefined) await closeMqtt(client); // graceful while connected: waits for in-flight PUBACKs
  }

  #connect(): Promise<MqttClient> {
    this.#connection ??= this.#open().catch((error: unknown) => {
      this.#connection = undefined;
      throw error;
    });
    return this.#connection;
  }

  async #open(): Promise<MqttClient> {
    const { url, clientId, username, password } = this.#options;
    try {
      return await connectMqtt({
        url,
        clientId,
        username,
        password,
        timeoutMs: this.#timeoutMs,
        logger: this.#logger,
        label: TRANSPORT,
      });
    } catch (error) {
      throw notifyError(ServerErrorCode.NOTIFY_SEND_FAILED, TRANSPORT, `broker ${url}: ${errorMessage(error)}`, error);
    }
  }
}
