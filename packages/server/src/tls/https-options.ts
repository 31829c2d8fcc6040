// The Node TLS options of the server's HTTPS listener, from the `tls` configuration, the PEM material and the
// device authenticator (whose `pskCallback` answers PSK-TLS handshakes from its key cache). docs/protocol.md §11.2:
// X.509 and PSK-TLS, the spec's cipher suites first, TLS 1.2 minimum unless the TLS 1.1 switch is on, and PSK
// on TLS 1.2 only (tlsServerOptions picks the maximum version and the suites).
import { constants } from "node:crypto";
import type { TlsOptions } from "node:tls";
import type { DeviceAuthenticator } from "../auth/device-authenticator.js";
import { tlsServerOptions } from "./tls-options.js";
import type { TlsConfig } from "./tls-config.js";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { TlsMaterial } from "./tls-material.js";
import { errorMessage } from "@omadm/protocol";

/**
 * CONFIG_INVALID when PSK-TLS is on but neither the authenticator keeps PSK keys (no "psk" device auth mode) nor
 * the bootstrap role answers PSK handshakes (`pskCallback`: the composed callback, docs/bootstrap.md).
 */
export function httpsOptionsFor(
  tls: TlsConfig,
  material: TlsMaterial,
  authenticator: Pick<DeviceAuthenticator, "pskCallback" | "pskKeys"> | null,
  pskCallback?: (socket: object, identity: string) => Buffer | null,
): TlsOptions {
  if (tls.psk && pskCallback === undefined && (authenticator === null || authenticator.pskKeys === null)) {
    throw new ServerError(
      ServerErrorCode.CONFIG_INVALID,
      'tls.psk needs a device authenticator with the "psk" mode (deviceAuth.modes), which holds the PSK keys',
    );
  }
  let options: TlsOptions;
  try {
    options = tlsServerOptions({
      ...(material.cert === null ? {} : { cert: material.cert }),
      ...(material.key === null ? {} : { key: material.key }),
      ...(material.ca === null ? {} : { ca: material.ca }),
      requestCert: tls.requestClientCert,
      ...(tls.psk &&
        (pskCallback !== undefined || authenticator !== null) && {
          psk: {
            callback: pskCallback ?? (authenticator as Pick<DeviceAuthenticator, "pskCallback">).pskCallback,
            ...(tls.pskIdentityHint === null ? {} : { identityHint: tls.pskIdentityHint }),
          },
        }),
      minVersion: tls.minVersion,
    });
  } catch (cause) {
    // tlsServerOptions refuses unusable combinations (INVALID_INPUT); here they are configuration mistakes.
    throw new ServerError(ServerErrorCode.CONFIG_INVALID, `tls: ${errorMessage(cause)}`, { cause });
  }
  if (tls.psk) {
    // A resumed TLS 1.2 session skips pskCallback, so the authenticator would not know which identity the
    // connection proved and would refuse its requests (403): a device's second connection (a P3 after an idle
    // keep-alive, a repository transfer) must make a full PSK handshake. Without tickets, nothing is resumable:
    // Node keeps no server-side session-ID cache unless 'newSession'/'resumeSession' are handled.
    options.secureOptions = (options.secureOptions ?? 0) | constants.SSL_OP_NO_TICKET;
  }
  return options;
}
