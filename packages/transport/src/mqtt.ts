// Opening and closing an MQTT broker connection, the part the client's notification listener (subscribe) and
// the server's notification sender (publish) share (docs/protocol.md §12: MQTT carries one Package#0 per
// message). mqtt.js reconnects a lost connection by itself; what it does not give is a bounded first connect
// and a connection whose trouble is reported instead of crashing the process.
import { connect, type IClientOptions, type MqttClient } from "mqtt";
import { errorMessage } from "@omadm/protocol";
import { withTimeout } from "./timeout.js";
import { TransportError, TransportErrorCode, type TransportLogger } from "./transport-error.js";

/** How soon mqtt.js tries again after a lost connection. */
const RECONNECT_PERIOD_MS = 1000;
/** The message of the error mqtt.js emits when its own connect timer runs out. */
const MQTT_CONNACK_TIMEOUT = "connack timeout";
const BROKER_PROTOCOLS: readonly string[] = ["mqtt:", "mqtts:", "ws:", "wss:"];

export interface MqttConnectOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883` or `mqtts://…`. */
  readonly url: string;
  readonly clientId?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** How long to wait for the first CONNACK (also mqtt.js's connect timeout of each later attempt). */
  readonly timeoutMs: number;
  /** Connection errors and losses are reported here, never thrown. */
  readonly logger: TransportLogger;
  /** The `transport` field of those log lines (default `"mqtt"`). */
  readonly label?: string;
}

/** mqtt.js throws synchronously on some malformed URLs; callers refuse them up front with this check. */
export function isBrokerUrl(url: string): boolean {
  try {
    return BROKER_PROTOCOLS.includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

/**
 * One concrete topic: not empty, no `+`/`#` wildcard (subscribing would hear other devices; publishing to one is
 * a protocol violation that costs the whole connection), no NUL.
 */
export function isConcreteTopic(topic: string): boolean {
  return topic !== "" && !/[+#]/.test(topic) && !topic.includes("\u0000");
}

/**
 * Connects with a clean session and resolves on the first CONNACK. Rejects with `TransportError` `TIMEOUT`
 * when none comes within `timeoutMs`, `CONNECT_FAILED` when the first attempt fails (refused, bad credentials,
 * unreachable); either way the client is ended, so nothing keeps retrying. After the CONNACK, mqtt.js
 * reconnects by itself and every error or loss goes to the logger.
 */
export async function connectMqtt(options: MqttConnectOptions): Promise<MqttClient> {
  const { url, clientId, username, password, timeoutMs, logger } = options;
  const label = options.label ?? "mqtt";
  const clientOptions: IClientOptions = {
    clean: true,
    reconnectPeriod: RECONNECT_PERIOD_MS,
    connectTimeout: timeoutMs,
    ...(clientId === undefined ? {} : { clientId }),
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
  const client = connect(url, clientOptions);
  // An 'error' event without a listener would crash the process; the first error before the CONNACK also fails
  // the connect (firstConnect).
  client.on("error", (error) => {
    logger.warn({ transport: label, url, error }, "MQTT connection error");
  });
  client.on("offline", () => {
    logger.warn({ transport: label, url }, "MQTT connection lost; mqtt.js reconnects");
  });
  try {
    await withTimeout(firstConnect(client), timeoutMs, "CONNACK");
    return client;
  } catch (error) {
    await client.endAsync(true);
    if (error instanceof TransportError) throw error;
    // mqtt.js runs its own CONNACK timer with the same period, which usually fires first: the same deadline.
    if (error instanceof Error && error.message === MQTT_CONNACK_TIMEOUT) {
      throw new TransportError(TransportErrorCode.TIMEOUT, `no CONNACK within ${timeoutMs} ms`, { cause: error });
    }
    throw new TransportError(TransportErrorCode.CONNECT_FAILED, errorMessage(error), { cause: error });
  }
}

/** Disconnects: gracefully while connected (in-flight acknowledgements are awaited), at once when offline. */
export async function closeMqtt(client: MqttClient): Promise<void> {
  await client.endAsync(!client.connected);
}

/** Resolves on the first CONNACK; rejects on the first error before it. */
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
