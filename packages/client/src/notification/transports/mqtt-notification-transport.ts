// Package#0 over MQTT: the client subscribes (QoS 1) to its own device topic, built by `notificationTopic` from
// @omadm/protocol, and every message payload on it is one notification. docs/protocol.md §12: Appendix E was not
// available; MQTT is our datagram-style transport (docs/protocol.md §2), one message = one Package#0.
// Reconnects are left to mqtt.js (it re-subscribes after a reconnect).

import { connect, type IClientOptions, type MqttClient } from "mqtt";
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
const RECONNECT_PERIOD_MS = 1000;

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
  if (options.topic === "" || /[+#]/.test(options.topic) || options.topic.includes("\u0000")) {
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

/** mqtt.js throws synchronously on some malformed URLs; refuse them up front with a typed error instead. */
function isBrokerUrl(url: string): boolean {
  try {
    return ["mqtt:", "mqtts:", "ws:", "wss:"].includes(new URL(url).protocol);
  } catch {
    return false;
  }
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
      await client.endAsync(!client.connected); // force when offline: nothing left to flush
    });
  }

  async #open(onNotification: NotificationHandler): Promise<MqttClient> {
    const { url, topic, clientId, username, password } = this.#options;
    const clientOptions: IClientOptions = {
      clean: true,
      reconnectPeriod: RECONNECT_PERIOD_MS,
      connectTimeout: this.#timeoutMs,
      resubscribe: true,
      ...(clientId === undefined ? {} : { clientId }),
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
    };
    const client = connect(url, clientOptions);
    // Connection trouble is reported, never thrown (an 'error' event without a listener would crash the
    // process); the first error before the CONNACK additionally fails `start` (see firstConnect).
    client.on("error", (error) => {
      this.#logger.warn({ transport: TRANSPORT, url, error }, "MQTT connection error");
    });
    client.on("offline", () => {
      this.#logger.warn({ transport: TRANSPORT, url }, "MQTT connection lost; mqtt.js reconnects");
    });
    try {
      await withTimeout(firstConnect(client), this.#timeoutMs, "CONNACK");
      // Listen before subscribing, so nothing delivered right after the SUBACK is missed.
      client.on("message", (messageTopic, payload) => {
        if (messageTopic !== topic) return; // defensive: only this device's topic is subscribed
        this.#receive(onNotification, messageTopic, payload);
      });
      await withTimeout(client.subscribeAsync(topic, { qos: 1 }), this.#timeoutMs, "SUBACK");
    } catch (error) {
      await client.endAsync(true);
      throw new NotificationTransportError(
        NotificationTransportErrorCode.LISTEN_FAILED,
        TRANSPORT,
        `cannot subscribe to "${topic}" at ${url}: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    }
    return client;
  }

  #receive(onNotification: NotificationHandler, topic: string, payload: Buffer): void {
    const source = { transport: TRANSPORT, address: topic };
    deliverWithinLimit(onNotification, payload, source, { maxBytes: this.#maxBytes, unit: "message" }, this.#logger);
  }
}

/** Resolves on the first CONNACK; rejects on the first error before it (refused, bad credentials, …). */
function firstConnect(client: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const onConnect = (): void => {
      client.off("error", onError);
      resolve();
    };
    const onError = (error: Error): void => {
      client.off("connect", onConnect);
      reject(error);
    };
    client.once("connect", onConnect);
    client.once("error", onError);
  });
}

/** Rejects with a timeout error if `promise` has not settled within `ms`; always clears its timer. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no ${what} within ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}
