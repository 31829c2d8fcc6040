// What a bootstrap provisions for one device and one target server (docs/bootstrap.md, docs/protocol.md §9.2,
// §14): fresh secrets, the DMAcc MO data the device fetches once (with the secrets), and the device record the
// target server keeps (without them where it only verifies: HA1 for Digest). Pure: randomness is injected.
import { MOID_DMACC } from "@omadm/protocol";
import { httpCredentials } from "../auth/http-credentials.js";
import { HttpAuthType, type DevicePatch } from "../store/types.js";
import { TargetAuth, type BootstrapTarget } from "../store/types-bootstrap.js";
import type { RemoteCredentials } from "./remote-target-client.js";

/** SHA256-DIGEST (docs/protocol.md §2.5): the `Auth/Noti/Type` value omadm's notifier signs with. */
export const NOTI_TYPE_SHA256_DIGEST = 1;

export interface TargetProvision {
  readonly srvId: string;
  /** The DMAcc instance's MIID on the device (the client keeps a requested free MIID, docs/protocol.md §4.1). */
  readonly miid: string;
  /** The HGET body: one MO serialization item creating the DMAcc instance (docs/protocol.md §7.1). */
  readonly moData: unknown;
  /** What the target server stores for the device: only what it needs to verify and to notify. */
  readonly devicePatch: DevicePatch;
  /** The same for a target in another deployment, as its REST API takes it (the password: it hashes itself). */
  readonly remoteCredentials: RemoteCredentials;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

export function provisionTarget(
  target: BootstrapTarget,
  devId: string,
  options: { readonly realm: string; readonly random: (size: number) => Uint8Array },
): TargetProvision {
  const miid = `bs-${hex(options.random(6))}`;
  const account: Record<string, unknown> = {
    SrvID: target.srvId,
    SrvURI: target.srvUri,
    Name: target.name,
    Perm: Object.fromEntries(target.permittedMoids.map((moid, i) => [`p${i + 1}`, { MOID: moid }])),
  };
  const auth: Record<string, unknown> = {};
  let patch: DevicePatch = {};
  let remote: RemoteCredentials = { http: null, psk: null, notification: null };
  if (target.auth === TargetAuth.Digest) {
    // §9.2 (omadm's choice): Ext/HttpAuth carries the password; the server keeps HA1 only (invariant 16).
    const password = Buffer.from(options.random(18)).toString("base64url");
    account.Ext = { HttpAuth: { Type: "DIGEST", Name: devId, Secret: b64(new TextEncoder().encode(password)) } };
    patch = {
      ...patch,
      http: httpCredentials({ type: HttpAuthType.Digest, username: devId, realm: options.realm, password }),
    };
    remote = { ...remote, http: { type: "digest", username: devId, password } };
  } else if (target.auth === TargetAuth.Psk) {
    // §9.2 (omadm's choice): in PSK mode Auth/Trsp/Data is the identity and Secret the key. A new identity per
    // provision, so a rotated key never meets a cached old one.
    const identity = `${devId}~${hex(options.random(4))}`;
    const key = options.random(32);
    auth.Trsp = { Data: b64(new TextEncoder().encode(identity)), Secret: b64(key) };
    patch = { ...patch, psk: { identity, keyHex: hex(key) } };
    remote = { ...remote, psk: { identity, key: hex(key) } };
  }
  if (target.notification) {
    const secret = options.random(32);
    const authData = new TextEncoder().encode(devId);
    auth.Noti = { Type: NOTI_TYPE_SHA256_DIGEST, Data: b64(authData), Secret: b64(secret) };
    patch = { ...patch, notification: { type: NOTI_TYPE_SHA256_DIGEST, secret, authData } };
    remote = {
      ...remote,
      notification: { type: NOTI_TYPE_SHA256_DIGEST, secret: b64(secret), authData: b64(authData) },
    };
  }
  if (Object.keys(auth).length > 0) account.Auth = auth;
  return {
    srvId: target.srvId,
    miid,
    moData: [{ ClientURI: `${MOID_DMACC}/${miid}/`, MOData: { [miid]: account } }],
    devicePatch: patch,
    remoteCredentials: remote,
  };
}
