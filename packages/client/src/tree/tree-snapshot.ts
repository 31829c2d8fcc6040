// The persistent form of the DM Tree (docs/protocol.md §7.1 JSON per instance), part of the client state document.
import type { Actor } from "./actor.js";
import type { TreeNode } from "./dm-node.js";
import type { MoDataValue } from "./leaf-value.js";
import { encodeNode } from "./subtree-encoder.js";

export interface InstanceSnapshot {
  readonly moid: string;
  readonly miid: string;
  /** Cache validator (§6.3), kept across restarts so a server's cached copy stays valid. */
  readonly cv: string;
  readonly creator: Actor;
  /** The instance root's content as typed MOData JSON (an object of the root's children). */
  readonly data: MoDataValue;
}

export interface TreeSnapshot {
  /** Last cache-validator counter used; validators never repeat across restarts. */
  readonly validatorCounter: number;
  /** Next candidate of the built-in MIID counter. */
  readonly miidCounter: number;
  readonly instances: readonly InstanceSnapshot[];
}

/** The shared root each snapshot taken by a tree of this process holds (a restore adopts it). */
const roots = new WeakMap<InstanceSnapshot, TreeNode>();

/**
 * The snapshot of one instance whose root is shared (it never changes again): `data` is encoded from it each time
 * it is read, so that a snapshot costs no copy of the tree until it is written out.
 */
export function instanceSnapshot(i: {
  readonly moid: string;
  readonly miid: string;
  readonly cv: string;
  readonly creator: Actor;
  readonly root: TreeNode;
}): InstanceSnapshot {
  const root = i.root;
  const s = { moid: i.moid, miid: i.miid, cv: i.cv, creator: i.creator } as InstanceSnapshot;
  Object.defineProperty(s, "data", { enumerable: true, get: () => encodeNode(root) });
  roots.set(s, root);
  return s;
}

/** The shared root of a snapshot taken in this process, else undefined (read from a file, or built by hand). */
export function sharedRoot(s: InstanceSnapshot): TreeNode | undefined {
  return roots.get(s);
}
