// TLS server options for the DM endpoint and the Data Repository (`https.createServer(options)`, fastify's
// `https` option, `tls.createServer`), with the cipher suites of docs/protocol.md §11.2.
//
// §11.2: the server SHALL support all the listed PSK and X.509 suites. omadm's deployment profile: minimum
// TLS 1.2 by default (TLS 1.0/1.1 are deprecated, RFC 8996), a switch for TLS 1.1 for strict-conformance
// testing, the spec suites offered first, TLS 1.3 additionally for X.509 only, PSK on TLS 1.2 only.

import type { TlsOptions } from "node:tls";
import { ServerError, ServerErrorCode } from "../errors.js";

/** §11.2 PSK suites (OpenSSL names), in the spec's order. */
export const PSK_CIPHER_SUITES: readonly string[] = [
  "PSK-AES128-GCM-SHA256",
  "DHE-PSK-AES128-GCM-SHA256",
  "RSA-PSK-AES128-GCM-SHA256",
  "PSK-AES128-CBC-SHA256",
  "DHE-PSK-AES128-CBC-SHA256",
  "RSA-PSK-AES128-CBC-SHA256",
  "ECDHE-PSK-AES128-CBC-SHA256",
];

/** §11.2 X.509 suites (OpenSSL names), in the spec's order. */
export const X509_CIPHER_SUITES: readonly string[] = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "DHE-RSA-AES128-GCM-SHA256",
  "AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES128-SHA256",
  "DHE-RSA-AES128-SHA256",
  "AES128-SHA256",
];

/**
 * Offered after the spec's suites: the forward-secret suites today's clients prefer with an RSA server key
 * (the spec lists ECDHE only with ECDSA keys).
 */
export const MODERN_X509_CIPHER_SUITES: readonly string[] = [
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
];

/**
 * The spec's suites are TLS 1.2 suites (SHA-256 MACs); a TLS 1.1 peer needs SHA-1 ones, and OpenSSL 3 only
 * negotiates TLS 1.1 at security level 0.
 */
export const TLS11_CIPHER_SUITES: readonly string[] = [
  "ECDHE-ECDSA-AES128-SHA",
  "ECDHE-RSA-AES128-SHA",
  "DHE-RSA-AES128-SHA",
  "AES128-SHA",
  "PSK-AES128-CBC-SHA",
  "DHE-PSK-AES128-CBC-SHA",
];

/** TLS 1.3 suites (X.509 only here). */
export const TLS13_CIPHER_SUITES: readonly string[] = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
];

type Pem = string | Buffer | readonly (string | Buffer)[];

export interface TlsServerOptionsInput {
  /** Server certificate chain and key (PEM) for X.509 mode. */
  readonly cert?: Pem;
  readonly key?: Pem;
  /** CAs that client certificates must chain to (for `socket.authorized`, checked by the authenticator). */
  readonly ca?: Pem;
  /**
   * Ask clients for a certificate (mTLS). The handshake never fails for a missing or unknown certificate:
   * the authenticator answers 403 with the reason, and Basic/Digest devices without one still connect.
   */
  readonly requestCert?: boolean;
  /** PSK-TLS: the callback from `createDeviceAuthenticator(...).pskCallback`, and an optional identity hint. */
  readonly psk?: {
    readonly callback: NonNullable<TlsOptions["pskCallback"]>;
    readonly identityHint?: string;
  };
  /** "TLSv1.2" (default) or "TLSv1.1" (the switch for strict-conformance testing). */
  readonly minVersion?: "TLSv1.2" | "TLSv1.1";
  /**
   * Highest version. Default "TLSv1.3" for X.509 only, "TLSv1.2" when PSK is on: TLS 1.3 would let an X.509
   * handshake win over the PSK identity, and the profile keeps PSK on TLS 1.2 (§11.2, omadm's choice).
   */
  readonly maxVersion?: "TLSv1.2" | "TLSv1.3";
}

/** The cipher string, spec suites first (`honorCipherOrder` makes the server's order win). */
export function cipherList(input: {
  readonly x509: boolean;
  readonly psk: boolean;
  readonly tls11: boolean;
  readonly tls13: boolean;
}): string {
  const suites = [
    ...(input.tls13 ? TLS13_CIPHER_SUITES : []),
    ...(input.x509 ? [...X509_CIPHER_SUITES, ...MODERN_X509_CIPHER_SUITES] : []),
    ...(input.psk ? PSK_CIPHER_SUITES : []),
    ...(input.tls11 ? TLS11_CIPHER_SUITES.filter((s) => input.psk || !s.includes("PSK")) : []),
  ];
  return input.tls11 ? `${suites.join(":")}:@SECLEVEL=0` : suites.join(":");
}

/** Builds Node TLS server options for X.509 and/or PSK-TLS; INVALID_INPUT for an unusable combination. */
export function tlsServerOptions(input: TlsServerOptionsInput): TlsOptions {
  const x509 = input.cert !== undefined || input.key !== undefined;
  if (x509 && (input.cert === undefined || input.key === undefined)) {
    throw new ServerError(ServerErrorCode.INVALID_INPUT, "TLS: cert and key must be given together");
  }
  const psk = input.psk !== undefined;
  if (!x509 && !psk) {
    throw new ServerError(ServerErrorCode.INVALID_INPUT, "TLS: give a certificate and key, or PSK, or both");
  }
  if (input.requestCert === true && !x509) {
    throw new ServerError(ServerErrorCode.INVALID_INPUT, "TLS: requestCert needs a server certificate");
  }
  const minVersion = input.minVersion ?? "TLSv1.2";
  const maxVersion = input.maxVersion ?? (psk ? "TLSv1.2" : "TLSv1.3");
  const options: TlsOptions = {
    minVersion,
    maxVersion,
    ciphers: cipherList({ x509, psk, tls11: minVersion === "TLSv1.1", tls13: maxVersion === "TLSv1.3" }),
    honorCipherOrder: true,
    // DHE-RSA and DHE-PSK suites need DH parameters; "auto" picks well-known groups of sufficient strength.
    dhparam: "auto",
    requestCert: input.requestCert ?? false,
    rejectUnauthorized: false,
  };
  if (x509) {
    options.cert = input.cert as TlsOptions["cert"];
    options.key = input.key as TlsOptions["key"];
  }
  if (input.ca !== undefined) options.ca = input.ca as TlsOptions["ca"];
  if (input.psk !== undefined) {
    options.pskCallback = input.psk.callback;
    if (input.psk.identityHint !== undefined) options.pskIdentityHint = input.psk.identityHint;
  }
  return options;
}
