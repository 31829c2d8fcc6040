// The DM Tree of the DM Client (docs/protocol.md §8): MO instances keyed by (MOID, MIID), typed by the registered
// MoDefinitions. Pure and synchronous: no files, clocks or randomness of its own (MIIDs come from an injected
// source). It implements the shared TreeView so the ClientURI resolver of @omadm/protocol runs over it.
//
// Every write is all-or-nothing: the new subtree is built and checked beside the old one and installed in one
// step. Only a write that really changes something moves the instance's cache validator (§6.3) and fires one
// change event.
//
// Snapshots share nodes instead of copying them: `snapshot()` marks the instances' nodes shared and keeps them,
// encoding the MOData only when it is read, and `restore()` of a snapshot taken in this process adopts those
// nodes. A write copies the shared nodes on its path (dm-node.ts), so each tree is its own while trees restored
// from one template snapshot (a fleet of simulated devices) hold only what they changed.
import {
  ErrorCode,
  ProtocolError,
  isValidMiid,
  type Result,
  type TreeNodeView,
  type TreeView,
  err,
  ok,
} from "@omadm/protocol";
import { type Actor, LOCAL } from "./actor.js";
import { ChangeEmitter, type ChangeEvent, ChangeKind, type ChangeListener } from "./change-events.js";
import { maxOccurrence } from "./definition.js";
import { type DmNode, type NodeLocation, TreeNode } from "./dm-node.js";
import type { LeafValue, MoDataObject } from "./leaf-value.js";
import type { MiidSource } from "./miid.js";
import type { MoRegistry } from "./mo-registry.js";
import { targetData } from "./mo-data-target.js";
import { type BuildContext, buildNode, checkCreate, notAllowed, notFound, whereOf } from "./subtree-builder.js";
import { type NodeFilter, encodeNode, setOwn } from "./subtree-encoder.js";
import { instanceSnapshot, sharedRoot, type TreeSnapshot } from "./tree-snapshot.js";
import { type WritePlan, planDelete, planReplace, planSetValue, walk } from "./tree-writes.js";

export interface DmTreeDeps {
  readonly registry: MoRegistry;
  /** Source of MIID candidates; default a counter (`m1`, `m2`, …) whose position is kept in the snapshot. */
  readonly nextMiid?: MiidSource;
  /** Receives exceptions thrown by change listeners (they never abort a write). */
  readonly onListenerError?: (error: unknown, event: ChangeEvent) => void;
}

export interface DmTreeOptions {
  /** Prefix of new cache validators; pass a random one per process start so validators never repeat. */
  readonly validatorPrefix?: string;
}

export interface AddInstanceOptions {
  readonly actor: Actor;
  /** Requested MIID: kept when free and valid, else a fresh one is generated (DM 2.0 §5.3.1). */
  readonly miid?: string;
  /** `MOData` of the instance root (one key, any name, §7.1); default an empty root. */
  readonly moData?: unknown;
}

export interface ReadOptions {
  /** Leaves out nodes (with their subtrees) for which it returns false, e.g. `readableByServer`. */
  readonly filter?: NodeFilter;
}

export interface WriteOutcome {
  /** False when the data equalled what was stored (no validator change, no event). */
  readonly changed: boolean;
}

export interface DmTree extends TreeView {
  readonly registry: MoRegistry;
  instances(moid: string): readonly string[];
  root(moid: string, miid: string): DmNode | undefined;
  /** MOIDs that have at least one instance. */
  moids(): readonly string[];
  node(moid: string, miid: string, path: readonly string[]): DmNode | undefined;
  /** Location of a node view handed out by this tree (e.g. a resolver result), else undefined. */
  locate(view: TreeNodeView): NodeLocation | undefined;
  /** The instance's cache validator (§6.3), for `cv=` comparison and the `CV` field. */
  validator(moid: string, miid: string): string | undefined;
  creator(moid: string, miid: string): Actor | undefined;
  /** `MOData` of one node: `{ <node name>: <value or object> }` (§7.1). */
  read(moid: string, miid: string, path: readonly string[], options?: ReadOptions): Result<MoDataObject>;
  getValue(moid: string, miid: string, path: readonly string[]): LeafValue | undefined;
  addInstance(moid: string, options: AddInstanceOptions): Result<{ readonly miid: string }>;
  /** Replaces the subtree at `path` (creating it and missing parents) with `MOData` (§7.1 lenient rules). */
  replace(moid: string, miid: string, path: readonly string[], moData: unknown, actor: Actor): Result<WriteOutcome>;
  /** Sets one leaf (creating it and missing parents); the value is checked against the leaf's format. */
  setValue(moid: string, miid: string, path: readonly string[], value: LeafValue, actor?: Actor): Result<WriteOutcome>;
  /** Deletes a node with its subtree; the empty path deletes the instance (§8.1). */
  delete(moid: string, miid: string, path: readonly string[], actor: Actor): Result<void>;
  onChange(listener: ChangeListener): () => void;
  snapshot(): TreeSnapshot;
  /** Replaces the whole content with a snapshot (no events); on error nothing changes. */
  restore(snapshot: TreeSnapshot): Result<void>;
}

interface Instance {
  readonly moid: string;
  readonly miid: string;
  root: TreeNode;
  cv: string;
  readonly creator: Actor;
}

const MIID_ATTEMPTS = 1000;

class DmTreeImpl implements DmTree {
  readonly registry: MoRegistry;
  readonly #byMoid = new Map<string, Map<string, Instance>>();
  readonly #instanceLists = new Map<string, readonly string[]>();
  readonly #events: ChangeEmitter;
  readonly #nextMiid: MiidSource | undefined;
  readonly #validatorPrefix: string;
  #validatorCounter = 0;
  #miidCounter = 1;

  constructor(deps: DmTreeDeps, options: DmTreeOptions) {
    this.registry = deps.registry;
    this.#nextMiid = deps.nextMiid;
    this.#events = new ChangeEmitter(deps.onListenerError);
    this.#validatorPrefix = options.validatorPrefix ?? "";
  }

  instances(moid: string): readonly string[] {
    let list = this.#instanceLists.get(moid);
    if (list === undefined) {
      list = Object.freeze([...(this.#byMoid.get(moid)?.keys() ?? [])]);
      this.#instanceLists.set(moid, list);
    }
    return list;
  }

  root(moid: string, miid: string): DmNode | undefined {
    return this.#instance(moid, miid)?.root;
  }

  moids(): readonly string[] {
    return [...this.#byMoid.keys()];
  }

  node(moid: string, miid: string, path: readonly string[]): DmNode | undefined {
    const inst = this.#instance(moid, miid);
    return inst === undefined ? undefined : walk(inst.root, path)?.node;
  }

  locate(view: TreeNodeView): NodeLocation | undefined {
    if (!(view instanceof TreeNode)) return undefined;
    // A view detached by a later write is not in the tree any more.
    if (this.node(view.moid, view.miid, view.path) !== view) return undefined;
    return { moid: view.moid, miid: view.miid, path: view.path };
  }

  validator(moid: string, miid: string): string | undefined {
    return this.#instance(moid, miid)?.cv;
  }

  creator(moid: string, miid: string): Actor | undefined {
    return this.#instance(moid, miid)?.creator;
  }

  read(moid: string, miid: string, path: readonly string[], options: ReadOptions = {}): Result<MoDataObject> {
    const node = this.node(moid, miid, path);
    if (node === undefined) return notFound("no such node", whereOf({ moid, miid }, path));
    const out: MoDataObject = {};
    setOwn(out, node.name, encodeNode(node, options.filter));
    return ok(out);
  }

  getValue(moid: string, miid: string, path: readonly string[]): LeafValue | undefined {
    return this.node(moid, miid, path)?.leafValue();
  }

  addInstance(moid: string, options: AddInstanceOptions): Result<{ readonly miid: string }> {
    const mo = this.registry.get(moid);
    if (mo === undefined) {
      const message = `MO ${moid} is not supported by this client`;
      return err(new ProtocolError(ErrorCode.TREE_UNKNOWN_MO, message, { status: 404, path: moid }));
    }
    const count = this.#byMoid.get(moid)?.size ?? 0;
    const max = maxOccurrence(mo.root.occurrence);
    if (count >= max) return notAllowed(`MO ${moid} allows at most ${max} instance(s)`, moid);
    const miid = this.#chooseMiid(moid, options.miid);
    if (!miid.ok) return miid;
    const ctx: BuildContext = { moid, miid: miid.value, actor: options.actor };
    const rootName = mo.root.name ?? miid.value;
    const where = whereOf(ctx, []);
    // §8.1: a server creates instances only of MOs whose root is Dynamic with Add (not DevInfo, SessionInfo).
    const created = checkCreate(ctx, mo.root, rootName, where);
    if (!created.ok) return created;
    const content = options.moData === undefined ? ok({}) : targetData(options.moData, [], where);
    if (!content.ok) return content;
    const built = buildNode(ctx, mo.root, rootName, [], content.value, undefined, false);
    if (!built.ok) return built;
    const inst: Instance = {
      moid,
      miid: miid.value,
      root: built.value.node,
      cv: this.#newValidator(),
      creator: options.actor,
    };
    this.#put(inst);
    this.#emit(inst, [], ChangeKind.InstanceAdded, options.actor);
    return ok({ miid: miid.value });
  }

  replace(moid: string, miid: string, path: readonly string[], moData: unknown, actor: Actor): Result<WriteOutcome> {
    return this.#write(moid, miid, path, actor, (ctx, inst) => planReplace(ctx, inst, path, moData));
  }

  setValue(
    moid: string,
    miid: string,
    path: readonly string[],
    value: LeafValue,
    actor: Actor = LOCAL,
  ): Result<WriteOutcome> {
    return this.#write(moid, miid, path, actor, (ctx, inst) => planSetValue(ctx, inst, path, value));
  }

  delete(moid: string, miid: string, path: readonly string[], actor: Actor): Result<void> {
    const inst = this.#instance(moid, miid);
    if (inst === undefined) return notFound(`no instance ${miid} of ${moid}`, whereOf({ moid, miid }, path));
    const plan = planDelete({ moid, miid, actor }, inst, path);
    if (!plan.ok) return plan;
    if (plan.value.isRoot) {
      const map = this.#byMoid.get(moid);
      map?.delete(miid);
      if (map?.size === 0) this.#byMoid.delete(moid);
      this.#instanceLists.delete(moid);
      this.#emit(inst, [], ChangeKind.InstanceDeleted, actor);
      return ok(undefined);
    }
    plan.value.commit((at) => this.#own(inst, at));
    inst.cv = this.#newValidator();
    this.#emit(inst, path, ChangeKind.Deleted, actor);
    return ok(undefined);
  }

  onChange(listener: ChangeListener): () => void {
    return this.#events.add(listener);
  }

  snapshot(): TreeSnapshot {
    const instances = [];
    for (const map of this.#byMoid.values()) {
      for (const i of map.values()) {
        i.root.share();
        instances.push(instanceSnapshot(i));
      }
    }
    return { validatorCounter: this.#validatorCounter, miidCounter: this.#miidCounter, instances };
  }

  restore(snapshot: TreeSnapshot): Result<void> {
    const restored: Instance[] = [];
    for (const s of snapshot.instances) {
      const where = whereOf(s, []);
      const mo = this.registry.get(s.moid);
      if (mo === undefined) {
        const message = `saved instance of MO ${s.moid}, which is not registered`;
        return err(new ProtocolError(ErrorCode.TREE_UNKNOWN_MO, message, { status: 500, path: where }));
      }
      if (!isValidMiid(s.miid)) {
        const message = `saved MIID ${JSON.stringify(s.miid)} is invalid`;
        return err(new ProtocolError(ErrorCode.TREE_BAD_MIID, message, { status: 500, path: where }));
      }
      // The nodes of a snapshot taken in this process, of the same MO definition, are adopted as they are.
      const shared = sharedRoot(s);
      if (shared !== undefined && shared.definition === mo.root && shared.moid === s.moid && shared.miid === s.miid) {
        restored.push({ moid: s.moid, miid: s.miid, root: shared, cv: s.cv, creator: s.creator });
        continue;
      }
      const ctx: BuildContext = { moid: s.moid, miid: s.miid, actor: LOCAL };
      const built = buildNode(ctx, mo.root, mo.root.name ?? s.miid, [], s.data, undefined, false);
      if (!built.ok) return built;
      restored.push({ moid: s.moid, miid: s.miid, root: built.value.node, cv: s.cv, creator: s.creator });
    }
    this.#byMoid.clear();
    this.#instanceLists.clear();
    for (const inst of restored) this.#put(inst);
    this.#validatorCounter = snapshot.validatorCounter;
    this.#miidCounter = snapshot.miidCounter;
    return ok(undefined);
  }

  #instance(moid: string, miid: string): Instance | undefined {
    return this.#byMoid.get(moid)?.get(miid);
  }

  /** The instance's own node at `path` (it exists: the write plan found it), copying shared nodes on the way. */
  #own(inst: Instance, path: readonly string[]): TreeNode {
    let node = inst.root;
    if (node.shared) {
      node = node.copy();
      inst.root = node;
    }
    for (const name of path) {
      let next = node.child(name);
      if (next === undefined) throw new Error(`internal: planned write under missing node ${name}`);
      if (next.shared) {
        next = next.copy();
        node.setChild(next);
      }
      node = next;
    }
    return node;
  }

  #put(inst: Instance): void {
    let map = this.#byMoid.get(inst.moid);
    if (map === undefined) {
      map = new Map();
      this.#byMoid.set(inst.moid, map);
    }
    map.set(inst.miid, inst);
    this.#instanceLists.delete(inst.moid);
  }

  #write(
    moid: string,
    miid: string,
    path: readonly string[],
    actor: Actor,
    plan: (ctx: BuildContext, inst: Instance) => Result<WritePlan>,
  ): Result<WriteOutcome> {
    const ctx: BuildContext = { moid, miid, actor };
    const inst = this.#instance(moid, miid);
    if (inst === undefined) return notFound(`no instance ${miid} of ${moid}`, whereOf(ctx, path));
    const p = plan(ctx, inst);
    if (!p.ok) return p;
    if (!p.value.changed) return ok({ changed: false });
    p.value.commit((at) => this.#own(inst, at));
    inst.cv = this.#newValidator();
    this.#emit(inst, path, ChangeKind.Replaced, actor);
    return ok({ changed: true });
  }

  #chooseMiid(moid: string, requested: string | undefined): Result<string> {
    const taken = this.#byMoid.get(moid);
    if (requested !== undefined && isValidMiid(requested) && taken?.has(requested) !== true) return ok(requested);
    for (let i = 0; i < MIID_ATTEMPTS; i++) {
      const candidate = this.#nextMiid === undefined ? `m${this.#miidCounter++}` : this.#nextMiid(moid);
      if (isValidMiid(candidate) && taken?.has(candidate) !== true) return ok(candidate);
    }
    const message = `no free MIID for ${moid} after ${MIID_ATTEMPTS} candidates`;
    return err(new ProtocolError(ErrorCode.TREE_MIID_EXHAUSTED, message, { status: 500 }));
  }

  #newValidator(): string {
    this.#validatorCounter++;
    return `${this.#validatorPrefix}${this.#validatorCounter.toString(36)}`;
  }

  #emit(inst: Instance, path: readonly string[], kind: ChangeKind, actor: Actor): void {
    this.#events.emit({ moid: inst.moid, miid: inst.miid, path: [...path], kind, actor });
  }
}

/** Creates an empty DM Tree over the MOs of `deps.registry`. */
export function createDmTree(deps: DmTreeDeps, options: DmTreeOptions = {}): DmTree {
  return new DmTreeImpl(deps, options);
}
