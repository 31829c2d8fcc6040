// One node of the DM Tree (docs/protocol.md §8.1): interior nodes keep their children in a Map (stable insertion
// order, O(1) lookup by name), leaves keep one typed value. Nodes implement the shared read-only TreeNodeView so
// the ClientURI resolver of @omadm/protocol walks them directly.
//
// A node is either the tree's own (changed in place while the tree commits a write) or shared: once a snapshot
// is taken, its nodes are shared (never changed again, so the snapshot may keep them instead of a copy) and a tree
// restored from that snapshot holds the very same nodes; a write then copies the shared nodes on its path
// (copy-on-write, dm-tree.ts). Many devices made from one template so hold one copy of what they have in common.
import type { NodeDefinition, TreeNodeView } from "@omadm/protocol";
import { type LeafValue, type MoDataObject, leafValueToString } from "./leaf-value.js";

/** Read-only view of a node, with its definition and location (what the command executor needs). */
export interface DmNode extends TreeNodeView {
  readonly definition: NodeDefinition;
  readonly moid: string;
  readonly miid: string;
  /** Node names from the instance root (empty for the root). */
  readonly path: readonly string[];
  children(): Iterable<DmNode>;
  child(name: string): DmNode | undefined;
  readonly childCount: number;
  /** The typed value of a leaf; undefined for an interior node. */
  leafValue(): LeafValue | undefined;
}

/** The tree's own node; mutated only by the tree while it commits a change. */
export class TreeNode implements DmNode {
  readonly name: string;
  readonly definition: NodeDefinition;
  readonly moid: string;
  readonly miid: string;
  readonly path: readonly string[];
  readonly #children: Map<string, TreeNode> | undefined;
  #value: LeafValue | undefined;
  #shared = false;
  /** The MOData of a shared interior node, kept once computed (it cannot change); see subtree-encoder.ts. */
  #encoding: MoDataObject | undefined;

  constructor(
    name: string,
    definition: NodeDefinition,
    moid: string,
    miid: string,
    path: readonly string[],
    value?: LeafValue,
  ) {
    this.name = name;
    this.definition = definition;
    this.moid = moid;
    this.miid = miid;
    this.path = path;
    if (definition.format === "node") this.#children = new Map();
    else this.#value = value;
  }

  get isLeaf(): boolean {
    return this.#children === undefined;
  }

  get childCount(): number {
    return this.#children?.size ?? 0;
  }

  children(): Iterable<TreeNode> {
    return this.#children?.values() ?? [];
  }

  child(name: string): TreeNode | undefined {
    return this.#children?.get(name);
  }

  value(): string | undefined {
    return this.#value === undefined ? undefined : leafValueToString(this.#value);
  }

  leafValue(): LeafValue | undefined {
    return this.#value;
  }

  /** True once the node may be held by more than one tree or snapshot; it never changes in place after. */
  get shared(): boolean {
    return this.#shared;
  }

  /** Marks this subtree shared. The children of a shared node are shared, so the walk stops at one. */
  share(): void {
    if (this.#shared) return;
    this.#shared = true;
    if (this.#children !== undefined) for (const c of this.#children.values()) c.share();
  }

  get encoding(): MoDataObject | undefined {
    return this.#encoding;
  }

  /** Keeps the MOData of a shared node (frozen: every snapshot that holds this node reads the same object). */
  keepEncoding(data: MoDataObject): void {
    if (this.#shared) this.#encoding = data;
  }

  /** The tree's own copy of this node: same name, definition, location and value; the children stay shared. */
  copy(): TreeNode {
    const n = new TreeNode(this.name, this.definition, this.moid, this.miid, this.path, this.#value);
    if (this.#children !== undefined) for (const c of this.#children.values()) n.setChild(c);
    return n;
  }

  setChild(node: TreeNode): void {
    this.#own();
    this.#children?.set(node.name, node);
  }

  removeChild(name: string): boolean {
    this.#own();
    return this.#children?.delete(name) ?? false;
  }

  setValue(value: LeafValue): void {
    this.#own();
    this.#value = value;
  }

  #own(): void {
    // A write through a shared node would change every tree and snapshot that holds it.
    if (this.#shared) throw new Error(`internal: shared DM Tree node ${this.name} changed in place`);
  }

  /** Counts placeholder-defined children (for the occurrence maximum of `<x>` nodes). */
  countDefinedBy(def: NodeDefinition): number {
    let n = 0;
    for (const c of this.children()) if (c.definition === def) n++;
    return n;
  }
}

/** Node location for events, access checks and ClientURIs. */
export interface NodeLocation {
  readonly moid: string;
  readonly miid: string;
  readonly path: readonly string[];
}
