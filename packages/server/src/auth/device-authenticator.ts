// Device authentication for the DM endpoint and the Data Repository (docs/protocol.md §11.2): who is this request
// from? One authenticator serves every configured method; its `authenticate` answers ok with the device id,
// or 401 with challenges, or 403 with the reason.
//
// Order: a TLS-level identity (PSK-TLS, then a client certificate) wins; else the Authorization header (Basic,
// Digest); else, with mode "none", the OMADM-DevID header. Whatever authenticated the request, an OMADM-DevID
// naming a different device is refused with 403 (a device must not act for another), and so is a disabled one.

import { ServerError, ServerErrorCode } from "../errors.js";
import type { Store } from "../store/store.js";
import { DeviceState, HttpAuthType, type Clock, type Device } from "../store/types.js";
import { parseAuthorization } from "./authorization-header.js";
import { peerCertificateFingerprint } from "../tls/client-certificate.js";
import { NonceState, NonceUse, createNonceCountGuard, createNonceMinter } from "./digest-nonce.js";
import { basicChallenge, basicPasswordMatches, parseBasicCredentials } from "./http-basic.js";
import {
  DEFAULT_DIGEST_ALGORITHMS,
  digestChallenge,
  digestResponseMatches,
  parseDigestResponse,
  storedHa1,
  type DigestAlgorithm,
} from "./http-digest.js";
import { createPskKeyCache, type PskKeyCache } from "../tls/psk-keys.js";
import {
  AuthMode,
  DEVID_HEADER,
  type AuthRequest,
  type AuthResult,
  type AuthSocket,
  type RandomBytes,
} from "./types.js";

export interface DeviceAuthenticatorOptions {
  /** Accepted methods; at least one. */
  readonly modes: readonly AuthMode[];
  /** The Digest realm, and the Basic realm advertised. Devices' stored HA1 must be computed with it. */
  readonly realm: string;
  /** Refuse Basic over plain HTTP (docs/protocol.md §11.2 (omadm's choice): never Basic over non-TLS). Default true. */
  readonly requireTlsForBasic?: boolean;
  /** Digest algorithms offered, in preference order (default SHA-256, MD5). */
  readonly digestAlgorithms?: readonly DigestAlgorithm[];
  /** HMAC key of the stateless nonces (≥ 16 bytes). Give every server node the same key; default: random
   *  per authenticator, so only this process verifies its nonces. */
  readonly nonceKey?: Uint8Array;
  /** How long a nonce is good for before `stale=true` (default 300 s). */
  readonly nonceLifetimeMs?: number;
  /** Replay guard bounds (see digest-nonce.ts): defaults 100,000 nonces, 10,000 uses each. */
  readonly maxTrackedNonces?: number;
  readonly maxUsesPerNonce?: number;
  /** mTLS: the certificate must also chain to the configured CA (`socket.authorized`). Default true. */
  readonly requireTrustedClientCertificate?: boolean;
  /** PSK-TLS: answer an unknown identity with a random key (the handshake fails like a wrong key) instead of
   *  `unknown_psk_identity`, so identities cannot be probed. Default true. */
  readonly hideUnknownPskIdentity?: boolean;
}

export interface DeviceAuthenticatorInit {
  readonly store: Pick<Store, "devices">;
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly options: DeviceAuthenticatorOptions;
}

export interface DeviceAuthenticator {
  authenticate(request: AuthRequest): Promise<AuthResult>;
  /**
   * For `tls.createServer` / https `pskCallback` (see tlsServerOptions). Synchronous, from the in-memory key
   * cache; remembers which device the connection authenticated as, for `authenticate`.
   */
  readonly pskCallback: (socket: object, identity: string) => Buffer | null;
  /** The PSK key cache (null without mode "psk"): `load()` it before listening, update it on changes. */
  readonly pskKeys: PskKeyCache | null;
}

const DEFAULTS = {
  nonceLifetimeMs: 300_000,
  maxTrackedNonces: 100_000,
  maxUsesPerNonce: 10_000,
} as const;

export function createDeviceAuthenticator(init: DeviceAuthenticatorInit): DeviceAuthenticator {
  const { store, clock, random, options } = init;
  const modes = new Set(checkModes(options.modes));
  const realm = options.realm;
  const requireTlsForBasic = options.requireTlsForBasic ?? true;
  const algorithms = options.digestAlgorithms ?? DEFAULT_DIGEST_ALGORITHMS;
  if (modes.has(AuthMode.Digest) && algorithms.length === 0) invalid("digestAlgorithms is empty");
  const key = options.nonceKey ?? random(32);
  if (key.byteLength < 16) invalid("nonceKey must be at least 16 bytes");
  const lifetimeMs = options.nonceLifetimeMs ?? DEFAULTS.nonceLifetimeMs;
  const now = (): number => clock.now();
  const nonces = createNonceMinter({ key, now, random, realm, lifetimeMs });
  const guard = createNonceCountGuard({
    now,
    lifetimeMs,
    maxTrackedNonces: options.maxTrackedNonces ?? DEFAULTS.maxTrackedNonces,
    maxUsesPerNonce: options.maxUsesPerNonce ?? DEFAULTS.maxUsesPerNonce,
  });
  const pskKeys = modes.has(AuthMode.Psk) ? createPskKeyCache({ store }) : null;
  /** Connections that completed (or are completing) a PSK handshake, and the identity they used. */
  const pskSockets = new WeakMap<object, { readonly identity: string; readonly deviceId: string }>();

  function pskCallback(socket: object, identity: string): Buffer | null {
    const entry = pskKeys?.lookup(identity);
    if (entry !== undefined) {
      pskSockets.set(socket, { identity, deviceId: entry.deviceId });
      return entry.key;
    }
    if (pskKeys !== null) void pskKeys.refreshIdentity(identity); // so the device's retry finds the key
    return (options.hideUnknownPskIdentity ?? true) ? Buffer.from(random(32)) : null;
  }

  /** 401 with every challenge this connection may answer, or 403 when there is none (TLS-only modes). */
  function unauthorized(message: string, socket: AuthSocket, stale = false): AuthResult {
    const challenges: string[] = [];
    if (modes.has(AuthMode.Digest)) {
      const nonce = nonces.issue();
      for (const algorithm of algorithms) challenges.push(digestChallenge({ realm, nonce, algorithm, stale }));
    }
    if (modes.has(AuthMode.Basic) && (!requireTlsForBasic || socket.encrypted === true)) {
      challenges.push(basicChallenge(realm));
    }
    if (challenges.length === 0) return { ok: false, status: 403, message };
    return { ok: false, status: 401, wwwAuthenticate: challenges, message };
  }

  function accept(device: Device, method: AuthMode, claimed: string | undefined): AuthResult {
    if (device.state === DeviceState.Disabled) {
      return { ok: false, status: 403, message: `device "${device.id}" is disabled` };
    }
    if (claimed !== undefined && claimed !== device.id) {
      return {
        ok: false,
        status: 403,
        message: `OMADM-DevID "${claimed}" does not match the authenticated device "${device.id}"`,
      };
    }
    return { ok: true, deviceId: device.id, method };
  }

  async function basic(token68: string | null, socket: AuthSocket, claimed: string | undefined): Promise<AuthResult> {
    if (requireTlsForBasic && socket.encrypted !== true) {
      return { ok: false, status: 403, message: "HTTP Basic is refused on a connection without TLS" };
    }
    const parsed = parseBasicCredentials(token68);
    if (!parsed.ok) return unauthorized(parsed.message, socket);
    const device = await store.devices.findByCredential({ httpUsername: parsed.username });
    if (
      device?.http?.type !== HttpAuthType.Basic ||
      !basicPasswordMatches(device.http, parsed.username, parsed.password)
    ) {
      return unauthorized("Basic: invalid username or password", socket);
    }
    return accept(device, AuthMode.Basic, claimed);
  }

  async function digest(request: AuthRequest, socket: AuthSocket, claimed: string | undefined): Promise<AuthResult> {
    const header = parseAuthorization(headerValue(request.headers["authorization"]) ?? "");
    const parsed = header === null ? null : parseDigestResponse(header);
    if (parsed === null || !parsed.ok) return unauthorized(parsed?.message ?? "Digest: malformed", socket);
    const r = parsed.value;
    if (r.realm !== realm) return unauthorized(`Digest: realm "${r.realm}" is not "${realm}"`, socket);
    if (!algorithms.includes(r.algorithm)) return unauthorized(`Digest: ${r.algorithm} is not offered`, socket);
    if (request.url === undefined || r.uri !== request.url) {
      return unauthorized("Digest: uri does not match the request-target (RFC 7616 §3.4.6)", socket);
    }
    const nonce = nonces.check(r.nonce);
    if (nonce.state === NonceState.Invalid) return unauthorized("Digest: the nonce was not issued here", socket);
    if (nonce.state === NonceState.Stale) return unauthorized("Digest: the nonce has expired", socket, true);
    const device = await store.devices.findByCredential({ httpUsername: r.username });
    const ha1 = device?.http === null || device === null ? null : storedHa1(device.http, r.algorithm);
    if (device === null || ha1 === null || !digestResponseMatches(r, ha1, request.method ?? "")) {
      return unauthorized("Digest: invalid username or password", socket);
    }
    // Only a verified response counts against the nonce, so strangers cannot use up a device's nonces.
    const use = guard.use(r.nonce, nonce.issuedAt ?? 0, r.nc);
    if (use === NonceUse.Replayed)
      return unauthorized(`Digest: nc ${r.ncText} was already used (replay)`, socket, true);
    if (use === NonceUse.Exhausted) return unauthorized("Digest: the nonce is used up", socket, true);
    return accept(device, AuthMode.Digest, claimed);
  }

  async function tlsIdentity(
    socket: AuthSocket,
    raw: object | null,
    claimed: string | undefined,
  ): Promise<AuthResult | string | null> {
    const psk = raw === null ? undefined : pskSockets.get(raw);
    if (psk !== undefined && modes.has(AuthMode.Psk)) {
      const device = await store.devices.get(psk.deviceId);
      if (device?.psk?.identity !== psk.identity) return `PSK identity "${psk.identity}" is no longer valid`;
      return accept(device, AuthMode.Psk, claimed);
    }
    if (!modes.has(AuthMode.Mtls)) return null;
    const fingerprint = peerCertificateFingerprint(socket);
    if (fingerprint === null) return null;
    if ((options.requireTrustedClientCertificate ?? true) && socket.authorized !== true) {
      return `the client certificate is not trusted (${describe(socket.authorizationError)})`;
    }
    const device = await store.devices.findByCredential({ certFingerprint: fingerprint });
    if (device === null) return `the client certificate (SHA-256 ${fingerprint}) belongs to no device`;
    return accept(device, AuthMode.Mtls, claimed);
  }

  async function authenticate(request: AuthRequest): Promise<AuthResult> {
    const raw = request.socket ?? null;
    const socket: AuthSocket = raw ?? {};
    const claimed = headerValue(request.headers[DEVID_HEADER]);
    const tls = await tlsIdentity(socket, raw, claimed);
    if (tls !== null && typeof tls !== "string") return tls;
    const authorization = headerValue(request.headers["authorization"]);
    if (authorization !== undefined) {
      const parsed = parseAuthorization(authorization);
      if (parsed === null) return unauthorized("the Authorization header is malformed (RFC 7235)", socket);
      if (parsed.scheme === "basic" && modes.has(AuthMode.Basic)) return basic(parsed.token68, socket, claimed);
      if (parsed.scheme === "digest" && modes.has(AuthMode.Digest)) return digest(request, socket, claimed);
      if (!modes.has(AuthMode.None)) {
        return unauthorized(`Authorization scheme "${parsed.scheme}" is not accepted here`, socket);
      }
    }
    if (modes.has(AuthMode.None) && claimed !== undefined && claimed !== "") {
      return { ok: true, deviceId: claimed, method: AuthMode.None };
    }
    if (typeof tls === "string") return { ok: false, status: 403, message: tls };
    return unauthorized(`authentication required (${[...modes].join(", ")})`, socket);
  }

  return { authenticate, pskCallback, pskKeys };
}

function checkModes(modes: readonly AuthMode[]): readonly AuthMode[] {
  const known = new Set<string>(Object.values(AuthMode));
  if (modes.length === 0) invalid("modes is empty: give at least one authentication method");
  for (const mode of modes) if (!known.has(mode)) invalid(`unknown authentication mode "${mode as string}"`);
  return modes;
}

function invalid(message: string): never {
  throw new ServerError(ServerErrorCode.INVALID_INPUT, `device authentication: ${message}`);
}

/** One header value; a repeated header (Node gives an array) is not a single value. */
function headerValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function describe(error: Error | string | null | undefined): string {
  if (error === null || error === undefined) return "no trusted CA configured or no chain";
  return typeof error === "string" ? error : error.message;
}
