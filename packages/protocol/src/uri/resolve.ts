// ClientURI resolution over a read-only tree (docs/protocol.md §6.1 "Resolution", omadm's choice):
// 1. select the instance set from mo-inst; 2. walk the path level by level keeping the set of matching nodes
// ("*" = all children, an x-name = all children filtered by its nv-fields, ANDed); 3. empty → 404;
// 4. more than one is 400 where the command needs a single target (HGET, EXEC).
// Concrete segments use TreeView.root()/child() lookups only, so a concrete URI never scans the tree.
import { ErrorCode, ProtocolError } from "../errors.js";
import { err, ok, type Result } from "../result.js";
import type { TreeNodeView, TreeView } from "../tree-view.js";
import type { ClientUri, NvField } from "./client-uri.js";
import { concreteClientUri, formatClientUri } from "./client-uri-format.js";

export interface ResolvedNode {
  readonly moid: string;
  readonly miid: string;
  /** Node names from the instance root (empty for the root itself). */
  readonly path: readonly string[];
  readonly node: TreeNodeView;
  /** Canonical concrete ClientURI of this node (instance roots end in "/"). */
  readonly clientUri: string;
}

export interface ResolveOptions {
  /** The command needs exactly one target (HGET, EXEC): more than one match is `URI_AMBIGUOUS` (400). */
  readonly single?: boolean;
}

interface Candidate {
  readonly miid: string;
  readonly path: readonly string[];
  readonly node: TreeNodeView;
}

/** §6.1 nv-field: the leaf at `relPath` below `node` exists and its value equals `value` (string compare). */
function satisfies(node: TreeNodeView, fields: readonly NvField[]): boolean {
  for (const f of fields) {
    let cur: TreeNodeView | undefined = node;
    for (const name of f.relPath) {
      cur = cur.child(name);
      if (cur === undefined) return false;
    }
    if (!cur.isLeaf || cur.value() !== f.value) return false;
  }
  return true;
}

function notFound(uri: ClientUri, why: string): { readonly ok: false; readonly error: ProtocolError } {
  const text = formatClientUri(uri);
  const shown = JSON.stringify(text.length > 120 ? text.slice(0, 117) + "..." : text);
  return err(
    new ProtocolError(ErrorCode.URI_NOT_FOUND, `ClientURI ${shown} cannot be resolved: ${why}`, { status: 404 }),
  );
}

function selectInstances(uri: ClientUri, tree: TreeView, nv: ReadonlyMap<string, NvField[]>): Result<Candidate[]> {
  const inst = uri.inst;
  if (inst.kind === "miid") {
    const node = tree.root(uri.moid, inst.miid);
    return node === undefined ? notFound(uri, `no instance "${inst.miid}"`) : ok([{ miid: inst.miid, path: [], node }]);
  }
  const miids = tree.instances(uri.moid);
  if (inst.kind === "only" && miids.length !== 1) {
    // §6.1: "" is allowed only when exactly one instance exists; with two or more the URI cannot be resolved.
    return notFound(uri, miids.length === 0 ? "no instance of the MOID" : `mo-inst "" but ${miids.length} instances`);
  }
  const fields = inst.kind === "xname" ? (nv.get(inst.letter) ?? []) : [];
  const out: Candidate[] = [];
  for (const miid of miids) {
    const node = tree.root(uri.moid, miid);
    if (node !== undefined && satisfies(node, fields)) out.push({ miid, path: [], node });
  }
  return out.length === 0 ? notFound(uri, "no instance matches the mo-inst") : ok(out);
}

/**
 * Resolves a parsed ClientURI against a tree. Returns the matching nodes in tree order (instances in
 * `instances()` order, children in `children()` order), `URI_NOT_FOUND` (404) when nothing matches, and
 * `URI_AMBIGUOUS` (400) when `single` is set and more than one node matches. The cv-field and other query
 * fields do not take part (the caller handles §6.3 cache validation).
 */
export function resolveClientUri(uri: ClientUri, tree: TreeView, options: ResolveOptions = {}): Result<ResolvedNode[]> {
  const nv = new Map<string, NvField[]>();
  for (const f of uri.query.nv) {
    const list = nv.get(f.letter);
    if (list === undefined) nv.set(f.letter, [f]);
    else list.push(f);
  }
  const first = selectInstances(uri, tree, nv);
  if (!first.ok) return first;
  let current = first.value;
  for (let level = 0; level < uri.path.length; level++) {
    const seg = uri.path[level];
    if (seg === undefined) break;
    const next: Candidate[] = [];
    for (const c of current) {
      if (seg.kind === "name") {
        const child = c.node.child(seg.name);
        if (child !== undefined) next.push({ miid: c.miid, path: [...c.path, seg.name], node: child });
        continue;
      }
      const fields = seg.kind === "xname" ? (nv.get(seg.letter) ?? []) : [];
      for (const child of c.node.children()) {
        if (satisfies(child, fields)) next.push({ miid: c.miid, path: [...c.path, child.name], node: child });
      }
    }
    if (next.length === 0) return notFound(uri, `no node matches path segment ${level + 1}`);
    current = next;
  }
  if (options.single === true && current.length > 1) {
    const text = formatClientUri(uri);
    return err(
      new ProtocolError(
        ErrorCode.URI_AMBIGUOUS,
        `ClientURI ${JSON.stringify(text.slice(0, 120))} resolves to ${current.length} nodes; this command needs exactly one`,
        { status: 400 },
      ),
    );
  }
  return ok(
    current.map((c) => ({
      moid: uri.moid,
      miid: c.miid,
      path: c.path,
      node: c.node,
      clientUri: concreteClientUri(uri.moid, c.miid, c.path),
    })),
  );
}
