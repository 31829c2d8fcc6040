// The MQTT topic that carries one device's Package#0 notifications. Server (publisher) and client (subscriber)
// both build it here so they can never disagree.
//
// docs/protocol.md §12: Appendix E (notification transports) was not available; MQTT is our (omadm's choice)-style
// datagram transport for Package#0 ("SMS or other datagram", docs/protocol.md §2). One topic per device:
// `<prefix>/<encoded DevID>`, e.g. `omadm/notify/IMEI:493005100592800`.

/** Default topic prefix for Package#0 delivery over MQTT. */
export const NOTIFICATION_TOPIC_PREFIX = "omadm/notify";

// Characters a DevID must not carry into a topic verbatim: `/` would add topic levels, `+` and `#` are MQTT
// wildcards (a subscriber could otherwise receive other devices' notifications), U+0000 is forbidden in MQTT
// strings, other C0/DEL controls are unreadable in broker logs, and `%` is escaped so that the encoding is
// one-to-one (two different DevIDs never share a topic). Lone surrogates cannot be encoded as UTF-8, which
// MQTT requires, so they become `%uXXXX` (`u` is not a hex digit, so this cannot clash with `%XX`).
// eslint-disable-next-line no-control-regex -- matching control characters is the point here
const UNSAFE = /[%/+#\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeUnit(unit: string): string {
  const code = unit.charCodeAt(0);
  return code > 0xff ? `%u${code.toString(16).toUpperCase()}` : `%${code.toString(16).toUpperCase().padStart(2, "0")}`;
}

/**
 * The per-device notification topic: `<prefix>/<DevID with %, /, +, #, controls and lone surrogates
 * percent-escaped>`. Total and one-to-one in `devId`. `prefix` is used as given (without a trailing `/`); it is
 * configuration and must not contain the wildcards `+` or `#`.
 */
export function notificationTopic(devId: string, prefix: string = NOTIFICATION_TOPIC_PREFIX): string {
  return `${prefix.replace(/\/+$/, "")}/${devId.replace(UNSAFE, escapeUnit)}`;
}
