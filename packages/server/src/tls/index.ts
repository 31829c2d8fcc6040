// The HTTPS listener's public surface (re-exported by ../index.ts): the PEM material of the `tls` configuration,
// the listener's TLS options, and the store wrapper that keeps the PSK key cache current.
export { checkTlsMaterial, loadTlsMaterial, type TlsMaterial } from "./tls-material.js";
export { httpsOptionsFor } from "./https-options.js";
export { withPskKeySync } from "./psk-key-sync.js";
export { resolveTlsConfig, type ResolvedTlsConfig } from "./tls-config.js";
