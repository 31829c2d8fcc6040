// Device input checks and state rules, shared by every store implementation.
import { deviceIdProblem } from "../device-id.js";
import { invalid, jsonRoundTrip, requireInt, requireOneOf, requireText } from "./rules.js";
import { DeviceState, HttpAuthType } from "./types.js";
import type {
  Device,
  DevicePatch,
  HttpCredentials,
  JsonValue,
  MosInventoryEntry,
  NewDevice,
  NotificationAddress,
  NotificationCredentials,
  PskCredentials,
} from "./types.js";

/** A DevicePatch after validation: every present field is well-formed; JSON fields are round-tripped. */
export interface CheckedDevicePatch {
  readonly labels?: Readonly<Record<string, string>>;
  readonly disabled?: boolean;
  readonly devInfo?: JsonValue | null;
  readonly mos?: readonly MosInventoryEntry[] | null;
  readonly notification?: NotificationCredentials | null;
  readonly notifyAddress?: NotificationAddress | null;
  readonly http?: HttpCredentials | null;
  readonly certFingerprint?: string | null;
  readonly psk?: PskCredentials | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkLabels(value: unknown): Readonly<Record<string, string>> {
  if (!isRecord(value)) throw invalid("labels must be an object of strings");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.length === 0 || typeof v !== "string") throw invalid("labels must map non-empty names to strings");
    out[k] = v;
  }
  return out;
}

function checkMos(value: unknown): readonly MosInventoryEntry[] {
  if (!Array.isArray(value)) throw invalid("mos must be an array");
  return value.map((entry: unknown, i) => {
    if (!isRecord(entry) || !Array.isArray(entry["MIID"]) || !entry["MIID"].every((m) => typeof m === "string")) {
      throw invalid(`mos[${i}] must have a MIID array of strings`);
    }
    const moid = entry["MOID"];
    const ddf = entry["DDF"];
    if (moid !== undefined && typeof moid !== "string") throw invalid(`mos[${i}].MOID must be a string`);
    if (ddf !== undefined && typeof ddf !== "string") throw invalid(`mos[${i}].DDF must be a string`);
    return {
      ...(moid === undefined ? {} : { MOID: moid }),
      MIID: [...entry["MIID"]],
      ...(ddf === undefined ? {} : { DDF: ddf }),
    };
  });
}

function checkNotification(value: NotificationCredentials): NotificationCredentials {
  requireInt(value.type, "notification.type", 0, 255);
  if (!(value.secret instanceof Uint8Array) || !(value.authData instanceof Uint8Array)) {
    throw invalid("notification.secret and notification.authData must be byte arrays");
  }
  return { type: value.type, secret: new Uint8Array(value.secret), authData: new Uint8Array(value.authData) };
}

function checkAddress(value: unknown): NotificationAddress {
  if (!isRecord(value)) throw invalid("notifyAddress must be an object");
  const { udp, mqtt } = value;
  const out: { udp?: { host: string; port: number }; mqtt?: { topic: string } } = {};
  if (udp !== undefined) {
    if (!isRecord(udp)) throw invalid("notifyAddress.udp must be an object");
    out.udp = { host: requireText(udp["host"], "udp.host"), port: requireInt(udp["port"], "udp.port", 1, 65535) };
  }
  if (mqtt !== undefined) {
    if (!isRecord(mqtt)) throw invalid("notifyAddress.mqtt must be an object");
    out.mqtt = { topic: requireText(mqtt["topic"], "mqtt.topic") };
  }
  return out;
}

const HEX = /^[0-9a-f]+$/;

function checkHttp(value: HttpCredentials): HttpCredentials {
  const out: { -readonly [K in keyof HttpCredentials]: HttpCredentials[K] } = {
    type: requireOneOf(value.type, Object.values(HttpAuthType), "http.type"),
    username: requireText(value.username, "http.username"),
    realm: value.realm,
  };
  if (typeof value.realm !== "string") throw invalid("http.realm must be a string");
  if (value.ha1Md5 !== undefined) {
    if (!/^[0-9a-f]{32}$/.test(value.ha1Md5)) throw invalid("http.ha1Md5 must be 32 lowercase hex digits");
    out.ha1Md5 = value.ha1Md5;
  }
  if (value.ha1Sha256 !== undefined) {
    if (!/^[0-9a-f]{64}$/.test(value.ha1Sha256)) throw invalid("http.ha1Sha256 must be 64 lowercase hex digits");
    out.ha1Sha256 = value.ha1Sha256;
  }
  if (out.ha1Md5 === undefined && out.ha1Sha256 === undefined) throw invalid("http needs ha1Md5 or ha1Sha256");
  return out;
}

function checkPsk(value: PskCredentials): PskCredentials {
  const keyHex = requireText(value.keyHex, "psk.keyHex");
  if (!HEX.test(keyHex) || keyHex.length % 2 !== 0) throw invalid("psk.keyHex must be lowercase hex bytes");
  return { identity: requireText(value.identity, "psk.identity"), keyHex };
}

function orNull<T>(value: T | null, check: (v: T) => T): T | null {
  return value === null ? null : check(value);
}

export function checkDevicePatch(patch: DevicePatch): CheckedDevicePatch {
  const out: { -readonly [K in keyof CheckedDevicePatch]: CheckedDevicePatch[K] } = {};
  if (patch.labels !== undefined) out.labels = checkLabels(patch.labels);
  if (patch.disabled !== undefined) {
    if (typeof patch.disabled !== "boolean") throw invalid("disabled must be a boolean");
    out.disabled = patch.disabled;
  }
  if (patch.devInfo !== undefined)
    out.devInfo = patch.devInfo === null ? null : jsonRoundTrip(patch.devInfo, "devInfo");
  if (patch.mos !== undefined) out.mos = orNull(patch.mos, checkMos);
  if (patch.notification !== undefined) out.notification = orNull(patch.notification, checkNotification);
  if (patch.notifyAddress !== undefined) out.notifyAddress = orNull(patch.notifyAddress, checkAddress);
  if (patch.http !== undefined) out.http = orNull(patch.http, checkHttp);
  if (patch.certFingerprint !== undefined) {
    out.certFingerprint = orNull(patch.certFingerprint, (v) => requireText(v, "certFingerprint"));
  }
  if (patch.psk !== undefined) out.psk = orNull(patch.psk, checkPsk);
  return out;
}

export function checkNewDevice(input: NewDevice): { readonly id: string; readonly patch: CheckedDevicePatch } {
  if ("disabled" in input) throw invalid("a new device cannot be created disabled");
  const id = requireText(input.id, "device id");
  const wrong = deviceIdProblem(id);
  if (wrong !== null) throw invalid(wrong);
  return { id, patch: checkDevicePatch(input) };
}

/** Enabling a disabled device returns it to where it was: registered if it ever made contact. */
export function stateAfterPatch(device: Pick<Device, "state" | "firstContactAt">, disabled?: boolean): DeviceState {
  if (disabled === true) return DeviceState.Disabled;
  if (disabled === false && device.state === DeviceState.Disabled) {
    return device.firstContactAt === null ? DeviceState.Provisioned : DeviceState.Registered;
  }
  return device.state;
}

/** A Package#1 arrived: provisioned → registered; a disabled device stays disabled. */
export function stateAfterContact(state: DeviceState): DeviceState {
  return state === DeviceState.Provisioned ? DeviceState.Registered : state;
}

/** Applies a checked patch to a device record (the memory store's update; SQL maps columns the same way). */
export function applyDevicePatch(device: Device, patch: CheckedDevicePatch, now: number): Device {
  return {
    ...device,
    state: stateAfterPatch(device, patch.disabled),
    updatedAt: now,
    ...(patch.labels === undefined ? {} : { labels: patch.labels }),
    ...(patch.devInfo === undefined ? {} : { devInfo: patch.devInfo, devInfoAt: now }),
    ...(patch.mos === undefined ? {} : { mos: patch.mos, mosAt: now }),
    ...(patch.notification === undefined ? {} : { notification: patch.notification }),
    ...(patch.notifyAddress === undefined ? {} : { notifyAddress: patch.notifyAddress }),
    ...(patch.http === undefined ? {} : { http: patch.http }),
    ...(patch.certFingerprint === undefined ? {} : { certFingerprint: patch.certFingerprint }),
    ...(patch.psk === undefined ? {} : { psk: patch.psk }),
  };
}

export function newDeviceRecord(id: string, state: DeviceState, now: number, contact: boolean): Device {
  return {
    id,
    state,
    labels: {},
    createdAt: now,
    updatedAt: now,
    firstContactAt: contact ? now : null,
    lastContactAt: contact ? now : null,
    devInfo: null,
    devInfoAt: null,
    mos: null,
    mosAt: null,
    notification: null,
    notifyAddress: null,
    http: null,
    certFingerprint: null,
    psk: null,
  };
}

/** Merges newly read DevInfo values over the device's stored ones (leaves read earlier and not now are kept). */
export function mergeDevInfo(previous: JsonValue | null, next: Readonly<Record<string, JsonValue>>): JsonValue {
  const stored = typeof previous === "object" && previous !== null && !Array.isArray(previous);
  return stored ? { ...(previous as Record<string, JsonValue>), ...next } : { ...next };
}
