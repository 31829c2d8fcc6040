// Device authentication's public surface (docs/protocol.md §11.2). Re-exported by ../index.ts.
export type { AuthRequest, AuthResult, AuthSocket, PeerCertificateLike, RandomBytes } from "./types.js";
export { AuthMode } from "./types.js";
export type {
  DeviceAuthenticator,
  DeviceAuthenticatorInit,
  DeviceAuthenticatorOptions,
} from "./device-authenticator.js";
export { createDeviceAuthenticator } from "./device-authenticator.js";
export type { AuthenticatedDevice, DeviceAuthHook } from "./auth-hook.js";
export { createDeviceAuthHook } from "./auth-hook.js";
export { DEFAULT_DIGEST_ALGORITHMS, DigestAlgorithm } from "./http-digest.js";
export { certificateFingerprint } from "../tls/client-certificate.js";
export type { PskKeyCache, PskKeyCacheOptions, PskKeyEntry } from "../tls/psk-keys.js";
export { createPskKeyCache } from "../tls/psk-keys.js";
export type { TlsServerOptionsInput } from "../tls/tls-options.js";
export {
  MODERN_X509_CIPHER_SUITES,
  PSK_CIPHER_SUITES,
  TLS11_CIPHER_SUITES,
  TLS13_CIPHER_SUITES,
  X509_CIPHER_SUITES,
  tlsServerOptions,
} from "../tls/tls-options.js";
export { httpCredentials } from "./http-credentials.js";
