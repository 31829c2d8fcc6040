// Delegated access control of the DM Client (docs/protocol.md §10 and omadm's checks there).
//
// 1. A server may manage only the MOIDs provisioned for it at bootstrap (its DMAcc `Perm/<x>/MOID`): any other
//    MOID is 403 and is hidden from its MOS (§10 rules 1 and 7).
// 2. Rights (Read, Write, Exec, Delegate) are per MO instance. A server has full rights on an instance it created
//    (exclusive: other servers only get what is granted, §10 rule 2) and on its own DMAcc instance (the one whose
//    SrvID is its own) [our rule: a server must be able to maintain its account]. Instances the device created
//    (DevInfo, SessionInfo, local applications' MOs) give full rights to every server whose Perm lists the MOID,
//    which is the §10 rule 6 behaviour, unless the option `localInstances: "none"` leaves them to explicit grants.
//    Missing right for the command → 403 (§10, omadm's choice).
// 3. The DDF AccessType is checked last: a violation is 405 (§10, omadm's choice) — except for reading, see 4.
// 4. [Our decision, §8.2/§9.2] "No Get" nodes (no Get in the AccessType: Perm and its subtree, secret keys) are
//    never readable by a server: GET/HPUT/HPOST/SUB of such a node, or of a node below one, is 403 (a
//    confidentiality refusal, like an unprovisioned MOID); inside a readable subtree they are left out of the
//    serialized data (`readableByServer`).
// 5. §11.3: only the server that created a DMAcc instance (its bootstrap server) may change `Auth/Bootstrap`,
//    and [our rule] the account's identity `SrvID` and its `Perm` (written once at bootstrap, §14). Another server
//    (e.g. the account's own server) writing at the instance root, at SrvID, at/below Perm, or at/below
//    Auth/Bootstrap (or at Auth while Bootstrap exists) gets 403.
import {
  ErrorCode,
  MOID_DMACC,
  ProtocolError,
  type MosEntry,
  type NodeDefinition,
  type Result,
  err,
  isDevInfoMoid,
  ok,
} from "@omadm/protocol";
import { type Actor, sameActor } from "../tree/actor.js";
import type { DmTree } from "../tree/dm-tree.js";
import { readAccounts } from "../tree/dmacc.js";
import {
  ACCESS_TYPES_FOR,
  ALL_RIGHTS,
  RIGHT_FOR,
  type Right,
  type TreeCommand,
  isReadCommand,
  isRight,
} from "./rights.js";

export type AccessStatus = 200 | 403 | 405;

export interface AccessTarget {
  readonly moid: string;
  /** Undefined (or a MIID with no instance) when the command would create the instance (HGET). */
  readonly miid?: string;
  /** Node names below the instance root. */
  readonly path: readonly string[];
}

export interface AccessGrant {
  readonly moid: string;
  readonly miid: string;
  readonly srvId: string;
  readonly rights: readonly Right[];
}

export interface AccessSnapshot {
  readonly grants: readonly AccessGrant[];
}

export interface AccessControlOptions {
  /** Rights on device-created instances: every provisioned server (default, §10 rule 6) or grants only. */
  readonly localInstances?: "permitted-servers" | "none";
}

export interface AccessControl {
  /** The MOIDs provisioned for a server (its DMAcc Perm); empty for an unknown server. */
  permittedMoids(srvId: string): ReadonlySet<string>;
  /** §9.1: a provisioned DevInfo MOID of any version matches every DevInfo version. */
  isProvisioned(srvId: string, moid: string): boolean;
  rights(srvId: string, moid: string, miid: string): ReadonlySet<Right>;
  /** 200, 403 or 405 for a command on a node of this definition (see the rules above). */
  checkAccess(
    srvId: string,
    command: TreeCommand,
    moid: string,
    miid: string | undefined,
    node: NodeDefinition | undefined,
  ): AccessStatus;
  /** The same checks for a node by path (ancestors' "No Get" included), with an explaining error. */
  checkTarget(srvId: string, command: TreeCommand, target: AccessTarget): Result<true>;
  /** Adds rights; `by` is the device, or a server holding Delegate on the instance (§10 rule 4). */
  grant(by: Actor, grant: AccessGrant): Result<void>;
  /** Removes rights (all when `rights` is empty); same authority as grant. */
  revoke(by: Actor, grant: AccessGrant): Result<void>;
  /** Package#1 MOS (§3.1): provisioned and supported MOIDs, each with the instances the server has a right on. */
  mosFor(srvId: string): MosEntry[];
  /** Fires after grants change (for persisting the state). */
  onChange(listener: () => void): () => void;
  snapshot(): AccessSnapshot;
  restore(snapshot: AccessSnapshot): Result<void>;
  /** Stops following the tree's changes. */
  dispose(): void;
}

const key = (moid: string, miid: string): string => `${moid}\u0000${miid}`;

function denied(message: string, path?: string): Result<never> {
  return err(
    new ProtocolError(ErrorCode.ACCESS_DENIED, message, path === undefined ? { status: 403 } : { status: 403, path }),
  );
}

function notAllowed(message: string, path: string): Result<never> {
  return err(new ProtocolError(ErrorCode.TREE_NOT_ALLOWED, message, { status: 405, path }));
}

class AccessControlImpl implements AccessControl {
  readonly #tree: DmTree;
  readonly #localInstances: "permitted-servers" | "none";
  /** (moid, miid) → srvId → rights granted explicitly. */
  readonly #grants = new Map<string, Map<string, Set<Right>>>();
  readonly #listeners = new Set<() => void>();
  #perm: Map<string, Set<string>> | undefined;
  readonly #off: () => void;

  constructor(tree: DmTree, options: AccessControlOptions) {
    this.#tree = tree;
    this.#localInstances = options.localInstances ?? "permitted-servers";
    this.#off = tree.onChange((e) => {
      if (e.moid === MOID_DMACC) this.#perm = undefined;
      // A deleted instance takes its grants along, so a later instance with the same MIID starts clean.
      if (e.kind === "instance-deleted" && this.#grants.delete(key(e.moid, e.miid))) this.#changed();
    });
  }

  permittedMoids(srvId: string): ReadonlySet<string> {
    if (this.#perm === undefined) {
      const perm = new Map<string, Set<string>>();
      for (const a of readAccounts(this.#tree)) {
        const set = perm.get(a.srvId) ?? new Set<string>();
        for (const m of a.permittedMoids) set.add(m);
        perm.set(a.srvId, set);
      }
      this.#perm = perm;
    }
    return this.#perm.get(srvId) ?? new Set();
  }

  isProvisioned(srvId: string, moid: string): boolean {
    const perm = this.permittedMoids(srvId);
    if (perm.has(moid)) return true;
    return isDevInfoMoid(moid) && [...perm].some(isDevInfoMoid);
  }

  rights(srvId: string, moid: string, miid: string): ReadonlySet<Right> {
    if (!this.isProvisioned(srvId, moid)) return new Set();
    const creator = this.#tree.creator(moid, miid);
    if (creator === undefined) return new Set();
    if (sameActor(creator, { kind: "server", srvId })) return new Set(ALL_RIGHTS);
    if (moid === MOID_DMACC) {
      if (this.#tree.getValue(moid, miid, ["SrvID"]) === srvId) return new Set(ALL_RIGHTS);
    } else if (creator.kind === "local" && this.#localInstances === "permitted-servers") {
      return new Set(ALL_RIGHTS);
    }
    return new Set(this.#grants.get(key(moid, miid))?.get(srvId) ?? []);
  }

  checkAccess(
    srvId: string,
    command: TreeCommand,
    moid: string,
    miid: string | undefined,
    node: NodeDefinition | undefined,
  ): AccessStatus {
    const r = this.#check(srvId, command, moid, miid, node === undefined ? [] : [node], []);
    return r.ok ? 200 : r.error.status === 405 ? 405 : 403;
  }

  checkTarget(srvId: string, command: TreeCommand, target: AccessTarget): Result<true> {
    const defs: NodeDefinition[] = [];
    const mo = this.#tree.registry.get(target.moid);
    if (mo !== undefined) {
      // Definitions from the root down to the target (existing nodes' own, else the MO definition's).
      let node = target.miid === undefined ? undefined : this.#tree.root(target.moid, target.miid);
      let def: NodeDefinition | undefined = node?.definition ?? mo.root;
      defs.push(def);
      for (const name of target.path) {
        node = node?.child(name);
        def = node?.definition ?? this.#tree.registry.definitionAt(target.moid, target.path.slice(0, defs.length));
        if (def === undefined) break;
        defs.push(def);
      }
      if (def === undefined) defs.length = 0; // no such node in the MO: the executor answers 404
    }
    return this.#check(srvId, command, target.moid, target.miid, defs, target.path);
  }

  grant(by: Actor, g: AccessGrant): Result<void> {
    const auth = this.#authorize(by, g);
    if (!auth.ok) return auth;
    const k = key(g.moid, g.miid);
    const perInstance = this.#grants.get(k) ?? new Map<string, Set<Right>>();
    const set = perInstance.get(g.srvId) ?? new Set<Right>();
    for (const r of g.rights) set.add(r);
    perInstance.set(g.srvId, set);
    this.#grants.set(k, perInstance);
    this.#changed();
    return ok(undefined);
  }

  revoke(by: Actor, g: AccessGrant): Result<void> {
    const auth = this.#authorize(by, g);
    if (!auth.ok) return auth;
    const perInstance = this.#grants.get(key(g.moid, g.miid));
    const set = perInstance?.get(g.srvId);
    if (set === undefined) return ok(undefined);
    if (g.rights.length === 0) set.clear();
    for (const r of g.rights) set.delete(r);
    if (set.size === 0) perInstance?.delete(g.srvId);
    if (perInstance?.size === 0) this.#grants.delete(key(g.moid, g.miid));
    this.#changed();
    return ok(undefined);
  }

  mosFor(srvId: string): MosEntry[] {
    const out: MosEntry[] = [];
    // Supported MOs in registration order; a provisioned MOID this client does not support is not listed.
    for (const moid of this.#tree.registry.moids()) {
      if (!this.isProvisioned(srvId, moid)) continue;
      const miids = this.#tree.instances(moid).filter((miid) => this.rights(srvId, moid, miid).size > 0);
      const ddf = this.#tree.registry.ddfUrl(moid);
      out.push({ ...(ddf === undefined ? {} : { DDF: ddf }), MOID: moid, MIID: miids });
    }
    return out;
  }

  onChange(listener: () => void): () => void {
    const wrapped = (): void => {
      listener();
    };
    this.#listeners.add(wrapped);
    return () => {
      this.#listeners.delete(wrapped);
    };
  }

  snapshot(): AccessSnapshot {
    const grants: AccessGrant[] = [];
    for (const [k, perInstance] of this.#grants) {
      const [moid = "", miid = ""] = k.split("\u0000");
      for (const [srvId, rights] of perInstance) grants.push({ moid, miid, srvId, rights: [...rights] });
    }
    return { grants };
  }

  restore(snapshot: AccessSnapshot): Result<void> {
    for (const g of snapshot.grants) {
      if (!g.rights.every(isRight)) {
        const message = `saved grant for ${g.srvId} holds an unknown right`;
        return err(new ProtocolError(ErrorCode.STATE_CORRUPT, message, { status: 500 }));
      }
    }
    this.#grants.clear();
    for (const g of snapshot.grants) {
      const perInstance = this.#grants.get(key(g.moid, g.miid)) ?? new Map<string, Set<Right>>();
      perInstance.set(g.srvId, new Set(g.rights));
      this.#grants.set(key(g.moid, g.miid), perInstance);
    }
    return ok(undefined);
  }

  dispose(): void {
    this.#off();
  }

  #check(
    srvId: string,
    command: TreeCommand,
    moid: string,
    miid: string | undefined,
    defs: readonly NodeDefinition[],
    path: readonly string[],
  ): Result<true> {
    const where = `${moid}/${miid ?? ""}/${path.join("/")}`;
    if (!this.isProvisioned(srvId, moid))
      return denied(`MOID ${moid} is not provisioned for server ${srvId} (§10)`, where);
    const exists = miid !== undefined && this.#tree.creator(moid, miid) !== undefined;
    const needed = RIGHT_FOR[command];
    if (exists && !this.rights(srvId, moid, miid).has(needed)) {
      return denied(`server ${srvId} has no ${needed} right on instance ${miid} of ${moid} (§10)`, where);
    }
    if (isReadCommand(command)) {
      if (defs.some((d) => !d.accessTypes.has("Get"))) return denied(`the node is not readable (No Get, §8.2)`, where);
    } else {
      const def = defs.at(-1);
      if (def !== undefined && !ACCESS_TYPES_FOR[command].some((a) => def.accessTypes.has(a))) {
        return notAllowed(`the AccessType of the node does not allow ${command} (§8.2)`, where);
      }
    }
    if (exists && moid === MOID_DMACC && !isReadCommand(command) && this.#guardsAccount(miid, path)) {
      const creator = this.#tree.creator(moid, miid);
      if (creator === undefined || !sameActor(creator, { kind: "server", srvId })) {
        return denied(
          `only the server that created this account may change its SrvID, Perm or Auth/Bootstrap (§11.3)`,
          where,
        );
      }
    }
    return ok(true);
  }

  #authorize(by: Actor, g: AccessGrant): Result<true> {
    if (!g.rights.every(isRight)) return denied(`unknown right in ${JSON.stringify(g.rights)}`);
    if (this.#tree.creator(g.moid, g.miid) === undefined) {
      return err(new ProtocolError(ErrorCode.TREE_NOT_FOUND, `no instance ${g.miid} of ${g.moid}`, { status: 404 }));
    }
    if (by.kind === "local") return ok(true);
    if (!this.rights(by.srvId, g.moid, g.miid).has("Delegate")) {
      return denied(`server ${by.srvId} holds no Delegate right on instance ${g.miid} of ${g.moid} (§10)`);
    }
    return ok(true);
  }

  /** Whether a write at `path` of DMAcc instance `miid` can change its SrvID or its bootstrap keys. */
  #guardsAccount(miid: string, path: readonly string[]): boolean {
    const [first, second] = path;
    // Perm too: it is provisioned once by the bootstrap server (docs/protocol.md §14, §10 rule 1).
    if (first === undefined || first === "SrvID" || first === "Perm") return true;
    if (first !== "Auth") return false;
    return (
      second === "Bootstrap" ||
      (second === undefined && this.#tree.node(MOID_DMACC, miid, ["Auth", "Bootstrap"]) !== undefined)
    );
  }

  #changed(): void {
    for (const l of [...this.#listeners]) l();
  }
}

/** Access control over `deps.tree`; it follows the tree's changes until `dispose()`. */
export function createAccessControl(
  deps: { readonly tree: DmTree },
  options: AccessControlOptions = {},
): AccessControl {
  return new AccessControlImpl(deps.tree, options);
}
