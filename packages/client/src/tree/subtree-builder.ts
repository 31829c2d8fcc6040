// Builds a new subtree from `MOData` JSON (docs/protocol.md §7.1) next to the old one, checking every rule before
// anything is installed, so a rejected write changes nothing (ARCHITECTURE.md invariant 7). Unchanged nodes are reused,
// which tells the tree whether the instance really changed (its cache validator moves only then, §6.3).
//
// Rules for a DM Server as the writer (§8.1, §8.2): creating a node under an existing parent needs a Dynamic
// node whose AccessType has Add (a permanent node is only ever created along with its new parent); changing a
// leaf value needs Replace; removing a dynamic node that the new data leaves out needs Delete; permanent nodes
// the data leaves out are kept; required nodes (One/OneOrMore/OneOrN) must be present afterwards, a missing
// leaf with a DDF DefaultValue gets that value; an existing interior node whose AccessType is Add only (no
// Replace, no Delete: DMAcc Perm and Perm/<x>, "write-once" per §14) cannot change at all. Local applications are trusted and skip the AccessType, Scope
// and required-node checks, but their values are still checked against the formats.
import {
  ErrorCode,
  ProtocolError,
  allows,
  isValidNodeName,
  type NodeDefinition,
  type Result,
  err,
  ok,
} from "@omadm/protocol";
import type { Actor } from "./actor.js";
import {
  childDefinition,
  formatOfJson,
  maxOccurrence,
  minOccurrence,
  namedChildDefinitions,
  placeholderDefinition,
} from "./definition.js";
import { TreeNode } from "./dm-node.js";
import { decodeLeafJson, encodeLeafJson, leafValuesEqual } from "./leaf-value.js";

/** Deepest path below an instance root; bounds recursion for open (vendor extension) subtrees. */
export const MAX_TREE_DEPTH = 64;

export interface BuildContext {
  readonly moid: string;
  readonly miid: string;
  readonly actor: Actor;
}

export interface Built {
  readonly node: TreeNode;
  readonly changed: boolean;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function childWhere(where: string, name: string): string {
  return where.endsWith("/") ? `${where}${name}` : `${where}/${name}`;
}

export function whereOf(ctx: { readonly moid: string; readonly miid: string }, path: readonly string[]): string {
  return `${ctx.moid}/${ctx.miid}/${path.join("/")}`;
}

export function badData(message: string, where: string): Result<never> {
  return err(new ProtocolError(ErrorCode.TREE_BAD_DATA, message, { status: 400, path: where }));
}

export function notFound(message: string, where: string): Result<never> {
  return err(new ProtocolError(ErrorCode.TREE_NOT_FOUND, message, { status: 404, path: where }));
}

export function notAllowed(message: string, where: string): Result<never> {
  return err(new ProtocolError(ErrorCode.TREE_NOT_ALLOWED, message, { status: 405, path: where }));
}

/** An interior node that can be added but never replaced or deleted (§14: Perm data is write-once). */
export function isWriteOnce(def: NodeDefinition): boolean {
  return def.format === "node" && allows(def, "Add") && !allows(def, "Replace") && !allows(def, "Delete");
}

/** §8.1/§8.2: may `actor` create a node of `def` under a parent that already exists? */
export function checkCreate(ctx: BuildContext, def: NodeDefinition, name: string, where: string): Result<true> {
  if (ctx.actor.kind !== "server") return ok(true);
  if (def.scope === "Permanent") return notAllowed(`permanent node ${name} cannot be created by a DM Server`, where);
  if (!allows(def, "Add")) return notAllowed(`the AccessType of ${name} does not allow Add`, where);
  return ok(true);
}

/**
 * Builds the node `name` of definition `def` at `path` from `json`. `old` is the node it replaces (if any);
 * `parentExisted` says whether its parent existed before this write (then creating it is checked).
 */
export function buildNode(
  ctx: BuildContext,
  def: NodeDefinition,
  name: string,
  path: readonly string[],
  json: unknown,
  old: TreeNode | undefined,
  parentExisted: boolean,
): Result<Built> {
  const where = whereOf(ctx, path);
  if (path.length > MAX_TREE_DEPTH) return badData(`data nests deeper than ${MAX_TREE_DEPTH} levels`, where);
  if (old === undefined && parentExisted) {
    const c = checkCreate(ctx, def, name, where);
    if (!c.ok) return c;
  }
  return def.format === "node"
    ? buildInterior(ctx, def, name, path, json, old, where)
    : buildLeaf(ctx, def, name, path, json, old, where);
}

function buildLeaf(
  ctx: BuildContext,
  def: NodeDefinition,
  name: string,
  path: readonly string[],
  json: unknown,
  old: TreeNode | undefined,
  where: string,
): Result<Built> {
  if (def.format === "node") return badData("internal: leaf expected", where);
  if (typeof json === "object" && json !== null) {
    return badData(`${name} is a leaf (${def.format}): MOData must give its value, not an object or array`, where);
  }
  const value = decodeLeafJson(def.format, json, where);
  if (!value.ok) return value;
  if (old !== undefined) {
    const before = old.leafValue();
    if (before !== undefined && leafValuesEqual(before, value.value)) return ok({ node: old, changed: false });
    if (ctx.actor.kind === "server" && !allows(def, "Replace")) {
      return notAllowed(`the AccessType of ${name} does not allow Replace`, where);
    }
  }
  return ok({ node: new TreeNode(name, def, ctx.moid, ctx.miid, path, value.value), changed: true });
}

function buildInterior(
  ctx: BuildContext,
  def: NodeDefinition,
  name: string,
  path: readonly string[],
  json: unknown,
  old: TreeNode | undefined,
  where: string,
): Result<Built> {
  if (!isPlainObject(json))
    return badData(`${name} is an interior node: MOData must give an object of its children`, where);
  const strict = ctx.actor.kind === "server";
  const node = new TreeNode(name, def, ctx.moid, ctx.miid, path);
  const placeholder = placeholderDefinition(def);
  let placeholders = 0;
  let changed = old === undefined;
  for (const [key, childJson] of Object.entries(json)) {
    const keyWhere = childWhere(where, key);
    if (!isValidNodeName(key)) return badData(`${JSON.stringify(key)} is not a valid node name`, keyWhere);
    const childDef = childDefinition(def, key, formatOfJson(childJson));
    if (childDef === undefined) return badData(`MO ${ctx.moid} defines no node ${key} under ${name}`, keyWhere);
    let childOld = old?.child(key);
    let retyped = false;
    if (childOld !== undefined && childOld.definition !== childDef) {
      // An open (extension) node whose type changes is replaced as a whole: a value change for the writer.
      if (strict && !allows(childDef, "Replace"))
        return notAllowed(`the AccessType of ${key} does not allow Replace`, keyWhere);
      childOld = undefined;
      retyped = true;
      changed = true;
    }
    const built = buildNode(ctx, childDef, key, [...path, key], childJson, childOld, old !== undefined && !retyped);
    if (!built.ok) return built;
    if (childDef === placeholder) placeholders++;
    node.setChild(built.value.node);
    if (built.value.changed) changed = true;
  }
  if (old !== undefined) {
    for (const c of old.children()) {
      if (node.child(c.name) !== undefined) continue;
      // §8.1: permanent nodes are never deleted at run time; a replace that leaves them out keeps them.
      if (c.definition.scope === "Permanent") {
        node.setChild(c);
        if (c.definition === placeholder) placeholders++;
        continue;
      }
      // A required named node is not deleted: fillRequired below resets it to its default or rejects the data.
      if (strict && c.definition.name !== undefined && minOccurrence(c.definition.occurrence) > 0) continue;
      if (strict && !allows(c.definition, "Delete")) {
        return notAllowed(
          `the new data leaves out ${c.name}, whose AccessType does not allow Delete`,
          childWhere(where, c.name),
        );
      }
      changed = true;
    }
  }
  if (placeholder !== undefined && placeholders > maxOccurrence(placeholder.occurrence)) {
    return badData(`${name} may hold at most ${maxOccurrence(placeholder.occurrence)} unnamed children`, where);
  }
  if (strict) {
    const missing = fillRequired(ctx, def, node, old, path, where);
    if (!missing.ok) return missing;
    if (missing.value) changed = true;
    if (placeholder !== undefined && placeholders < minOccurrence(placeholder.occurrence)) {
      return badData(`${name} needs at least one child (occurrence ${placeholder.occurrence.kind})`, where);
    }
  }
  if (!changed && old !== undefined) return ok({ node: old, changed: false });
  if (strict && old !== undefined && isWriteOnce(def)) {
    return notAllowed(`${name} is write-once (AccessType Add only): it is written only when it is created`, where);
  }
  return ok({ node, changed: true });
}

/** Required named children must exist; a missing leaf with a DDF DefaultValue gets it. True if one was added. */
function fillRequired(
  ctx: BuildContext,
  def: NodeDefinition,
  node: TreeNode,
  old: TreeNode | undefined,
  path: readonly string[],
  where: string,
): Result<boolean> {
  let added = false;
  for (const [childName, childDef] of namedChildDefinitions(def)) {
    if (minOccurrence(childDef.occurrence) === 0 || node.child(childName) !== undefined) continue;
    const at = childWhere(where, childName);
    if (childDef.format !== "node" && childDef.defaultValue !== undefined) {
      const v = decodeLeafJson(childDef.format, childDef.defaultValue, at);
      if (v.ok) {
        // Resetting an existing leaf to its default is a Replace of its value.
        const built = buildNode(
          ctx,
          childDef,
          childName,
          [...path, childName],
          encodeLeafJson(v.value),
          old?.child(childName),
          old !== undefined,
        );
        if (!built.ok) return built;
        node.setChild(built.value.node);
        if (built.value.changed) added = true;
        continue;
      }
    }
    return badData(`required node ${childName} is missing under ${node.name}`, at);
  }
  return ok(added);
}
