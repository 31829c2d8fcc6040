// One node of the DM Tree (docs/protocol.md §8.1): interior nodes keep their children in a Map (stable insertion
// order, O(1) lookup by name), leaves keep one typed value. Nodes implement the shared read-only TreeNodeView so
// the ClientURI resolver of @omadm/protocol walks them directly.
import type { NodeDefinition, TreeNodeView } from "@omadm/protocol";
import { type LeafValue, leafValueToString } from "./leaf-value.js";

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

  setChild(node: TreeNode): void {
    this.#children?.set(node.name, node);
  }

  removeChild(name: string): boolean {
    return this.#children?.delete(name) ?? false;
  }

  setValue(value: LeafValue): void {
    this.#value = value;
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
