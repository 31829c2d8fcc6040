// Package#0 over MQTT for many devices on one broker connection (a fleet simulator): each device still has its
// own topic (`notificationTopic(devId)`, docs/protocol.md §12) and its own NotificationTransport, but they share
// one MQTT client, so ten thousand devices cost one TCP connection. Subscriptions asked for together go out in
// one SUBSCRIBE; each message is routed by its topic to the one device listening on it.
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
import { deliverWithinLimit } from "./transport-lifecycle.js";

const TRANSPORT = "mqtt";
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Topics per SUBSCRIBE packet (a few dozen bytes each). */
const SUBSCRIBE_BATCH = 1000;

export interface MqttNotificationHubOptions {
  readonly url: string;
  readonly clientId?: string;
  readonly username?: string;
  readonly password?: string;
  readonly maxMessageBytes?: number;
  /** How long to wait for the broker's CONNACK and each SUBACK; default 10 s. */
  readonly connectTimeoutMs?: number;
  readonly logger?: NotificationLogger;
}

export interface MqttNotificationHub {
  /** The transport of one device topic over the hub's connection (connects on the first start). */
  transport(topic: string): NotificationTransport;
  /** Ends the connection; every transport stops hearing. Idempotent. */
  close(): Promise<void>;
}

interface PendingSubscribe {
  readonly topics: string[];
  readonly done: Promise<void>;
}

export function createMqttNotificationHub(options: MqttNotificationHubOptions): MqttNotificationHub {
  if (!isBrokerUrl(options.url)) {
    throw new NotificationTransportError(
      NotificationTransportErrorCode.INVALID_OPTIONS,
      TRANSPORT,
      `url must be an mqtt:, mqtts:, ws: or wss: URL, got "${options.url}"`,
    );
  }
  const logger = options.logger ?? stderrNotificationLogger;
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const limits = { maxBytes: options.maxMessageBytes ?? DEFAULT_MAX_NOTIFICATION_BYTES, unit: "message" };
  const handlers = new Map<string, NotificationHandler>();
  let connecting: Promise<MqttClient> | undefined;
  let pending: PendingSubscribe | undefined;
  let closed = false;

  const connect = (): Promise<MqttClient> =>
    (connecting ??= connectMqtt({ ...options, timeoutMs, logger, label: TRANSPORT }).then((client) => {
      client.on("message", (topic, payload) => {
        const handler = handlers.get(topic);
        if (handler !== undefined)
          deliverWithinLimit(handler, payload, { transport: TRANSPORT, address: topic }, limits, logger);
      });
      return client;
    }));

  /** Joins the SUBSCRIBE being gathered in this turn of the event loop, or starts one. */
  const subscribe = (topic: string): Promise<void> => {
    if (pending === undefined || pending.topics.length >= SUBSCRIBE_BATCH) {
      const topics: string[] = [];
      const done = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        if (pending?.topics === topics) pending = undefined;
        const client = await connect();
        await withTimeout(client.subscribeAsync(topics, { qos: 1 }), timeoutMs, "SUBACK");
      });
      pending = { topics, done };
    }
    pending.topics.push(topic);
    return pending.done;
  };

  return {
    transport(topic) {
      if (!isConcreteTopic(topic)) {
        throw new NotificationTransportError(
          NotificationTransportErrorCode.INVALID_OPTIONS,
          TRANSPORT,
          `topic must be one concrete topic without wildcards, got "${topic}"`,
        );
      }
      return {
        name: TRANSPORT,
        async start(onNotification) {
          const current = handlers.get(topic);
          if (current === onNotification) return;
          if (current !== undefined || closed) {
            throw new NotificationTransportError(
              closed ? NotificationTransportErrorCode.LISTEN_FAILED : NotificationTransportErrorCode.ALREADY_STARTED,
              TRANSPORT,
              closed ? "the MQTT hub is closed" : `topic "${topic}" is already heard by another handler`,
            );
          }
          // Listen before subscribing, so nothing delivered right after the SUBACK is missed.
          handlers.set(topic, onNotification);
          try {
            await subscribe(topic);
          } catch (error) {
            handlers.delete(topic);
            throw new NotificationTransportError(
              NotificationTransportErrorCode.LISTEN_FAILED,
              TRANSPORT,
              `cannot subscribe to "${topic}" at ${options.url}: ${errorMessage(error)}`,
              error,
            );
          }
        },
        async stop() {
          if (!handlers.delete(topic) || closed || connecting === undefined) return;
          const client = await connecting;
          if (!client.connected) return;
          try {
            await withTimeout(client.unsubscribeAsync(topic), timeoutMs, "UNSUBACK");
          } catch (error) {
            logger.warn({ transport: TRANSPORT, error }, "unsubscribe failed");
          }
        },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      handlers.clear();
      const client = await connecting?.catch(() => undefined);
      if (client !== undefined) await closeMqtt(client);
    },
  };
}
