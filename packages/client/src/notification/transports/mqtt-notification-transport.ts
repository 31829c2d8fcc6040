// Package#0 over MQTT: the client subscribes (QoS 1) to its own device topic, built by `notificationTopic` from
// @omadm/protocol, and every message payload on it is one notification. docs/protocol.md §12: Appendix E was not
// available; MQTT is our datagram-style transport (docs/protocol.md §2), one message = one Package#0.
// Reconnects are left to mqtt.js (it re-subscribes after a reconnect).

import { errorMessage } from "@omadm/protocol";
import { closeMqtt, connectMqtt, isBrokerUrl, isConcreteTopic, withTimeout, type MqttClient } from "@omadm/transport";
import {
  DEFAULT_MAX_NOTIFICATION_BYTES,
  stderrNotificationLogger,
  type NotificationHandler,
  type NotificationLogger,
  type NotificationTransport,
} from "./notification-transport.js";
import { NotificationTransportError, NotificationTransportErrorCode } from "./transport-error.js";
import { deliverWithinLimit, TransportLifecycle } from "./transport-lifecycle.js";

const TRANSPORT = "mqtt";
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export interface MqttNotificationTransportOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883` or `mqtts://…`. */
  readonly url: string;
  /** This device's topic: `notificationTopic(devId)`. Wildcards are refused (it would hear other devices). */
  readonly topic: string;
  readonly clientId?: string;
  readonly username?: string;
  readonly password?: string;
  /** Larger payloads are dropped and logged (default `DEFAULT_MAX_NOTIFICATION_BYTES`). */
  readonly maxMessageBytes?: number;
  /** How long `start` waits for the broker (and `stop` for the UNSUBACK); default 10 s. */
  readonly connectTimeoutMs?: number;
  readonly logger?: NotificationLogger;
}

export function createMqttNotificationTransport(options: MqttNotificationTransportOptions): NotificationTransport {
  if (!isConcreteTopic(options.topic)) {
    throw new NotificationTransportError(
      NotificationTransportErrorCode.INVALID_OPTIONS,
      TRANSPORT,
      `topic must be one concrete topic without wildcards, got "${options.topic}"`,
    );
  }
  if (!isBrokerUrl(options.url)) {
    throw new NotificationTransportError(
      NotificationTransportErrorCode.INVALID_OPTIONS,
      TRANSPORT,
      `url must be an mqtt:, mqtts:, ws: or wss: URL, got "${options.url}"`,
    );
  }
  return new MqttTransport(options);
}

class MqttTransport implements NotificationTransport {
  readonly name = TRANSPORT;
  readonly #options: MqttNotificationTransportOptions;
  readonly #maxBytes: number;
  readonly #timeoutMs: number;
  readonly #logger: NotificationLogger;
  readonly #lifecycle = new TransportLifecycle<MqttClient>(TRANSPORT);

  constructor(options: MqttNotificationTransportOptions) {
    this.#options = options;
    this.#maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_NOTIFICATION_BYTES;
    this.#timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#logger = options.logger ?? stderrNotificationLogger;
  }

  start(onNotification: NotificationHandler): Promise<void> {
    return this.#lifecycle.start(onNotification, () => this.#open(onNotification));
  }

  stop(): Promise<void> {
    return this.#lifecycle.stop(async (client) => {
      if (client.connected) {
        try {
          await withTimeout(client.unsubscribeAsync(this.#options.topic), this.#timeoutMs, "UNSUBACK");
        } catch (error) {
          this.#logger.warn({ transport: TRANSPORT, error }, "unsubscribe failed; disconnecting anyway");
        }
      }
      await closeMqtt(client);
    });
  }

  async #open(onNotification: NotificationHandler): Promise<MqttClient> {
    const { url, topic, clientId, username, password } = this.#options;
    const listenFailed = (error: unknown): NotificationTransportError =>
      new NotificationTransportError(
        NotificationTransportErrorCode.LISTEN_FAILED,
        TRANSPORT,
        `cannot subscribe to "${topic}" at ${url}: ${errorMessage(error)}`,
        error,
      );
    let client: MqttClient;
    try {
      client = await connectMqtt({
        url,
        clientId,
        username,
        password,
        timeoutMs: this.#timeoutMs,
        logger: this.#logger,
        label: TRANSPORT,
      });
    } catch (error) {
      throw listenFailed(error);
    }
    try {
      // Listen before subscribing, so nothing delivered right after the SUBACK is missed; mqtt.js subscribes
      // again after a reconnect (resubscribe is on by default).
      client.on("message", (messageTopic, payload) => {
        if (messageTopic !== topic) return; // defensive: only this device's topic is subscribed
        this.#receive(onNotification, messageTopic, payload);
      });
      await withTimeout(client.subscribeAsync(topic, { qos: 1 }), this.#timeoutMs, "SUBACK");
    } catch (error) {
      await client.endAsync(true);
      throw listenFailed(error);
    }
    return client;
  }

  #receive(onNotification: NotificationHandler, topic: string, payload: Buffer): void {
    const source = { transport: TRANSPORT, address: topic };
    deliverWithinLimit(onNotification, payload, source, { maxBytes: this.#maxBytes, unit: "message" }, this.#logger);
  }
}
