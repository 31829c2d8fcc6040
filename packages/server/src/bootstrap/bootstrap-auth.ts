// Who is at the other end of a bootstrap request (docs/protocol.md §11.3: mutual authentication per SecMode): the
// bootstrap credential the TLS connection proved — a PSK identity from the handshake (SecMode 0) or a client
// certificate that chains to the configured CA, by its SHA-256 fingerprint (SecMode 2) — and whether it may
// bootstrap the DevID the request names.
import type { AuthSocket } from "../auth/types.js";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { BootstrapStore } from "../store/bootstrap-store.js";
import type { BootstrapCredential } from "../store/types-bootstrap.js";
import { peerCertificateFingerprint } from "../tls/client-certificate.js";
import type { BootstrapPskKeys } from "./bootstrap-psk.js";
import { credentialCovers } from "./rule-match.js";

export type BootstrapAuthenticator = (socket: object | null | undefined, devId: string) => Promise<BootstrapCredential>;

function forbidden(message: string): ServerError {
  return new ServerError(ServerErrorCode.BOOTSTRAP_FORBIDDEN, message);
}

export function createBootstrapAuthenticator(deps: {
  readonly store: { readonly bootstrap: BootstrapStore };
  readonly pskKeys: BootstrapPskKeys | null;
}): BootstrapAuthenticator {
  const identify = async (raw: object | null | undefined): Promise<BootstrapCredential> => {
    const socket: AuthSocket = raw ?? {};
    if (socket.encrypted !== true) throw forbidden("bootstrap needs TLS with mutual authentication (§11.3)");
    const identity = raw === null || raw === undefined ? undefined : deps.pskKeys?.identityOf(raw);
    if (identity !== undefined) {
      const credential = await deps.store.bootstrap.findCredential({ pskIdentity: identity });
      if (credential === null) throw forbidden(`the bootstrap PSK identity "${identity}" is no longer valid`);
      return credential;
    }
    const fingerprint = peerCertificateFingerprint(socket);
    if (fingerprint === null)
      throw forbidden("no bootstrap credential: neither a PSK identity nor a client certificate");
    if (socket.authorized !== true) throw forbidden("the client certificate does not chain to the configured CA");
    const credential = await deps.store.bootstrap.findCredential({ certFingerprint: fingerprint });
    if (credential === null)
      throw forbidden(`the client certificate (SHA-256 ${fingerprint}) is no bootstrap credential`);
    return credential;
  };
  return async (raw, devId) => {
    const credential = await identify(raw);
    if (!credential.id || !credentialCovers(credential, devId)) {
      throw forbidden(`bootstrap credential ${credential.id} does not cover the device ${JSON.stringify(devId)}`);
    }
    return credential;
  };
}
