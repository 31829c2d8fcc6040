// The Notifier: builds a device's Package#0 (DM Notification), signs it with the device's Auth/Noti
// credentials, sends it over a transport the device listens on, and records every attempt in the store.
//
// docs/protocol.md §2 / docs/protocol.md §2.1: the DM Server MUST support Package#0 — the only way it can ask a
// device for a session. §2.4: SERVER-ID, NOTIFICATION-ID (uint16, increasing per server — the store's
// `notifications.nextId()` keeps the counter durable, so ids never repeat across restarts before wrapping; taken a
// block at a time, notification-ids.ts),
// TIMESTAMP (POSIX seconds), REQ-MOS, PREFERRED-CON-TYPE; §2.5: SHA256-DIGEST; §12: UDP and MQTT.

import {
  errorMessage,
  NOTIFICATION_TOPIC_PREFIX,
  OptionProfile,
  encodeNotification,
  isProtocolError,
  signNotification,
  type ConType,
  type Notification,
} from "@omadm/protocol";
import { ServerError, ServerErrorCode, isServerError } from "../errors.js";
import type { Store } from "../store/store.js";
import type { Clock, Device, NotificationCredentials } from "../store/types.js";
import { NotificationOutcome, type NotificationRecord } from "../store/types-session.js";
import {
  createRoutingNotificationSender,
  stderrNotifierLogger,
  type NotificationTarget,
  type NotificationSender,
  type NotificationTransportKind,
  type NotifierLogger,
} from "./transports/notification-sender.js";
import { createNotificationIds } from "./notification-ids.js";
import {
  DEFAULT_TRANSPORT_ORDER,
  addressesOf,
  checkPreferredConTypes,
  describeAddress,
  digestCredentialsOf,
} from "./wake-plan.js";

/** pino fits: `info` is optional so the senders' warn-only logger fits too. */
export interface NotifierEventLogger extends NotifierLogger {
  info?(details: Record<string, unknown>, message: string): void;
}

export interface NotifierDeps {
  /** Only the parts the notifier uses, so a composition root (or a test) can hand in a narrower object. */
  readonly store: Pick<Store, "devices" | "notifications">;
  /** One sender (e.g. from createRoutingNotificationSender) or several, routed by transport. Not closed here. */
  readonly senders: NotificationSender | readonly NotificationSender[];
  readonly clock: Clock;
  readonly logger?: NotifierEventLogger;
}

export interface NotifierOptions {
  /** SERVER-ID: this server's `SrvID` in the devices' DMAcc (docs/protocol.md §2.4, §2.7 step 1). */
  readonly serverId: string;
  /** Send REQ-MOS on every wake unless the caller says otherwise (default false). */
  readonly reqMosDefault?: boolean;
  /** PREFERRED-CON-TYPE for every wake unless the caller gives another list (default: none sent). */
  readonly preferredConTypes?: readonly ConType[];
  /** Package#0 option layout (docs/protocol.md §2.3); default "A". Must match the clients'. */
  readonly profile?: OptionProfile;
  /** Send unsigned notifications to devices without Auth/Noti credentials (default false: refuse). */
  readonly allowUnsigned?: boolean;
  /** Which of a device's addresses to try first (default MQTT, then UDP). */
  readonly transportOrder?: readonly NotificationTransportKind[];
  /**
   * Topic prefix used for a device with no stored address when an MQTT sender exists (default
   * `NOTIFICATION_TOPIC_PREFIX`, the client's default); null: never derive a topic.
   */
  readonly mqttTopicPrefix?: string | null;
}

export interface WakeOptions {
  /** Send REQ-MOS (true) or not (false). Default: the notifier's `reqMosDefault`, or true while the device's
   *  MOS inventory is unknown (no Package#1 has carried one yet), so the next session brings it. */
  readonly reqMos?: boolean;
  /** Overrides the notifier's PREFERRED-CON-TYPE for this wake; an empty list is refused. */
  readonly preferredConTypes?: readonly ConType[];
  /** Why the device is woken ("api", "command queued", …): logged with the outcome. */
  readonly reason?: string;
  /** Sign with these instead of the device's own (a server-initiated bootstrap: the bootstrap account's). */
  readonly credentials?: NotificationCredentials;
}

export interface Notifier {
  /**
   * Sends one Package#0 to the device and resolves with the stored record of the attempt that succeeded.
   * Refusals before anything is sent (nothing is recorded): DEVICE_NOT_FOUND, NOTIFY_CREDENTIALS_MISSING,
   * NOTIFY_NO_ADDRESS, NOTIFY_TRANSPORT_UNSUPPORTED, INVALID_INPUT. When every address fails, each attempt is
   * recorded `failed` with its reason and the promise rejects with a `NotificationFailedError`.
   */
  wake(deviceId: string, options?: WakeOptions): Promise<NotificationRecord>;
}

/**
 * Every send attempt of one wake failed. `code` is the last sender's NOTIFY_* code; `records` are the stored
 * failed attempts (one per address tried), `record` the last of them.
 */
export class NotificationFailedError extends ServerError {
  readonly records: readonly NotificationRecord[];
  readonly record: NotificationRecord;

  constructor(code: ServerErrorCode, message: string, records: readonly NotificationRecord[], cause: unknown) {
    super(code, message, { cause });
    const last = records.at(-1);
    if (last === undefined) throw new TypeError("NotificationFailedError needs at least one record");
    this.records = records;
    this.record = last;
  }
}

export function createNotifier(deps: NotifierDeps, options: NotifierOptions): Notifier {
  const sender = Array.isArray(deps.senders)
    ? createRoutingNotificationSender(deps.senders as readonly NotificationSender[])
    : (deps.senders as NotificationSender);
  const logger: NotifierEventLogger = deps.logger ?? stderrNotifierLogger;
  const profile = options.profile ?? OptionProfile.A;
  const defaultConTypes =
    options.preferredConTypes === undefined
      ? undefined
      : checkPreferredConTypes(options.preferredConTypes, "options.preferredConTypes");
  checkServerId(options.serverId, profile);
  const nextNotificationId = createNotificationIds((count) => deps.store.notifications.nextId(count));
  const plan = {
    order: options.transportOrder ?? DEFAULT_TRANSPORT_ORDER,
    supported: new Set(sender.transports),
    mqttTopicPrefix: options.mqttTopicPrefix === undefined ? NOTIFICATION_TOPIC_PREFIX : options.mqttTopicPrefix,
  };

  async function wake(deviceId: string, wakeOptions: WakeOptions = {}): Promise<NotificationRecord> {
    const device = await deps.store.devices.get(deviceId);
    if (device === null) {
      throw new ServerError(ServerErrorCode.DEVICE_NOT_FOUND, `no device "${deviceId}" to notify`);
    }
    // Everything that can be refused is checked before a NOTIFICATION-ID is spent.
    const credentials =
      wakeOptions.credentials === undefined
        ? digestCredentialsOf(device, options.allowUnsigned ?? false)
        : digestCredentialsOf({ ...device, notification: wakeOptions.credentials }, false);
    const addresses = addressesOf(device, plan);
    const conTypes =
      wakeOptions.preferredConTypes === undefined
        ? defaultConTypes
        : checkPreferredConTypes(wakeOptions.preferredConTypes, "preferredConTypes");

    const notification: Notification = {
      serverId: options.serverId,
      ...(conTypes === undefined ? {} : { preferredConTypes: conTypes }),
      notificationId: await nextNotificationId(),
      // docs/protocol.md §2.4 (omadm's choice): TIMESTAMP is whole POSIX seconds; the client drops stale ones.
      timestamp: Math.floor(deps.clock.now() / 1000),
      reqMos: wantsMos(device, wakeOptions, options),
      unknownOptions: [],
    };
    const bytes =
      credentials === null
        ? encodeNotification(notification, { profile })
        : signNotification(notification, credentials, { profile });
    return deliver(device, notification, bytes, addresses, wakeOptions.reason);
  }

  async function deliver(
    device: Device,
    notification: Notification,
    bytes: Uint8Array,
    addresses: readonly NotificationTarget[],
    reason: string | undefined,
  ): Promise<NotificationRecord> {
    const notificationId = notification.notificationId ?? 0;
    const failed: NotificationRecord[] = [];
    let lastError: ServerError | undefined;
    // The same bytes (same NOTIFICATION-ID) go to each next address: should two arrive, the client keeps one
    // (duplicate detection by SERVER-ID + NOTIFICATION-ID, docs/protocol.md §2.4).
    for (const address of addresses) {
      const where = describeAddress(address);
      const details = { deviceId: device.id, notificationId, address: where, reason, reqMos: notification.reqMos };
      try {
        await sender.send(bytes, address);
      } catch (error) {
        lastError = asNotifyError(error, where);
        failed.push(
          await deps.store.notifications.record({
            deviceId: device.id,
            notificationId,
            transport: address.transport,
            outcome: NotificationOutcome.Failed,
            error: lastError.message,
          }),
        );
        logger.warn({ ...details, code: lastError.code, error: lastError.message }, "Package#0 send failed");
        continue;
      }
      const record = await deps.store.notifications.record({
        deviceId: device.id,
        notificationId,
        transport: address.transport,
        outcome: NotificationOutcome.Sent,
      });
      logger.info?.(details, "Package#0 sent");
      return record;
    }
    // addressesOf never returns an empty list, so at least one attempt failed here.
    const error = lastError ?? new ServerError(ServerErrorCode.NOTIFY_SEND_FAILED, "no address was tried");
    const tried = failed.map((r) => `${r.transport}: ${r.error ?? "failed"}`).join("; ");
    throw new NotificationFailedError(
      error.code,
      `Package#0 #${notificationId} to device "${device.id}" could not be sent (${tried})`,
      failed,
      error,
    );
  }

  return { wake };
}

/** REQ-MOS: as the caller asks; else the configured default, or while the MOS inventory is still unknown. */
function wantsMos(device: Device, wake: WakeOptions, options: NotifierOptions): boolean {
  if (wake.reqMos !== undefined) return wake.reqMos;
  return (options.reqMosDefault ?? false) || device.mos === null;
}

/** Senders reject with NOTIFY_* ServerErrors; anything else is wrapped so callers only ever see typed errors. */
function asNotifyError(error: unknown, where: string): ServerError {
  if (isServerError(error)) return error;
  const message = errorMessage(error);
  return new ServerError(ServerErrorCode.NOTIFY_SEND_FAILED, `${where}: ${message}`, { cause: error });
}

/** SERVER-ID must be present (it selects the DMAcc, §2.7) and encodable in the chosen profile. */
function checkServerId(serverId: string, profile: OptionProfile): void {
  if (typeof serverId !== "string" || serverId === "") {
    throw new ServerError(ServerErrorCode.INVALID_INPUT, "options.serverId must be the non-empty DMAcc SrvID");
  }
  try {
    encodeNotification({ serverId, reqMos: false, unknownOptions: [] }, { profile });
  } catch (error) {
    if (!isProtocolError(error)) throw error;
    throw new ServerError(ServerErrorCode.INVALID_INPUT, `options.serverId cannot be sent: ${error.message}`, {
      cause: error,
    });
  }
}
