// The shapes device authentication works on: a request as Node's `http.IncomingMessage` (fastify's
// `request.raw`) presents it, and the answer the DM endpoint or the Data Repository turns into an HTTP reply.
// docs/protocol.md §11.2: the DM Server MUST support HTTP Basic, HTTP Digest and X.509 client certificates, and
// SHALL support PSK-TLS (RFC 4279).

import { HDR_DEVID } from "@omadm/protocol";

/** How a device may prove who it is. */
export const AuthMode = {
  /** No authentication: the device is who its OMADM-DevID header says (trusted networks, tests). */
  None: "none",
  /** HTTP Basic (RFC 7617). */
  Basic: "basic",
  /** HTTP Digest (RFC 7616), MD5 and SHA-256, qop=auth. */
  Digest: "digest",
  /** TLS client certificate, pinned by SHA-256 fingerprint. */
  Mtls: "mtls",
  /** PSK-TLS (RFC 4279): the PSK identity of the TLS handshake. */
  Psk: "psk",
} as const;
export type AuthMode = (typeof AuthMode)[keyof typeof AuthMode];

/** The peer certificate as `tls.TLSSocket#getPeerCertificate()` returns it (an empty object when none). */
export interface PeerCertificateLike {
  /** The DER encoding. */
  readonly raw?: Uint8Array;
}

/** The parts of the connection the authenticator reads: a `net.Socket` or `tls.TLSSocket` fits. */
export interface AuthSocket {
  /** true on a TLS connection (`tls.TLSSocket#encrypted`). */
  readonly encrypted?: boolean;
  /** true when the peer certificate chains to a configured CA (`tls.TLSSocket#authorized`). */
  readonly authorized?: boolean;
  readonly authorizationError?: Error | string | null;
  getPeerCertificate?(): PeerCertificateLike | null;
}

/** A request as `http.IncomingMessage` has it: pass fastify's `request.raw`. */
export interface AuthRequest {
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly method?: string | undefined;
  /** The request-target as sent (path and query), which a Digest `uri` must equal. */
  readonly url?: string | undefined;
  /**
   * The connection: a `net.Socket` or `tls.TLSSocket` (read through `AuthSocket`). Typed `object` because
   * `IncomingMessage#socket` is declared as `net.Socket`, which shares no member with `AuthSocket`.
   */
  readonly socket?: object | null | undefined;
}

export type AuthResult =
  | {
      readonly ok: true;
      /** The authenticated device (its OMADM-DevID). */
      readonly deviceId: string;
      /** How it was authenticated. */
      readonly method: AuthMode;
    }
  | {
      readonly ok: false;
      /** 401: credentials missing, wrong or stale — retry with the challenges. 403: authenticated as someone
       *  else, refused method or disabled device — retrying will not help. */
      readonly status: 401 | 403;
      /** One `WWW-Authenticate` header value per challenge (with 401). */
      readonly wwwAuthenticate?: readonly string[];
      /** Names the problem, for the response body and the log. */
      readonly message: string;
    };

/** Random bytes (node:crypto `randomBytes` fits), injected so tests can be deterministic. */
export type RandomBytes = (size: number) => Uint8Array;

/** The OMADM-DevID header name as Node presents it (lowercase). */
export const DEVID_HEADER = HDR_DEVID.toLowerCase();
