// The DM Account MO (docs/protocol.md §9.2): one instance per DM Server. `createDmAccount` writes an account (factory
// bootstrap or tests); `readAccounts` gives the typed view the session, notification and access layers use.
// §15: the draft change request's `Credentials/Noti/AuthSecret` and `AuthData` are read where an account provides them and
// `Auth/Noti` is absent, so an account written by an older provisioning tool keeps working.
import { MOID_DMACC, type Result } from "@omadm/protocol";
import { type Actor, LOCAL } from "./actor.js";
import type { DmNode } from "./dm-node.js";
import type { DmTree } from "./dm-tree.js";
import { type MoDataObject, encodeBase64 } from "./leaf-value.js";

/** HTTP Basic/Digest credentials, `Ext/HttpAuth` (§9.2, omadm's choice). */
export interface HttpAuthCredentials {
  /** "BASIC" or "DIGEST". */
  readonly type: string;
  readonly name: string;
  readonly secret: Uint8Array;
}

/** Package#0 authentication (§2.5): server-secret prepended, auth-data appended. */
export interface NotiCredentials {
  /** Auth/Noti/Type; undefined for the seed's Credentials/Noti layout, which has no type. */
  readonly type: number | undefined;
  readonly secret: Uint8Array;
  readonly data: Uint8Array;
}

/** TLS credentials for DM sessions (`Auth/Trsp`): DER certificate chain / PSK identity, PKCS#8 key / PSK. */
export interface TrspCredentials {
  readonly data: Uint8Array;
  readonly secret: Uint8Array | undefined;
}

/** Key material for the bootstrap server (`Auth/Bootstrap`, §11.3). */
export interface BootstrapCredentials {
  readonly serverUri: string;
  /** One byte (omadm's choice: the LwM2M codes): 0 PSK, 1 RPK, 2 X.509, 3 NoSec. */
  readonly secMode: Uint8Array;
  readonly clientPubKey: Uint8Array | undefined;
  readonly serverPubKey: Uint8Array | undefined;
  readonly clientSecretKey: Uint8Array | undefined;
}

export interface DmAccount {
  readonly miid: string;
  readonly srvId: string;
  readonly srvUri: string;
  readonly name: string;
  /** Perm/<x>/MOID: the MOIDs this server may manage (§10). */
  readonly permittedMoids: readonly string[];
  readonly noti?: NotiCredentials;
  readonly httpAuth?: HttpAuthCredentials;
  readonly trsp?: TrspCredentials;
  readonly bootstrap?: BootstrapCredentials;
}

export interface DmAccountInput {
  readonly srvId: string;
  readonly srvUri: string;
  readonly name: string;
  readonly permittedMoids: readonly string[];
  readonly noti?: { readonly type: number; readonly secret: Uint8Array; readonly data: Uint8Array };
  readonly httpAuth?: HttpAuthCredentials;
  readonly trsp?: { readonly data: Uint8Array; readonly secret?: Uint8Array };
  readonly bootstrap?: {
    readonly serverUri: string;
    readonly secMode: number;
    readonly clientPubKey: Uint8Array;
    readonly serverPubKey: Uint8Array;
    readonly clientSecretKey: Uint8Array;
  };
  /** Requested MIID (kept if free). */
  readonly miid?: string;
}

/** The `MOData` of a DMAcc instance root for `input` (bin values as base64, §7.1). */
export function dmAccountMoData(input: DmAccountInput): MoDataObject {
  const perm: MoDataObject = {};
  input.permittedMoids.forEach((moid, i) => {
    perm[`p${i + 1}`] = { MOID: moid };
  });
  const auth: MoDataObject = {};
  if (input.noti !== undefined) {
    auth.Noti = { Type: input.noti.type, Data: encodeBase64(input.noti.data), Secret: encodeBase64(input.noti.secret) };
  }
  if (input.trsp !== undefined) {
    auth.Trsp = {
      Data: encodeBase64(input.trsp.data),
      ...(input.trsp.secret === undefined ? {} : { Secret: encodeBase64(input.trsp.secret) }),
    };
  }
  if (input.bootstrap !== undefined) {
    const b = input.bootstrap;
    auth.Bootstrap = {
      ServerURI: b.serverUri,
      SecMode: encodeBase64(new Uint8Array([b.secMode])),
      ClientPubKey: encodeBase64(b.clientPubKey),
      ServerPubKey: encodeBase64(b.serverPubKey),
      ClientSecretKey: encodeBase64(b.clientSecretKey),
    };
  }
  const root: MoDataObject = { SrvID: input.srvId, SrvURI: input.srvUri, Name: input.name, Perm: perm };
  if (Object.keys(auth).length > 0) root.Auth = auth;
  if (input.httpAuth !== undefined) {
    const h = input.httpAuth;
    root.Ext = { HttpAuth: { Type: h.type, Name: h.name, Secret: encodeBase64(h.secret) } };
  }
  return root;
}

/** Adds a DMAcc instance (by default as the device itself: factory bootstrap, §14). */
export function createDmAccount(
  tree: DmTree,
  input: DmAccountInput,
  actor: Actor = LOCAL,
): Result<{ readonly miid: string }> {
  const data = dmAccountMoData(input);
  return tree.addInstance(MOID_DMACC, {
    actor,
    moData: { account: data },
    ...(input.miid === undefined ? {} : { miid: input.miid }),
  });
}

function leaf(node: DmNode | undefined, ...path: string[]): DmNode | undefined {
  let n = node;
  for (const name of path) n = n?.child(name);
  return n?.isLeaf === true ? n : undefined;
}

function str(node: DmNode | undefined, ...path: string[]): string | undefined {
  const v = leaf(node, ...path)?.leafValue();
  return typeof v === "string" ? v : undefined;
}

function bytes(node: DmNode | undefined, ...path: string[]): Uint8Array | undefined {
  const v = leaf(node, ...path)?.leafValue();
  if (v instanceof Uint8Array) return v;
  // Lenient for accounts written with a chr value (e.g. into an open extension).
  return typeof v === "string" ? new TextEncoder().encode(v) : undefined;
}

function readNoti(root: DmNode): NotiCredentials | undefined {
  const secret = bytes(root, "Auth", "Noti", "Secret");
  if (secret !== undefined) {
    const type = leaf(root, "Auth", "Noti", "Type")?.leafValue();
    return {
      type: typeof type === "number" ? type : undefined,
      secret,
      data: bytes(root, "Auth", "Noti", "Data") ?? new Uint8Array(),
    };
  }
  // §15: the draft change-request layout <x>/Credentials/Noti/{AuthSecret,AuthData}.
  const legacy = bytes(root, "Credentials", "Noti", "AuthSecret");
  if (legacy === undefined) return undefined;
  return { type: undefined, secret: legacy, data: bytes(root, "Credentials", "Noti", "AuthData") ?? new Uint8Array() };
}

function readAccount(tree: DmTree, miid: string): DmAccount | undefined {
  const root = tree.root(MOID_DMACC, miid);
  const srvId = str(root, "SrvID");
  if (root === undefined || srvId === undefined) return undefined;
  const permittedMoids: string[] = [];
  for (const group of root.child("Perm")?.children() ?? []) {
    const moid = str(group, "MOID");
    if (moid !== undefined) permittedMoids.push(moid);
  }
  const noti = readNoti(root);
  const trspData = bytes(root, "Auth", "Trsp", "Data");
  const httpType = str(root, "Ext", "HttpAuth", "Type");
  const httpName = str(root, "Ext", "HttpAuth", "Name");
  const httpSecret = bytes(root, "Ext", "HttpAuth", "Secret");
  const bsUri = str(root, "Auth", "Bootstrap", "ServerURI");
  const bsMode = bytes(root, "Auth", "Bootstrap", "SecMode");
  return {
    miid,
    srvId,
    srvUri: str(root, "SrvURI") ?? "",
    name: str(root, "Name") ?? "",
    permittedMoids,
    ...(noti === undefined ? {} : { noti }),
    ...(httpType === undefined || httpName === undefined || httpSecret === undefined
      ? {}
      : { httpAuth: { type: httpType, name: httpName, secret: httpSecret } }),
    ...(trspData === undefined ? {} : { trsp: { data: trspData, secret: bytes(root, "Auth", "Trsp", "Secret") } }),
    ...(bsUri === undefined || bsMode === undefined
      ? {}
      : {
          bootstrap: {
            serverUri: bsUri,
            secMode: bsMode,
            clientPubKey: bytes(root, "Auth", "Bootstrap", "ClientPubKey"),
            serverPubKey: bytes(root, "Auth", "Bootstrap", "ServerPubKey"),
            clientSecretKey: bytes(root, "Auth", "Bootstrap", "ClientSecretKey"),
          },
        }),
  };
}

/** Every DM account in the tree (instances without a SrvID are skipped: they name no server). */
export function readAccounts(tree: DmTree): DmAccount[] {
  const out: DmAccount[] = [];
  for (const miid of tree.instances(MOID_DMACC)) {
    const a = readAccount(tree, miid);
    if (a !== undefined) out.push(a);
  }
  return out;
}

/** The account of one DM Server (Package#0 SERVER-ID = SrvID), or undefined. */
export function findAccount(tree: DmTree, srvId: string): DmAccount | undefined {
  return readAccounts(tree).find((a) => a.srvId === srvId);
}
