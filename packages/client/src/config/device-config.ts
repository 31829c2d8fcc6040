// A device config file, checked and resolved: one JSON document describing a device (DevInfo values, DM Accounts
// with their credentials, extra MOs with their DDFs, EXEC behaviours, notification listeners, the browser
// launcher, the state directory). `parseDeviceConfig` is total: any input gives a DeviceConfig or a
// DeviceConfigError whose `key` names the offending entry (`accounts[0].notification.secret`). Files it refers
// to (DDFs, TLS PEMs, PSK key) are read through an injected `readFile` and paths resolve against the config
// file's directory; `loadDeviceConfig` (load-device-config.ts) is the Node adapter.
import { bootstrapInput } from "./bootstrap-config.js";
import { isAbsolute, resolve } from "node:path";
import { Compile } from "typebox/compile";
import type { TLocalizedValidationError } from "typebox/error";
import {
  errorMessage,
  ConType,
  type MoDefinition,
  type Result,
  err,
  isValidMiid,
  isValidMoid,
  ok,
  OmadmError,
  parseDdf,
  parseJsonText,
} from "@omadm/protocol";
import type { DevInfoConfig } from "../tree/devinfo.js";
import type { DmAccountInput } from "../tree/dmacc.js";
import { type MoDataObject, decodeBase64 } from "../tree/leaf-value.js";
import { type BytesJson, DeviceConfigSchema, type DeviceConfigJson } from "./device-config-schema.js";

export const DeviceConfigErrorCode = {
  /** The file is not JSON, or a key is missing, unknown or of the wrong type. */
  INVALID: "OMADM_CONFIG_INVALID",
  /** A file the config refers to (DDF, TLS PEM, PSK key, the config itself) cannot be read. */
  FILE: "OMADM_CONFIG_FILE",
  /** A DDF file does not parse. */
  DDF: "OMADM_CONFIG_DDF",
} as const;
export type DeviceConfigErrorCode = (typeof DeviceConfigErrorCode)[keyof typeof DeviceConfigErrorCode];

export class DeviceConfigError extends OmadmError<DeviceConfigErrorCode> {
  override readonly name = "DeviceConfigError";
  /** The config key at fault, e.g. `accounts[0].srvUri` ("" for the whole document). */
  readonly key: string;

  constructor(code: DeviceConfigErrorCode, key: string, message: string, cause?: unknown) {
    super(code, key === "" ? message : `${key}: ${message}`, cause === undefined ? {} : { cause });
    this.key = key;
  }
}

/** TLS material for one account's sessions, already read from its files. */
export interface TlsMaterialConfig {
  readonly ca?: Uint8Array;
  readonly cert?: Uint8Array;
  readonly key?: Uint8Array;
  readonly psk?: { readonly identity: string; readonly key: Uint8Array };
  readonly rejectUnauthorized?: boolean;
}

export interface AccountConfig {
  readonly input: DmAccountInput;
  /** Where the notification credentials are written (§15: the seed's Credentials/Noti for old tools). */
  readonly notiLayout: "approved" | "seed";
  readonly tls?: TlsMaterialConfig;
}

export interface MoConfig {
  readonly ddfPath: string;
  readonly definition: MoDefinition;
  readonly ddfUrl?: string;
  readonly instances: readonly { readonly miid?: string; readonly values?: Readonly<Record<string, unknown>> }[];
}

export const ExecKind = { Sync: "sync", Async: "async", Command: "command" } as const;
export type ExecKind = (typeof ExecKind)[keyof typeof ExecKind];

export type ExecBehaviour = { readonly moid: string; readonly path: readonly string[] } & (
  | { readonly kind: typeof ExecKind.Sync; readonly result: number }
  | { readonly kind: typeof ExecKind.Async; readonly result: number; readonly delayMs: number }
  | { readonly kind: typeof ExecKind.Command; readonly argv: readonly string[] }
);

export interface UdpListenerConfig {
  readonly host: string;
  readonly port: number;
  readonly srvId?: string;
}

export interface MqttListenerConfig {
  readonly url: string;
  /** Absent: `notificationTopic(DevID)`. */
  readonly topic?: string;
  readonly clientId?: string;
  readonly username?: string;
  readonly password?: string;
  readonly srvId?: string;
}

export interface DeviceConfig {
  readonly devInfo: DevInfoConfig;
  readonly accounts: readonly AccountConfig[];
  readonly mos: readonly MoConfig[];
  readonly exec: readonly ExecBehaviour[];
  readonly notifications: {
    readonly udp: readonly UdpListenerConfig[];
    readonly mqtt: readonly MqttListenerConfig[];
    readonly bearers: readonly ConType[];
    readonly maxAgeSeconds?: number;
    readonly maxFutureSeconds?: number;
    readonly maxRecentIds?: number;
  };
  /** Back-off of failed asynchronous EXEC reports (defaults in report-retry.ts). */
  readonly asyncReports: {
    readonly maxAttempts?: number;
    readonly retryBaseMs?: number;
    readonly retryMaxMs?: number;
  };
  readonly browser?: readonly string[];
  /** Absolute path of the state directory. */
  readonly stateDir: string;
  readonly allowHttp: boolean;
  readonly allowUnauthenticatedNotifications: boolean;
  readonly subDebounceMs?: number;
}

export interface ParseDeviceConfigOptions {
  /** Directory relative paths resolve against (the config file's directory). */
  readonly baseDir: string;
  /** Reads a referenced file; may throw (reported as OMADM_CONFIG_FILE naming the key). */
  readonly readFile: (path: string) => Uint8Array;
}

const checkConfig = Compile(DeviceConfigSchema);

type Parsed<T> = Result<T, DeviceConfigError>;

const invalid = (key: string, message: string): { readonly ok: false; readonly error: DeviceConfigError } =>
  err(new DeviceConfigError(DeviceConfigErrorCode.INVALID, key, message));

/** Checks and resolves a device config (JSON text, bytes or an already parsed value). Never throws. */
export function parseDeviceConfig(input: unknown, options: ParseDeviceConfigOptions): Parsed<DeviceConfig> {
  let value: unknown = input;
  if (typeof input === "string" || input instanceof Uint8Array) {
    const parsed = parseJsonText(input);
    if (!parsed.ok) return invalid("", `not valid JSON: ${parsed.error.message}`);
    value = parsed.value;
  }
  if (!checkConfig.Check(value)) return err(describeSchemaError(checkConfig.Errors(value)));
  try {
    return resolveConfig(value, options);
  } catch (error) {
    if (error instanceof DeviceConfigError) return err(error);
    throw error;
  }
}

function resolveConfig(json: DeviceConfigJson, options: ParseDeviceConfigOptions): Parsed<DeviceConfig> {
  const path = (p: string): string => (isAbsolute(p) ? p : resolve(options.baseDir, p));
  const read = (key: string, p: string): Uint8Array => {
    try {
      return options.readFile(path(p));
    } catch (error) {
      const why = errorMessage(error);
      throw new DeviceConfigError(DeviceConfigErrorCode.FILE, key, `cannot read ${path(p)} (${why})`, error);
    }
  };

  const srvIds = new Set<string>();
  const accounts: AccountConfig[] = [];
  for (const [i, a] of json.accounts.entries()) {
    const key = `accounts[${i}]`;
    if (srvIds.has(a.srvId)) return invalid(`${key}.srvId`, `"${a.srvId}" is used by an earlier account`);
    srvIds.add(a.srvId);
    const uri = checkHttpUrl(a.srvUri, json.allowHttp === true);
    if (uri !== undefined) return invalid(`${key}.srvUri`, uri);
    for (const [j, moid] of a.permittedMoids.entries()) {
      if (!isValidMoid(moid)) return invalid(`${key}.permittedMoids[${j}]`, `"${moid}" is not a MOID (urn:oma:mo:…)`);
    }
    if (a.miid !== undefined && !isValidMiid(a.miid)) return invalid(`${key}.miid`, `"${a.miid}" is not a valid MIID`);
    const b =
      a.bootstrap === undefined
        ? undefined
        : bootstrapInput(a.bootstrap, a.srvUri, `${key}.bootstrap`, read, hexFile, json.allowHttp === true);
    if (b !== undefined && !b.ok) return invalid(b.key, b.message);
    const n = a.notification;
    const input: DmAccountInput = {
      ...(b === undefined ? {} : { bootstrap: b.value }),
      srvId: a.srvId,
      srvUri: a.srvUri,
      name: a.name,
      permittedMoids: a.permittedMoids,
      ...(a.miid === undefined ? {} : { miid: a.miid }),
      ...(n === undefined
        ? {}
        : {
            noti: {
              type: n.type ?? 1,
              secret: bytes(`${key}.notification.secret`, n.secret),
              data: bytes(`${key}.notification.authData`, n.authData),
            },
          }),
      ...(a.httpAuth === undefined
        ? {}
        : {
            httpAuth: {
              type: a.httpAuth.type,
              name: a.httpAuth.name,
              secret: bytes(`${key}.httpAuth.secret`, a.httpAuth.secret),
            },
          }),
    };
    const t = a.tls;
    let tls: TlsMaterialConfig | undefined;
    if (t !== undefined) {
      const pskKey =
        t.psk === undefined
          ? undefined
          : hexFile(`${key}.tls.psk.keyFile`, read(`${key}.tls.psk.keyFile`, t.psk.keyFile));
      tls = {
        ...(t.ca === undefined ? {} : { ca: read(`${key}.tls.ca`, t.ca) }),
        ...(t.cert === undefined ? {} : { cert: read(`${key}.tls.cert`, t.cert) }),
        ...(t.key === undefined ? {} : { key: read(`${key}.tls.key`, t.key) }),
        ...(t.psk === undefined || pskKey === undefined ? {} : { psk: { identity: t.psk.identity, key: pskKey } }),
        ...(t.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: t.rejectUnauthorized }),
      };
      if ((t.cert === undefined) !== (t.key === undefined)) {
        return invalid(`${key}.tls`, "cert and key go together: give both or neither");
      }
    }
    accounts.push({ input, notiLayout: n?.layout ?? "approved", ...(tls === undefined ? {} : { tls }) });
  }

  const mos: MoConfig[] = [];
  const moids = new Set<string>();
  for (const [i, m] of (json.mos ?? []).entries()) {
    const key = `mos[${i}]`;
    const def = parseDdf(read(`${key}.ddf`, m.ddf));
    if (!def.ok) {
      return err(new DeviceConfigError(DeviceConfigErrorCode.DDF, `${key}.ddf`, def.error.message, def.error));
    }
    if (moids.has(def.value.moid)) return invalid(`${key}.ddf`, `MO ${def.value.moid} is configured twice`);
    moids.add(def.value.moid);
    const instances = m.instances ?? [];
    for (const [j, inst] of instances.entries()) {
      if (inst.miid !== undefined && !isValidMiid(inst.miid)) {
        return invalid(`${key}.instances[${j}].miid`, `"${inst.miid}" is not a valid MIID`);
      }
    }
    mos.push({
      ddfPath: path(m.ddf),
      definition: def.value,
      ...(m.ddfUrl === undefined ? {} : { ddfUrl: m.ddfUrl }),
      instances,
    });
  }

  const exec: ExecBehaviour[] = [];
  for (const [i, e] of (json.exec ?? []).entries()) {
    const b = execBehaviour(`exec[${i}]`, e);
    if (!b.ok) return b;
    exec.push(b.value);
  }

  const notifications = json.notifications ?? {};
  for (const [kind, list] of [
    ["udp", notifications.udp ?? []],
    ["mqtt", notifications.mqtt ?? []],
  ] as const) {
    for (const [i, l] of list.entries()) {
      if (l.srvId !== undefined && !srvIds.has(l.srvId)) {
        return invalid(`notifications.${kind}[${i}].srvId`, `"${l.srvId}" names no configured account`);
      }
    }
  }

  return ok({
    devInfo: devInfo(json.devInfo),
    accounts,
    mos,
    exec,
    notifications: {
      udp: notifications.udp ?? [],
      mqtt: notifications.mqtt ?? [],
      bearers: (notifications.bearers ?? [ConType.WIRELINE]) as ConType[],
      ...(notifications.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: notifications.maxAgeSeconds }),
      ...(notifications.maxFutureSeconds === undefined ? {} : { maxFutureSeconds: notifications.maxFutureSeconds }),
      ...(notifications.maxRecentIds === undefined ? {} : { maxRecentIds: notifications.maxRecentIds }),
    },
    asyncReports: json.asyncReports ?? {},
    ...(json.browser === undefined ? {} : { browser: json.browser }),
    stateDir: path(json.stateDir ?? "state"),
    allowHttp: json.allowHttp === true,
    allowUnauthenticatedNotifications: json.allowUnauthenticatedNotifications === true,
    ...(json.subDebounceMs === undefined ? {} : { subDebounceMs: json.subDebounceMs }),
  });
}

function devInfo(d: DeviceConfigJson["devInfo"]): DevInfoConfig {
  return {
    devId: d.devId,
    man: d.man,
    mod: d.mod,
    lang: d.lang,
    devType: d.devType,
    oem: d.oem,
    fwV: d.fwV,
    swV: d.swV,
    hwV: d.hwV,
    ...(d.dmV === undefined ? {} : { dmV: d.dmV }),
    ...(d.ext === undefined ? {} : { ext: d.ext as MoDataObject }),
    ...(d.bearer === undefined ? {} : { bearer: d.bearer as MoDataObject }),
  };
}

function execBehaviour(key: string, e: NonNullable<DeviceConfigJson["exec"]>[number]): Parsed<ExecBehaviour> {
  if (!isValidMoid(e.moid)) return invalid(`${key}.moid`, `"${e.moid}" is not a MOID (urn:oma:mo:…)`);
  const path = e.path.split("/").filter((s) => s !== "");
  if (path.length === 0) return invalid(`${key}.path`, "must name a node below the instance root");
  const base = { moid: e.moid, path };
  if (e.command !== undefined) {
    if (e.result !== undefined || e.async !== undefined || e.delayMs !== undefined) {
      return invalid(key, "command cannot be combined with result, async or delayMs (its exit code is the result)");
    }
    return ok({ ...base, kind: ExecKind.Command, argv: e.command });
  }
  const result = e.result ?? 200;
  if (e.async === true) return ok({ ...base, kind: ExecKind.Async, result, delayMs: e.delayMs ?? 0 });
  if (e.delayMs !== undefined)
    return invalid(`${key}.delayMs`, 'only an asynchronous EXEC ("async": true) has a delay');
  return ok({ ...base, kind: ExecKind.Sync, result });
}

/** Returns why `text` is not a usable SrvURI, or undefined. */
function checkHttpUrl(text: string, allowHttp: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL`;
  }
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:")
    return allowHttp ? undefined : `"${text}" is plain http; set "allowHttp": true to allow it`;
  return `"${text}" must be an https (or, with allowHttp, http) URL`;
}

/** Decodes `{hex}`, `{base64}` or `{utf8}`; exactly one must be given. */
function bytes(key: string, b: BytesJson): Uint8Array {
  const given = (["hex", "base64", "utf8"] as const).filter((k) => b[k] !== undefined);
  if (given.length !== 1) {
    throw new DeviceConfigError(
      DeviceConfigErrorCode.INVALID,
      key,
      `give exactly one of "hex", "base64" or "utf8" (got ${given.length === 0 ? "none" : given.join(", ")})`,
    );
  }
  if (b.utf8 !== undefined) return new TextEncoder().encode(b.utf8);
  if (b.hex !== undefined) {
    const hex = decodeHex(b.hex);
    if (hex === undefined)
      throw new DeviceConfigError(DeviceConfigErrorCode.INVALID, `${key}.hex`, "is not hex (pairs of 0-9a-f)");
    return hex;
  }
  const decoded = decodeBase64(b.base64 ?? "");
  if (decoded === undefined)
    throw new DeviceConfigError(DeviceConfigErrorCode.INVALID, `${key}.base64`, "is not base64");
  return decoded;
}

function decodeHex(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, "");
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) return undefined;
  return Uint8Array.from(Buffer.from(clean, "hex"));
}

function hexFile(key: string, content: Uint8Array): Uint8Array {
  const key2 = decodeHex(new TextDecoder().decode(content));
  if (key2 === undefined || key2.length === 0) {
    throw new DeviceConfigError(DeviceConfigErrorCode.INVALID, key, "the PSK key file must hold the key as hex text");
  }
  return key2;
}

/** The most telling TypeBox complaint, as an error naming the key. */
function describeSchemaError(errors: readonly TLocalizedValidationError[]): DeviceConfigError {
  const pick =
    errors.find((e) => e.keyword === "additionalProperties") ??
    errors.find((e) => e.keyword === "required") ??
    errors.find((e) => e.keyword !== "anyOf" && e.keyword !== "boolean") ??
    errors[0];
  if (pick === undefined) return new DeviceConfigError(DeviceConfigErrorCode.INVALID, "", "does not match the schema");
  const at = keyPath(pick.instancePath);
  const child = (name: string): string => (at === "" ? name : `${at}.${name}`);
  switch (pick.keyword) {
    case "additionalProperties": {
      const extra = pick.params.additionalProperties[0] ?? "?";
      return new DeviceConfigError(DeviceConfigErrorCode.INVALID, child(extra), "is not a known key");
    }
    case "required": {
      const missing = pick.params.requiredProperties[0] ?? "?";
      return new DeviceConfigError(DeviceConfigErrorCode.INVALID, child(missing), "is required");
    }
    case "type":
      return new DeviceConfigError(DeviceConfigErrorCode.INVALID, at, `must be ${article(String(pick.params.type))}`);
    case "anyOf":
      return new DeviceConfigError(DeviceConfigErrorCode.INVALID, at, "is not one of the allowed values");
    default:
      return new DeviceConfigError(DeviceConfigErrorCode.INVALID, at, pick.message);
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** RFC 6901 pointer `/accounts/0/srvUri` → `accounts[0].srvUri`. */
function keyPath(pointer: string): string {
  if (pointer === "") return "";
  let out = "";
  for (const raw of pointer.slice(1).split("/")) {
    const s = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    out += /^(?:0|[1-9][0-9]*)$/.test(s) ? `[${s}]` : out === "" ? s : `.${s}`;
  }
  return out;
}
