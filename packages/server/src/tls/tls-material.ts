// The PEM files of the `tls` configuration, read and checked once when the server is composed, so that a
// missing file, a key that does not belong to the certificate or a CA file without certificates stops the start
// with an error naming the file — not a handshake failure for every device later (docs/protocol.md §11.2).
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { TlsConfig } from "./tls-config.js";
import { errorMessage } from "@omadm/protocol";

/** PEM text of the server certificate chain, its key and the CAs device certificates chain to. */
export interface TlsMaterial {
  readonly cert: string | null;
  readonly key: string | null;
  readonly ca: string | null;
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Reads `tls.certFile`, `tls.keyFile` and `tls.caFile` (those that are set). CONFIG_INVALID naming the key and
 * the file when one cannot be read, the certificate and key are unusable together, or the CA file holds no
 * certificate. `read` is injectable for tests; default node:fs.
 */
export function loadTlsMaterial(
  tls: Pick<TlsConfig, "certFile" | "keyFile" | "caFile">,
  read: (path: string) => string = (path) => readFileSync(path, "utf8"),
): TlsMaterial {
  const load = (key: string, path: string | null): string | null => {
    if (path === null) return null;
    try {
      return read(path);
    } catch (cause) {
      throw invalid(`cannot read tls.${key} ${path}: ${errorMessage(cause)}`, cause);
    }
  };
  const material: TlsMaterial = {
    cert: load("certFile", tls.certFile),
    key: load("keyFile", tls.keyFile),
    ca: load("caFile", tls.caFile),
  };
  checkTlsMaterial(material, tls);
  return material;
}

/** The checks of `loadTlsMaterial` on PEM text (for material given directly rather than as files). */
export function checkTlsMaterial(
  material: TlsMaterial,
  names: Partial<Pick<TlsConfig, "certFile" | "keyFile" | "caFile">> = {},
): void {
  const named = (key: string, path: string | null | undefined): string =>
    path === null || path === undefined ? key : `${key} ${path}`;
  if (material.cert !== null || material.key !== null) {
    try {
      // OpenSSL parses both and checks that the key belongs to the certificate.
      createSecureContext({ cert: material.cert ?? undefined, key: material.key ?? undefined });
    } catch (cause) {
      throw invalid(
        `${named("tls.certFile", names.certFile)} and ${named("tls.keyFile", names.keyFile)} are not a usable ` +
          `certificate and private key (PEM): ${errorMessage(cause)}`,
        cause,
      );
    }
  }
  if (material.ca !== null) {
    // createSecureContext silently ignores a CA file without certificates, which would make every device
    // certificate untrusted; parse each block instead.
    const blocks = material.ca.match(CERTIFICATE_BLOCK) ?? [];
    const what = named("tls.caFile", names.caFile);
    if (blocks.length === 0) throw invalid(`${what} holds no PEM certificate`);
    for (const [i, block] of blocks.entries()) {
      try {
        new X509Certificate(block);
      } catch (cause) {
        throw invalid(`${what}: certificate ${i + 1} cannot be parsed: ${errorMessage(cause)}`, cause);
      }
    }
  }
}

function invalid(message: string, cause?: unknown): ServerError {
  return new ServerError(ServerErrorCode.CONFIG_INVALID, message, cause === undefined ? undefined : { cause });
}
