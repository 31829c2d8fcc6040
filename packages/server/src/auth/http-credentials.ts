// Provisioning helper: the HttpCredentials record the store keeps for a device's HTTP password (both HA1s,
// never the password; RFC 7616 §3.4.2), for `devices.create/update(…, { http: httpCredentials(…) })`.

import type { HttpAuthType, HttpCredentials } from "../store/types.js";
import { DigestAlgorithm, digestHash } from "./http-digest.js";

export function httpCredentials(input: {
  readonly type: HttpAuthType;
  readonly username: string;
  /** Must be the authenticator's realm for Digest (the client hashes with the challenge's realm). */
  readonly realm: string;
  readonly password: string;
}): HttpCredentials {
  const a1 = `${input.username}:${input.realm}:${input.password}`;
  return {
    type: input.type,
    username: input.username,
    realm: input.realm,
    ha1Md5: digestHash(DigestAlgorithm.Md5, a1),
    ha1Sha256: digestHash(DigestAlgorithm.Sha256, a1),
  };
}
