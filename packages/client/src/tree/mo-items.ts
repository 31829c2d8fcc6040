// MO serialization items (docs/protocol.md §7.1) from and into the DM Tree: what HPUT/HPOST/SUB/GET send and what
// HGET stores. ClientURIs are the canonical concrete form (§6.1): instance roots end in "/".
import { type MoItem, type Result, concreteClientUri, ok } from "@omadm/protocol";
import type { Actor } from "./actor.js";
import type { DmTree } from "./dm-tree.js";
import type { NodeFilter } from "./subtree-encoder.js";
import { notFound, whereOf } from "./subtree-builder.js";

export interface MoItemOptions {
  /** E.g. `readableByServer` for data sent to a DM Server. */
  readonly filter?: NodeFilter;
}

/** One item for the node at `path`: concrete ClientURI, MOData, DDF URL when known, CV for an instance root (§6.3). */
export function moItemFor(
  tree: DmTree,
  moid: string,
  miid: string,
  path: readonly string[],
  options: MoItemOptions = {},
): Result<MoItem> {
  const data = tree.read(moid, miid, path, options.filter === undefined ? {} : { filter: options.filter });
  if (!data.ok) return data;
  const ddf = tree.registry.ddfUrl(moid);
  const cv = path.length === 0 ? tree.validator(moid, miid) : undefined;
  return ok({
    ...(ddf === undefined ? {} : { DDF: ddf }),
    ClientURI: concreteClientUri(moid, miid, path),
    ...(cv === undefined ? {} : { CV: cv }),
    MOData: data.value,
  });
}

export interface StoreOutcome {
  readonly miid: string;
  /** True when a new instance was created (the client chose `miid`, DM 2.0 §5.3.1). */
  readonly created: boolean;
  readonly changed: boolean;
}

/**
 * Stores `moData` at (moid, miid?, path) as HGET does (docs/protocol.md §4.1): into an existing instance it replaces
 * the subtree; when `miid` is undefined or names no instance and `path` is empty, it creates an instance (keeping
 * `miid` if free and valid). Data for a path inside a missing instance is 404.
 */
export function storeMoData(
  tree: DmTree,
  target: { readonly moid: string; readonly miid?: string | undefined; readonly path: readonly string[] },
  moData: unknown,
  actor: Actor,
): Result<StoreOutcome> {
  const { moid, miid, path } = target;
  if (miid !== undefined && tree.root(moid, miid) !== undefined) {
    const r = tree.replace(moid, miid, path, moData, actor);
    return r.ok ? ok({ miid, created: false, changed: r.value.changed }) : r;
  }
  if (path.length > 0)
    return notFound(
      `no instance ${miid ?? '""'} of ${moid} to hold this node`,
      whereOf({ moid, miid: miid ?? "" }, path),
    );
  const r = tree.addInstance(moid, { actor, moData, ...(miid === undefined ? {} : { miid }) });
  return r.ok ? ok({ miid: r.value.miid, created: true, changed: true }) : r;
}
