// The `tls` section of the server configuration once every value is known: what is derived from
// deviceAuth.modes, which combinations cannot work, and whether the files it names can be read (docs/protocol.md §11.2: the DM Server SHALL support X.509 and PSK-TLS; mTLS and PSK-TLS device authentication need them).
// Pure apart from the injected `canRead`; called by loadServerConfig (../config.ts).
import { AuthMode } from "../auth/types.js";
import type { ConfigProblem, ConfigSource } from "../config-problem.js";

/** Lowest TLS version accepted (docs/protocol.md §11.2 (omadm's choice): 1.2 by default, 1.1 as a conformance switch). */
export const TlsMinVersion = { Tls12: "TLSv1.2", Tls11: "TLSv1.1" } as const;
export type TlsMinVersion = (typeof TlsMinVersion)[keyof typeof TlsMinVersion];

/** The HTTPS listener (docs/protocol.md §11.2: the DM Server SHALL support X.509 and PSK-TLS). */
export interface TlsConfig {
  /** Listen with HTTPS instead of HTTP (every component: DM endpoint, repository, SHOW pages, REST API). */
  readonly enabled: boolean;
  /** Server certificate chain and private key (PEM files; paths resolved against the working directory). */
  readonly certFile: string | null;
  readonly keyFile: string | null;
  /** CAs that device certificates must chain to (PEM), for deviceAuth mode "mtls". */
  readonly caFile: string | null;
  /** Ask devices for a certificate (mTLS). Derived true when deviceAuth.modes has "mtls" and this is unset. */
  readonly requestClientCert: boolean;
  /** PSK-TLS (RFC 4279) with the devices' PSK credentials. Derived true when deviceAuth.modes has "psk". */
  readonly psk: boolean;
  /** The PSK identity hint sent in the handshake (null: none). */
  readonly pskIdentityHint: string | null;
  readonly minVersion: TlsMinVersion;
}

export interface ResolvedTlsConfig {
  readonly value: TlsConfig;
  readonly problems: readonly ConfigProblem[];
  readonly warnings: readonly string[];
}

/** What resolveTlsConfig reads of the configuration. */
export interface TlsConfigInput {
  readonly tls: TlsConfig;
  readonly deviceAuth: { readonly modes: readonly AuthMode[] };
  /** Absent: the bootstrap role is off. */
  readonly bootstrap?: { readonly enabled: boolean };
}

type Source = ConfigSource;

const FILE_KEYS = ["certFile", "keyFile", "caFile"] as const;

/**
 * Derives `tls.requestClientCert` (true with deviceAuth mode "mtls") and `tls.psk` (true with mode "psk") unless
 * they were set, and checks the section against the modes. `explicit` maps each key set by the file, the
 * environment or the overrides to where it came from; `canRead` answers null for a readable file, else why not.
 */
export function resolveTlsConfig(
  config: TlsConfigInput,
  explicit: ReadonlyMap<string, Source>,
  canRead: (path: string) => string | null,
): ResolvedTlsConfig {
  const t = config.tls;
  const modes = config.deviceAuth.modes;
  const mtlsMode = modes.includes(AuthMode.Mtls);
  const pskMode = modes.includes(AuthMode.Psk);
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const source = (key: string): Source =>
    explicit.get(key) ?? explicit.get("tls.enabled") ?? explicit.get("deviceAuth.modes") ?? "overrides";
  const problem = (key: string, message: string): void => {
    problems.push({ key, source: source(key), message });
  };

  if (!t.enabled) {
    for (const [mode, on] of [
      [AuthMode.Mtls, mtlsMode],
      [AuthMode.Psk, pskMode],
    ] as const) {
      if (on) {
        problem(
          "deviceAuth.modes",
          `deviceAuth.modes "${mode}" needs TLS: set tls.enabled with ` +
            (mode === AuthMode.Mtls ? "tls.certFile, tls.keyFile and tls.caFile" : "tls.psk (and a certificate)"),
        );
      }
    }
    const ignored = [...explicit.keys()].filter((k) => k.startsWith("tls.") && k !== "tls.enabled");
    if (ignored.length > 0) warnings.push(`${ignored.join(", ")} ignored: tls.enabled is false`);
    return { value: t, problems, warnings };
  }

  const requestClientCert = explicit.has("tls.requestClientCert") ? t.requestClientCert : mtlsMode;
  const psk = explicit.has("tls.psk") ? t.psk : pskMode;
  const hasCert = t.certFile !== null && t.keyFile !== null;

  if ((t.certFile === null) !== (t.keyFile === null)) {
    problem(
      t.certFile === null ? "tls.certFile" : "tls.keyFile",
      "tls.certFile and tls.keyFile must be given together",
    );
  } else if (!hasCert && !psk) {
    problem(
      "tls.enabled",
      "tls.enabled needs a server certificate (tls.certFile and tls.keyFile), or tls.psk, or both",
    );
  }
  if (requestClientCert && !hasCert) {
    const key = explicit.has("tls.requestClientCert") ? "tls.requestClientCert" : "deviceAuth.modes";
    problem(key, `${key} asks devices for certificates, which needs a server certificate (tls.certFile, tls.keyFile)`);
  }
  if (mtlsMode && !requestClientCert) {
    problem("tls.requestClientCert", `tls.requestClientCert is false, but deviceAuth.modes has "mtls"`);
  }
  if (pskMode && !psk) problem("tls.psk", `tls.psk is false, but deviceAuth.modes has "psk"`);
  // The bootstrap role keys PSK-TLS with its own credentials (docs/bootstrap.md), so it needs no "psk" mode.
  if (psk && !pskMode && config.bootstrap?.enabled !== true) {
    problem("tls.psk", `tls.psk needs "psk" in deviceAuth.modes (the devices' PSK credentials are the keys)`);
  }
  for (const name of FILE_KEYS) {
    const path = t[name];
    const why = path === null ? null : canRead(path);
    if (path !== null && why !== null) problem(`tls.${name}`, `tls.${name} ${path} cannot be read: ${why}`);
  }

  if (requestClientCert && t.caFile === null) {
    warnings.push("tls.requestClientCert without tls.caFile: device certificates are checked against Node's CA bundle");
  }
  if (psk && !hasCert) {
    warnings.push(
      "tls.psk without a certificate: only PSK-TLS clients can connect (browsers and operator tools cannot reach " +
        "the SHOW pages or the REST API)",
    );
  }
  if (!psk && t.pskIdentityHint !== null) warnings.push("tls.pskIdentityHint ignored: PSK-TLS is off");
  return { value: { ...t, requestClientCert, psk }, problems, warnings };
}
