// The device-software side of the DM Tree by ClientURI (device software plugs in: it reads and writes leaf
// values): local applications are trusted (no access control, §10 applies to DM Servers only), but values are
// still checked against the DDF format of their leaf (§8.1).
import {
  ErrorCode,
  ProtocolError,
  type ResolvedNode,
  type Result,
  err,
  ok,
  parseClientUri,
  resolveClientUri,
} from "@omadm/protocol";
import type { DmTree } from "../tree/dm-tree.js";
import { type LeafValue, decodeLeafJson } from "../tree/leaf-value.js";

export interface LeafTarget {
  readonly moid: string;
  readonly miid: string;
  readonly path: readonly string[];
}

/** Every node a ClientURI selects (wildcards and `nv=` allowed), the way a server's GET would see them. */
export function resolveLocal(tree: DmTree, clientUri: string): Result<ResolvedNode[]> {
  const uri = parseClientUri(clientUri);
  if (!uri.ok) return uri;
  return resolveClientUri(uri.value, tree);
}

/**
 * The one leaf a write goes to: `MOID/MIID/A/B` or `MOID//A/B` (the only instance). The leaf and its parents
 * need not exist yet (the write creates them), but the instance must.
 */
export function leafTarget(tree: DmTree, clientUri: string): Result<LeafTarget> {
  const parsed = parseClientUri(clientUri);
  if (!parsed.ok) return parsed;
  const uri = parsed.value;
  const fail = (message: string, status = 400): Result<never> =>
    err(new ProtocolError(ErrorCode.URI_NOT_CONCRETE, message, { path: clientUri, status }));
  let miid: string;
  if (uri.inst.kind === "miid") {
    miid = uri.inst.miid;
  } else if (uri.inst.kind === "only") {
    const all = tree.instances(uri.moid);
    const only = all.length === 1 ? all[0] : undefined;
    if (only === undefined) return fail(`MO ${uri.moid} has ${all.length} instances; name one by its MIID`, 404);
    miid = only;
  } else {
    return fail("a write needs one instance: give its MIID (or none for the only instance)");
  }
  if (tree.root(uri.moid, miid) === undefined) {
    return err(
      new ProtocolError(ErrorCode.TREE_NOT_FOUND, `no instance ${miid} of ${uri.moid}`, {
        path: clientUri,
        status: 404,
      }),
    );
  }
  const path: string[] = [];
  for (const seg of uri.path) {
    if (seg.kind !== "name") return fail("a write needs a concrete path (no * or x-names)");
    path.push(seg.name);
  }
  if (path.length === 0) return fail("name a leaf below the instance root");
  return ok({ moid: uri.moid, miid, path });
}

/**
 * A value for the leaf at `target`: typed values as they are; text (from a command line or a config) read as
 * the leaf's DDF format the way MO data is (§7.1: "5" for int, "true" for bool, base64 for bin).
 */
export function leafValueFor(tree: DmTree, target: LeafTarget, value: LeafValue | string): Result<LeafValue> {
  const def = tree.registry.definitionAt(target.moid, target.path);
  const where = `${target.moid}/${target.miid}/${target.path.join("/")}`;
  if (def === undefined) {
    const message = `MO ${target.moid} has no node ${target.path.join("/")}`;
    return err(new ProtocolError(ErrorCode.TREE_NOT_FOUND, message, { path: where, status: 404 }));
  }
  if (def.format === "node") {
    return err(new ProtocolError(ErrorCode.TREE_BAD_VALUE, "an interior node has no value", { path: where }));
  }
  if (typeof value !== "string") return ok(value);
  if (def.format === "chr" || def.format === "xml" || def.format === "date" || def.format === "time") return ok(value);
  return decodeLeafJson(def.format, value, where);
}

/** A leaf's value by ClientURI (`getValue` of the client). */
export function readLeafValue(tree: DmTree, clientUri: string): Result<LeafValue> {
  const target = leafTarget(tree, clientUri);
  if (!target.ok) return target;
  const node = tree.node(target.value.moid, target.value.miid, target.value.path);
  const value = node?.leafValue();
  if (value === undefined) {
    const message = node === undefined ? "no such node" : "an interior node has no value";
    return err(new ProtocolError(ErrorCode.TREE_NOT_FOUND, message, { path: clientUri, status: 404 }));
  }
  return ok(value);
}

/** The one node a ClientURI must select for a `replace` of the client (URI_AMBIGUOUS for more or none). */
export function replaceTarget(tree: DmTree, clientUri: string): Result<ResolvedNode> {
  const nodes = resolveLocal(tree, clientUri);
  if (!nodes.ok) return nodes;
  const [node] = nodes.value;
  if (node === undefined || nodes.value.length !== 1) {
    const message = `the ClientURI selects ${nodes.value.length} nodes; a replace needs exactly one`;
    return err(new ProtocolError(ErrorCode.URI_AMBIGUOUS, message, { path: clientUri, status: 400 }));
  }
  return ok(node);
}
