// What every BootstrapStore implementation shares: input checks (so all three refuse alike) and the errors.
import { ServerError, ServerErrorCode } from "../errors.js";
import { invalid, requireInt, requireText } from "./rules.js";
import {
  BootstrapSecMode,
  TargetAuth,
  type BootstrapTarget,
  type NewBootstrapCredential,
  type NewBootstrapRule,
  type NewProvision,
  type NewRemoteTarget,
} from "./types-bootstrap.js";

const HEX = /^(?:[0-9a-f]{2})+$/;
const FINGERPRINT = /^[0-9a-f]{64}$/;
const HASH = FINGERPRINT;

export interface CheckedCredential {
  readonly id: string | undefined;
  readonly secMode: BootstrapSecMode;
  readonly pskIdentity: string | null;
  readonly pskKeyHex: string | null;
  readonly certFingerprint: string | null;
  readonly deviceId: string | null;
  readonly devIdPattern: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly notiSecretHex: string | null;
}

function optionalText(value: unknown, what: string): string | null {
  return value === undefined || value === null ? null : requireText(value, what);
}

export function checkLabels(value: unknown, what: string): Readonly<Record<string, string>> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw invalid(`${what} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === "" || typeof v !== "string") throw invalid(`${what}.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

export function checkCredential(input: NewBootstrapCredential, index: number): CheckedCredential {
  const at = `credentials[${index}]`;
  const mode = input.secMode as number; // operator input: checked, not trusted
  if (mode !== BootstrapSecMode.Psk && mode !== BootstrapSecMode.X509) {
    throw invalid(`${at}.secMode must be 0 (PSK) or 2 (X.509)`);
  }
  const psk = input.secMode === BootstrapSecMode.Psk;
  const pskIdentity = optionalText(input.pskIdentity, `${at}.pskIdentity`);
  const pskKeyHex = optionalText(input.pskKeyHex, `${at}.pskKeyHex`)?.toLowerCase() ?? null;
  const certFingerprint = optionalText(input.certFingerprint, `${at}.certFingerprint`)?.toLowerCase() ?? null;
  if (psk && (pskIdentity === null || pskKeyHex === null || certFingerprint !== null)) {
    throw invalid(`${at}: PSK mode needs pskIdentity and pskKeyHex, and no certFingerprint`);
  }
  if (!psk && (certFingerprint === null || pskIdentity !== null || pskKeyHex !== null)) {
    throw invalid(`${at}: X.509 mode needs certFingerprint, and no PSK`);
  }
  if (pskIdentity !== null && Buffer.byteLength(pskIdentity) > 128)
    throw invalid(`${at}.pskIdentity exceeds 128 bytes`);
  if (pskKeyHex !== null && (!HEX.test(pskKeyHex) || pskKeyHex.length < 32)) {
    throw invalid(`${at}.pskKeyHex must be hex of at least 16 bytes`);
  }
  if (certFingerprint !== null && !FINGERPRINT.test(certFingerprint)) {
    throw invalid(`${at}.certFingerprint must be 64 hex digits (SHA-256)`);
  }
  const deviceId = optionalText(input.deviceId, `${at}.deviceId`);
  const devIdPattern = optionalText(input.devIdPattern, `${at}.devIdPattern`);
  if ((deviceId === null) === (devIdPattern === null)) {
    throw invalid(`${at} needs exactly one of deviceId (one device) and devIdPattern (a batch)`);
  }
  const notiSecretHex = optionalText(input.notiSecretHex, `${at}.notiSecretHex`)?.toLowerCase() ?? null;
  if (notiSecretHex !== null && (!HEX.test(notiSecretHex) || notiSecretHex.length < 32)) {
    throw invalid(`${at}.notiSecretHex must be hex of at least 16 bytes`);
  }
  return {
    notiSecretHex,
    id: input.id === undefined ? undefined : requireText(input.id, `${at}.id`),
    secMode: input.secMode,
    pskIdentity,
    pskKeyHex,
    certFingerprint,
    deviceId,
    devIdPattern,
    labels: checkLabels(input.labels, `${at}.labels`),
  };
}

function checkTarget(t: BootstrapTarget, i: number): BootstrapTarget {
  const at = `targets[${i}]`;
  const srvUri = requireText(t.srvUri, `${at}.srvUri`);
  if (!/^https?:\/\//.test(srvUri)) throw invalid(`${at}.srvUri must be an http(s) URL`);
  if (!Array.isArray(t.permittedMoids) || t.permittedMoids.length === 0) {
    throw invalid(`${at}.permittedMoids must list at least one MOID (docs/protocol.md §14)`);
  }
  const auth = t.auth;
  if (!Object.values(TargetAuth).includes(auth)) throw invalid(`${at}.auth must be digest, psk or none`);
  return {
    srvId: requireText(t.srvId, `${at}.srvId`),
    srvUri,
    name: typeof t.name === "string" ? t.name : "",
    permittedMoids: t.permittedMoids.map((m, j) => requireText(m, `${at}.permittedMoids[${j}]`)),
    auth,
    notification: (t.notification as unknown) === true,
    ...(t.targetId === undefined ? {} : { targetId: requireText(t.targetId, `${at}.targetId`) }),
  };
}

/** A remote target's fields, checked (INVALID_INPUT names the field). */
export function checkRemoteTarget(input: NewRemoteTarget): NewRemoteTarget & { readonly caPem: string | null } {
  const url = (value: unknown, what: string): string => {
    const text = requireText(value, what);
    if (!/^https?:\/\/[^/]/.test(text)) throw invalid(`${what} must be an http(s) URL`);
    return text;
  };
  const caPem = optionalText(input.caPem, "caPem");
  if (caPem !== null && !caPem.includes("-----BEGIN CERTIFICATE-----")) throw invalid("caPem must be PEM certificates");
  return {
    id: requireText(input.id, "target id"),
    srvId: requireText(input.srvId, "srvId"),
    srvUri: url(input.srvUri, "srvUri"),
    apiBaseUrl: url(input.apiBaseUrl, "apiBaseUrl").replace(/\/+$/, ""),
    token: requireText(input.token, "token"),
    caPem,
  };
}

export function checkRule(input: NewBootstrapRule): NewBootstrapRule & {
  readonly labels: Readonly<Record<string, string>>;
  readonly devInfo: Readonly<Record<string, string>>;
  readonly devIdPattern: string | null;
} {
  if (!Array.isArray(input.targets) || input.targets.length === 0) throw invalid("a rule needs at least one target");
  const targets = input.targets.map(checkTarget);
  const ids = new Set(targets.map((t) => t.srvId));
  if (ids.size !== targets.length) throw invalid("a rule's targets need distinct srvIds");
  return {
    id: requireText(input.id, "rule id"),
    priority: requireInt(input.priority, "priority", 0, 1_000_000),
    devIdPattern: optionalText(input.devIdPattern, "devIdPattern"),
    labels: checkLabels(input.labels, "labels"),
    devInfo: checkLabels(input.devInfo, "devInfo"),
    targets,
  };
}

export function checkProvision(input: NewProvision): void {
  requireText(input.deviceId, "deviceId");
  requireText(input.credentialId, "credentialId");
  requireText(input.ruleId, "ruleId");
  if (!HASH.test(input.sessionHash)) throw invalid("sessionHash must be a SHA-256 hex digest");
  for (const c of input.capabilities)
    if (!HASH.test(c.tokenHash)) throw invalid("tokenHash must be a SHA-256 hex digest");
  requireInt(input.expiresAt, "expiresAt", 0);
}

export function credentialConflict(what: string): ServerError {
  return new ServerError(ServerErrorCode.BOOTSTRAP_CREDENTIAL_CONFLICT, `a bootstrap credential already uses ${what}`);
}

export function ruleNotFound(id: string): ServerError {
  return new ServerError(ServerErrorCode.BOOTSTRAP_RULE_NOT_FOUND, `bootstrap rule ${id} not found`);
}

export function provisionNotFound(id: string): ServerError {
  return new ServerError(ServerErrorCode.BOOTSTRAP_PROVISION_NOT_FOUND, `bootstrap provision ${id} not found`);
}

export function provisionNotPending(id: string, state: string): ServerError {
  return new ServerError(ServerErrorCode.BOOTSTRAP_PROVISION_NOT_PENDING, `bootstrap provision ${id} is ${state}`);
}

/** `*` matches any run of characters; everything else literally. */
export function matchesPattern(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
    "s",
  );
  return re.test(value);
}
