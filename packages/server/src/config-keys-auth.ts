// Configuration keys (config-keys.ts): device authentication (docs/protocol.md §11.2), TLS, plain-http
// ServerURIs and the sweep.
import { AuthMode } from "./auth/types.js";
import { bool, filePath, int, listOf, nullable, oneOf, secretText, text } from "./config-values.js";
import { type ConfigPath, type KeyTable } from "./config-types.js";
import { TlsMinVersion } from "./tls/tls-config.js";

export const AUTH_KEYS = {
  "deviceAuth.modes": {
    type: listOf(Object.values(AuthMode), AuthMode.None, "modes"),
    default: [AuthMode.None],
    description:
      "How devices authenticate: `none` (the `OMADM-DevID` header only) or any of `basic`, `digest`, `mtls`, " +
      "`psk` (`mtls` and `psk` need `tls.enabled`). In the environment: comma-separated.",
  },
  "deviceAuth.realm": { type: text, default: "omadm", description: "Realm of the Basic and Digest challenges." },
  "deviceAuth.nonceKey": {
    type: nullable(secretText),
    default: null,
    secret: true,
    description:
      "HMAC key of the Digest nonces (at least 16 bytes), the same on every node. Only from the environment; " +
      "or use `deviceAuth.nonceKeyFile`. Neither: a random key per process.",
  },
  "deviceAuth.nonceKeyFile": {
    type: nullable(filePath),
    default: null,
    description:
      "File holding the Digest nonce key (at least 16 bytes; surrounding whitespace is ignored), the same on " +
      "every node.",
  },
  "tls.enabled": {
    type: bool,
    default: false,
    description: "Serve every component over HTTPS (the derived publicBaseUrl becomes `https://…`).",
  },
  "tls.certFile": {
    type: nullable(filePath),
    default: null,
    description: "The server's certificate chain (PEM); with `tls.keyFile`.",
  },
  "tls.keyFile": { type: nullable(filePath), default: null, description: "The private key of `tls.certFile` (PEM)." },
  "tls.caFile": {
    type: nullable(filePath),
    default: null,
    description: "CA certificates (PEM) device certificates must chain to (`mtls`); unset: Node's default CA bundle.",
  },
  "tls.requestClientCert": {
    type: bool,
    default: false,
    defaultText: "`true` when deviceAuth.modes has `mtls`, else `false`",
    description: "Ask devices for an X.509 client certificate during the handshake.",
  },
  "tls.psk": {
    type: bool,
    default: false,
    defaultText: "`true` when deviceAuth.modes has `psk`, else `false`",
    description: "Accept PSK-TLS (TLS 1.2) with the devices' PSK credentials.",
  },
  "tls.pskIdentityHint": {
    type: nullable(text),
    default: null,
    description: "PSK identity hint sent in the handshake.",
  },
  "tls.minVersion": {
    type: oneOf(Object.values(TlsMinVersion)),
    default: TlsMinVersion.Tls12,
    description: "Lowest TLS version accepted; `TLSv1.1` only for strict DM 2.0 conformance tests.",
  },
  allowHttp: {
    type: bool,
    default: true,
    defaultText: "`true` when listen.host is a loopback address, else `false`",
    description: "Accept plain `http` ServerURIs in queued commands.",
  },
  sweepIntervalMs: {
    type: int(100, 3_600_000),
    default: 30_000,
    description: "How often idle DM sessions, expired commands and expired UI sessions are swept.",
  },
} satisfies Partial<KeyTable<ConfigPath>>;
