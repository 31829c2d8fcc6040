// X.509 client certificates (docs/protocol.md §11.2: the DM Server MUST support them). A device is bound to its
// certificate by the SHA-256 fingerprint of the DER encoding, stored as lowercase hex (store `certFingerprint`):
// pinning works with a private CA and with self-signed device certificates alike, and needs no name rules.

import { X509Certificate, createHash } from "node:crypto";
import type { AuthSocket } from "../auth/types.js";

/** Lowercase hex SHA-256 of DER bytes: the form the store keeps. */
export function fingerprintOfDer(der: Uint8Array): string {
  return createHash("sha256").update(der).digest("hex");
}

/**
 * The stored-form fingerprint of a certificate given as PEM or DER — for provisioning a device
 * (`devices.update(id, { certFingerprint: certificateFingerprint(pem) })`). Throws on something that is not a
 * certificate (operator input; the REST API turns that into a 400).
 */
export function certificateFingerprint(certificate: string | Uint8Array): string {
  return fingerprintOfDer(new X509Certificate(certificate).raw);
}

/** The fingerprint of the certificate the peer presented on this connection, or null when it presented none. */
export function peerCertificateFingerprint(socket: AuthSocket | null | undefined): string | null {
  const certificate = socket?.getPeerCertificate?.();
  const raw = certificate?.raw;
  return raw === undefined || raw.byteLength === 0 ? null : fingerprintOfDer(raw);
}
