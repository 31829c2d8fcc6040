// Turning a command's ClientURI parameter into tree nodes the server may act on (docs/protocol.md §6.1 resolution,
// §10 access control), the cache-validator check (§6.3), and the MO serialization of what was read (§7.1).
import {
  type ClientUri,
  type MoItem,
  type ResolvedNode,
  Status,
  parseClientUri,
  resolveClientUri,
} from "@omadm/protocol";
import type { TreeCommand } from "../access/rights.js";
import { moItemFor } from "../tree/mo-items.js";
import { readableByServer } from "../tree/subtree-encoder.js";
import type { CommandEnv } from "./command-env.js";

export type Targeted<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly sc: number; readonly message: string };

export function fail(
  code: number,
  message: string,
): { readonly ok: false; readonly sc: number; readonly message: string } {
  return { ok: false, sc: code, message };
}

/** Parses a ClientURI parameter; bad syntax is 400 (the runner validated it already, this guards direct calls). */
export function parseTarget(text: string): Targeted<ClientUri> {
  const r = parseClientUri(text);
  return r.ok ? r : fail(Status.BAD_REQUEST, r.error.message);
}

/** A ClientURI parameter with the nodes it names that the server may act on. */
export interface Target {
  readonly uri: ClientUri;
  readonly nodes: ResolvedNode[];
}

/** `parseTarget`, then `resolveAllowed` on the parsed URI: the first failure (400, then 403/404/405) is returned. */
export function resolveTarget(
  env: CommandEnv,
  serverId: string,
  command: TreeCommand,
  clientUri: string,
  options: { readonly single?: boolean; readonly strict?: boolean } = {},
): Targeted<Target> {
  const uri = parseTarget(clientUri);
  if (!uri.ok) return uri;
  const nodes = resolveAllowed(env, serverId, command, uri.value, options);
  if (!nodes.ok) return nodes;
  return { ok: true, value: { uri: uri.value, nodes: nodes.value } };
}

/** True when the URI selects by pattern: `*` or an x-name in mo-inst or the path (§6.1). */
export function hasWildcard(uri: ClientUri): boolean {
  return uri.inst.kind === "all" || uri.inst.kind === "xname" || uri.path.some((s) => s.kind !== "name");
}

/**
 * Resolves `uri` and keeps the nodes `serverId` may act on with `command` (§10). A URI naming one node by itself
 * reports a denial as its status (403/405). A wildcard or x-name URI selects among what the server may see:
 * denied matches are left out, and only when every match is denied does the first denial become the status.
 * `strict` (for writes such as DELETE): any denial is the status, so a command never acts on part of its target.
 */
export function resolveAllowed(
  env: CommandEnv,
  serverId: string,
  command: TreeCommand,
  uri: ClientUri,
  options: { readonly single?: boolean; readonly strict?: boolean } = {},
): Targeted<ResolvedNode[]> {
  const provisioned = env.access.isProvisioned(serverId, uri.moid);
  if (!provisioned) {
    // §10 (omadm's choice): an unprovisioned MOID is 403 and hidden — do not reveal whether the node exists.
    return fail(Status.FORBIDDEN, `MOID ${uri.moid} is not provisioned for server ${serverId} (§10)`);
  }
  const resolved = resolveClientUri(uri, env.tree, options.single === true ? { single: true } : {});
  if (!resolved.ok) return fail(resolved.error.status, resolved.error.message);
  const allowed: ResolvedNode[] = [];
  let firstDenial: { sc: number; message: string } | undefined;
  for (const n of resolved.value) {
    const check = env.access.checkTarget(serverId, command, { moid: n.moid, miid: n.miid, path: n.path });
    if (check.ok) allowed.push(n);
    else firstDenial ??= { sc: check.error.status, message: check.error.message };
  }
  if (firstDenial !== undefined && (options.strict === true || !hasWildcard(uri) || allowed.length === 0)) {
    return fail(firstDenial.sc, firstDenial.message);
  }
  return { ok: true, value: allowed };
}

/**
 * §6.3: the URI's `cv` equals the current validator of every instance its nodes belong to, so the server's copy
 * is current (304, nothing sent). False without a cv or without nodes.
 */
export function validatorMatches(env: CommandEnv, uri: ClientUri, nodes: readonly ResolvedNode[]): boolean {
  const cv = uri.query.cv;
  if (cv === undefined || nodes.length === 0) return false;
  return nodes.every((n) => env.tree.validator(n.moid, n.miid) === cv);
}

/** The MO serialization of `nodes` as a DM Server may see it ("No Get" nodes left out, §10), one item per node. */
export function itemsFor(env: CommandEnv, nodes: readonly ResolvedNode[]): Targeted<MoItem[]> {
  const items: MoItem[] = [];
  const seen = new Set<string>();
  for (const n of nodes) {
    if (seen.has(n.clientUri)) continue;
    seen.add(n.clientUri);
    const item = moItemFor(env.tree, n.moid, n.miid, n.path, { filter: readableByServer });
    if (!item.ok) return fail(item.error.status, item.error.message);
    items.push(item.value);
  }
  return { ok: true, value: items };
}
