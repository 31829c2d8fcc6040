// Serializes a subtree to `MOData` JSON (docs/protocol.md §7.1): an interior node is an object of its children
// (`{}` when it has none), a leaf is its value typed by its DDF format (bin/b64 as base64).
import type { NodeDefinition } from "@omadm/protocol";
import type { DmNode, TreeNode } from "./dm-node.js";
import { type MoDataObject, type MoDataValue, encodeLeafJson } from "./leaf-value.js";

/** Decides whether a node appears in the output; a node left out hides its whole subtree. */
export type NodeFilter = (definition: NodeDefinition) => boolean;

/** §8.2 / §10 (omadm's choice): nodes without Get in their AccessType ("No Get") are never sent to a server. */
export const readableByServer: NodeFilter = (def) => def.accessTypes.has("Get");

export function encodeNode(node: DmNode, filter?: NodeFilter): MoDataValue {
  if (node.isLeaf) {
    const v = node.leafValue();
    return v === undefined ? null : encodeLeafJson(v);
  }
  const out: MoDataObject = {};
  for (const c of node.children()) {
    if (filter !== undefined && !filter(c.definition)) continue;
    setOwn(out, c.name, encodeNode(c, filter));
  }
  return out;
}

/**
 * The MOData of a subtree for a snapshot (tree-snapshot.ts): the encoding of a shared node is computed once and
 * kept, frozen, so snapshots of trees that share nodes share their encoding too.
 */
export function encodeShared(node: TreeNode): MoDataValue {
  if (node.isLeaf) {
    const v = node.leafValue();
    return v === undefined ? null : encodeLeafJson(v);
  }
  const kept = node.encoding;
  if (kept !== undefined) return kept;
  const out: MoDataObject = {};
  for (const c of node.children()) setOwn(out, c.name, encodeShared(c));
  Object.freeze(out);
  node.keepEncoding(out);
  return out;
}

/** Assigns an own property even for the name "__proto__" (a legal node name that plain assignment would drop). */
export function setOwn(target: MoDataObject, name: string, value: MoDataValue): void {
  if (name === "__proto__")
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}
