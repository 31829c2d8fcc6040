// The persistent form of the DM Tree (docs/protocol.md §7.1 JSON per instance), part of the client state document.
import type { Actor } from "./actor.js";
import type { TreeNode } from "./dm-node.js";
import type { MoDataValue } from "./leaf-value.js";
import { encodeShared } from "./subtree-encoder.js";

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

/** The shared root of each instance encoding a snapshot of this process holds (a restore adopts it). */
const roots = new WeakMap<object, TreeNode>();

/** The snapshot of one instance whose root is shared (it never changes again): its MOData is kept with it. */
export function instanceSnapshot(i: {
  readonly moid: string;
  readonly miid: string;
  readonly cv: string;
  readonly creator: Actor;
  readonly root: TreeNode;
}): InstanceSnapshot {
  const data = encodeShared(i.root);
  if (typeof data === "object" && data !== null) roots.set(data, i.root);
  return { moid: i.moid, miid: i.miid, cv: i.cv, creator: i.creator, data };
}

/** The shared root of a snapshot taken in this process, else undefined (read from a file, or built by hand). */
export function sharedRoot(s: InstanceSnapshot): TreeNode | undefined {
  return typeof s.data === "object" && s.data !== null ? roots.get(s.data) : undefined;
}
