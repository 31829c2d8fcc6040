// The pure half of a wake: from a device record and the notifier's options, decide what Package#0 carries, how
// it is signed and where it goes — no I/O here, so every rule is testable on plain objects.
//
// docs/protocol.md §2.4 (the options), §2.5 (SHA256-DIGEST and the Auth/Noti credentials), §12 (transports).

import {
  ConType,
  isConType,
  notificationTopic,
  type NotificationCredentials as DigestCredentials,
} from "@omadm/protocol";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { Device } from "../store/types.js";
import { NotificationTransportKind, type NotificationTarget } from "./transports/notification-sender.js";

/** `Auth/Noti/Type` values (docs/protocol.md §2.5, omadm's choice): 1 = SHA256-DIGEST, 0 = none. */
export const NotiAuthType = { None: 0, Sha256Digest: 1 } as const;
export type NotiAuthType = (typeof NotiAuthType)[keyof typeof NotiAuthType];

/** The order the notifier tries a device's addresses in when it has several (the first that works wins). */
export const DEFAULT_TRANSPORT_ORDER: readonly NotificationTransportKind[] = [
  // MQTT first: a PUBACK means the broker holds the message for the device; a UDP send only means the kernel
  // took the datagram.
  NotificationTransportKind.Mqtt,
  NotificationTransportKind.Udp,
];

/**
 * Checks a PREFERRED-CON-TYPE list the way the codec will (docs/protocol.md §2.4: non-empty, known codes, no
 * repeats, ANY_AVAILABLE only last) but answers with a ServerError INVALID_INPUT that names the problem, since
 * the list comes from an operator or the configuration rather than from the network.
 */
export function checkPreferredConTypes(list: readonly number[], what: string): readonly ConType[] {
  if (list.length === 0) throw invalid(`${what} is empty; omit it to send no PREFERRED-CON-TYPE`);
  const seen = new Set<number>();
  list.forEach((code, i) => {
    if (!isConType(code)) throw invalid(`${what}[${i}] = ${code} is not a bearer code (0x00–0x03)`);
    if (seen.has(code)) throw invalid(`${what}[${i}] repeats bearer code ${code}`);
    if (code === ConType.ANY_AVAILABLE && i !== list.length - 1) {
      throw invalid(`${what}: ANY_AVAILABLE (0x00) must be the last entry (docs/protocol.md §2.4)`);
    }
    seen.add(code);
  });
  return list as readonly ConType[];
}

/**
 * The SHA256-DIGEST credentials of the device (DMAcc `Auth/Noti/*` of this server, docs/protocol.md §2.5), or null
 * for an unsigned notification — which is only allowed when `allowUnsigned`, because a client that holds
 * `Auth/Noti` drops an unsigned notification and one without it drops a signed one (the §2.5 policy table).
 */
export function digestCredentialsOf(device: Device, allowUnsigned: boolean): DigestCredentials | null {
  const noti = device.notification;
  if (noti !== null && noti.type === NotiAuthType.Sha256Digest) {
    if (noti.secret.byteLength === 0) {
      throw missingCredentials(device.id, "Auth/Noti/Secret is empty (an empty secret authenticates nothing)");
    }
    return { secret: noti.secret, authData: noti.authData };
  }
  if (noti !== null && noti.type !== NotiAuthType.None) {
    throw missingCredentials(device.id, `Auth/Noti/Type ${noti.type} is not supported (1 = SHA256-DIGEST)`);
  }
  if (allowUnsigned) return null;
  const what =
    noti === null
      ? "has no notification credentials (Auth/Noti/Secret and Auth/Noti/Data)"
      : "has Auth/Noti/Type 0 (none)";
  throw missingCredentials(
    device.id,
    `${what}; refusing an unsigned Package#0 (set allowUnsigned to send one) — docs/protocol.md §2.5`,
  );
}

export interface AddressPlanOptions {
  readonly order: readonly NotificationTransportKind[];
  /** Transports some configured sender handles. */
  readonly supported: ReadonlySet<NotificationTransportKind>;
  /** Topic prefix for a device with no stored address, or null to never derive one. */
  readonly mqttTopicPrefix: string | null;
}

/**
 * The addresses to try, in order. Stored addresses (the device registry's `notifyAddress`) come first in
 * `order`; a device with no stored address at all is reached at `notificationTopic(devId)` when an MQTT
 * sender exists — the topic the client subscribes to by default (docs/protocol.md §12). A device with a stored UDP
 * address only is never sent to a derived topic it may not listen on.
 */
export function addressesOf(device: Device, options: AddressPlanOptions): readonly NotificationTarget[] {
  const stored = device.notifyAddress;
  const candidates: NotificationTarget[] = [];
  for (const kind of options.order) {
    if (kind === NotificationTransportKind.Udp && stored?.udp !== undefined) {
      candidates.push({ transport: kind, host: stored.udp.host, port: stored.udp.port });
    }
    if (kind === NotificationTransportKind.Mqtt && stored?.mqtt !== undefined) {
      candidates.push({ transport: kind, topic: stored.mqtt.topic });
    }
  }
  const hasStored = stored !== null && (stored.udp !== undefined || stored.mqtt !== undefined);
  if (!hasStored && options.mqttTopicPrefix !== null && options.supported.has(NotificationTransportKind.Mqtt)) {
    return [
      { transport: NotificationTransportKind.Mqtt, topic: notificationTopic(device.id, options.mqttTopicPrefix) },
    ];
  }
  if (candidates.length === 0) {
    throw new ServerError(
      ServerErrorCode.NOTIFY_NO_ADDRESS,
      `device "${device.id}" has no notification address (UDP host:port or MQTT topic) to send Package#0 to`,
    );
  }
  const usable = candidates.filter((a) => options.supported.has(a.transport));
  if (usable.length === 0) {
    const kinds = candidates.map((a) => a.transport).join(", ");
    throw new ServerError(
      ServerErrorCode.NOTIFY_TRANSPORT_UNSUPPORTED,
      `device "${device.id}" listens on ${kinds}, but no notification sender for that transport is configured`,
    );
  }
  return usable;
}

/** Where the address of an attempt is shown in logs and error messages. */
export function describeAddress(address: NotificationTarget): string {
  return address.transport === NotificationTransportKind.Udp
    ? `udp ${address.host.includes(":") ? `[${address.host}]` : address.host}:${address.port}`
    : `mqtt topic "${address.topic}"`;
}

function invalid(message: string): ServerError {
  return new ServerError(ServerErrorCode.INVALID_INPUT, message);
}

function missingCredentials(deviceId: string, detail: string): ServerError {
  return new ServerError(ServerErrorCode.NOTIFY_CREDENTIALS_MISSING, `device "${deviceId}" ${detail}`);
}
