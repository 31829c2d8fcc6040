// Planning the three kinds of write on one MO instance (docs/protocol.md §7.1, §8.1, §8.2). A plan checks
// everything first and returns a `commit` that only installs the result, so a rejected write changes nothing
// and the tree (dm-tree.ts) moves the validator and fires the event only for a committed change.
import { type NodeDefinition, type Result, allows, ok } from "@omadm/protocol";
import {
  childDefinition,
  formatOfJson,
  formatOfValue,
  isOpenInterior,
  maxOccurrence,
  minOccurrence,
} from "./definition.js";
import { TreeNode } from "./dm-node.js";
import { type LeafValue, checkLeafValue, leafValuesEqual } from "./leaf-value.js";
import { targetData } from "./mo-data-target.js";
import {
  type BuildContext,
  MAX_TREE_DEPTH,
  badData,
  buildNode,
  checkCreate,
  isWriteOnce,
  notAllowed,
  notFound,
  whereOf,
} from "./subtree-builder.js";

/** What holds an instance's root node (the tree's instance record). */
export interface RootHolder {
  root: TreeNode;
}

/** The tree's own (unshared) node at `path` from the instance root, copying shared nodes on the way. */
export type OwnNode = (path: readonly string[]) => TreeNode;

export interface WritePlan {
  readonly changed: boolean;
  /** Installs the planned change; `own` gives the nodes to change (copy-on-write, dm-node.ts). */
  commit(own: OwnNode): void;
}

const UNCHANGED: WritePlan = { changed: false, commit: () => undefined };

export function walk(
  root: TreeNode,
  path: readonly string[],
): { node: TreeNode; parent: TreeNode | undefined } | undefined {
  let node = root;
  let parent: TreeNode | undefined;
  for (const name of path) {
    const next = node.child(name);
    if (next === undefined) return undefined;
    parent = node;
    node = next;
  }
  return { node, parent };
}

/** A server adds a node under `parent`: not under a write-once node (§14), not beyond a placeholder's N. */
function checkAddUnder(ctx: BuildContext, parent: TreeNode, def: NodeDefinition, where: string): Result<true> {
  if (ctx.actor.kind === "server" && isWriteOnce(parent.definition)) {
    return notAllowed(`${parent.name} is write-once: nothing can be added under it`, where);
  }
  if (def.name !== undefined) return ok(true);
  const max = maxOccurrence(def.occurrence);
  if (Number.isFinite(max) && parent.countDefinedBy(def) >= max) {
    return badData(`${parent.name} may hold at most ${max} unnamed children`, where);
  }
  return ok(true);
}

/** Replaces the subtree at `path` with MOData; missing nodes on the way are created around the data. */
export function planReplace(
  ctx: BuildContext,
  holder: RootHolder,
  path: readonly string[],
  moData: unknown,
): Result<WritePlan> {
  const where = whereOf(ctx, path);
  if (path.length > MAX_TREE_DEPTH) return badData(`path deeper than ${MAX_TREE_DEPTH} levels`, where);
  const content = targetData(moData, path, where);
  if (!content.ok) return content;
  // Deepest existing node on the path.
  let parent: TreeNode | undefined;
  let node: TreeNode = holder.root;
  let depth = 0;
  for (; depth < path.length; depth++) {
    const next = node.child(path[depth] ?? "");
    if (next === undefined) break;
    parent = node;
    node = next;
  }
  let built;
  // Where the new subtree goes: under the parent of the node it replaces, or under the deepest existing node.
  let parentPath: readonly string[] = path.slice(0, depth);
  if (depth === path.length) {
    parentPath = path.slice(0, -1);
    const openDef =
      parent !== undefined && isOpenInterior(parent.definition)
        ? childDefinition(parent.definition, node.name, formatOfJson(content.value))
        : undefined;
    if (openDef !== undefined && openDef !== node.definition) {
      // An open (extension) node whose type changes is replaced as a whole: a Replace for the writer.
      if (ctx.actor.kind === "server" && !allows(openDef, "Replace")) {
        return notAllowed(`the AccessType of ${node.name} does not allow Replace`, where);
      }
      built = buildNode(ctx, openDef, node.name, path, content.value, undefined, false);
    } else {
      built = buildNode(ctx, node.definition, node.name, path, content.value, node, true);
    }
  } else {
    if (node.isLeaf) return notFound(`${node.name} is a leaf; it has no children`, where);
    let data: unknown = content.value;
    for (let j = path.length - 1; j > depth; j--) data = { [path[j] ?? ""]: data };
    const name = path[depth] ?? "";
    const def = childDefinition(node.definition, name, formatOfJson(data));
    if (def === undefined) return notFound(`MO ${ctx.moid} defines no node ${name} under ${node.name}`, where);
    const room = checkAddUnder(ctx, node, def, where);
    if (!room.ok) return room;
    built = buildNode(ctx, def, name, path.slice(0, depth + 1), data, undefined, true);
    parent = node;
  }
  if (!built.ok) return built;
  if (!built.value.changed) return ok(UNCHANGED);
  const newNode = built.value.node;
  const isRoot = parent === undefined;
  return ok({
    changed: true,
    commit: (own) => {
      if (isRoot) holder.root = newNode;
      else own(parentPath).setChild(newNode);
    },
  });
}

/** Sets one leaf, creating it and missing interior nodes on the way; the value is checked against its format. */
export function planSetValue(
  ctx: BuildContext,
  holder: RootHolder,
  path: readonly string[],
  value: LeafValue,
): Result<WritePlan> {
  const where = whereOf(ctx, path);
  const leafName = path.at(-1);
  if (leafName === undefined) return badData("the instance root is not a leaf", where);
  if (path.length > MAX_TREE_DEPTH) return badData(`path deeper than ${MAX_TREE_DEPTH} levels`, where);
  let node: TreeNode = holder.root;
  const missing: { def: NodeDefinition; name: string }[] = [];
  for (let i = 0; i < path.length; i++) {
    const name = path[i] ?? "";
    const next = missing.length === 0 ? node.child(name) : undefined;
    if (next !== undefined) {
      if (next.isLeaf && i < path.length - 1) return notFound(`${name} is a leaf; it has no children`, where);
      node = next;
      continue;
    }
    const def = childDefinition(
      missing.at(-1)?.def ?? node.definition,
      name,
      i === path.length - 1 ? formatOfValue(value) : "node",
    );
    if (def === undefined) return notFound(`MO ${ctx.moid} defines no node ${name}`, where);
    if (missing.length === 0) {
      const room = checkAddUnder(ctx, node, def, where);
      if (!room.ok) return room;
      const c = checkCreate(ctx, def, name, where);
      if (!c.ok) return c;
    }
    missing.push({ def, name });
  }
  const leafDef = missing.at(-1)?.def ?? node.definition;
  if (leafDef.format === "node") return badData(`${leafName} is an interior node, not a leaf`, where);
  const checked = checkLeafValue(leafDef.format, value, where);
  if (!checked.ok) return checked;
  if (missing.length === 0) {
    const before = node.leafValue();
    if (before !== undefined && leafValuesEqual(before, checked.value)) return ok(UNCHANGED);
    if (ctx.actor.kind === "server" && !allows(leafDef, "Replace")) {
      return notAllowed(`the AccessType of ${leafName} does not allow Replace`, where);
    }
    return ok({
      changed: true,
      commit: (own) => {
        own(path).setValue(checked.value);
      },
    });
  }
  const base = path.length - missing.length;
  return ok({
    changed: true,
    commit: (own) => {
      let parent = own(path.slice(0, base));
      missing.forEach((m, k) => {
        const last = k === missing.length - 1;
        const child = new TreeNode(
          m.name,
          m.def,
          ctx.moid,
          ctx.miid,
          path.slice(0, base + k + 1),
          last ? checked.value : undefined,
        );
        parent.setChild(child);
        parent = child;
      });
    },
  });
}

/** Deletes the node at `path` with its subtree (§8.1); `isRoot` tells the tree to drop the instance. */
export function planDelete(
  ctx: BuildContext,
  holder: RootHolder,
  path: readonly string[],
): Result<WritePlan & { readonly isRoot: boolean }> {
  const where = whereOf(ctx, path);
  const found = walk(holder.root, path);
  if (found === undefined) return notFound("no such node", where);
  const { node, parent } = found;
  const def = node.definition;
  if (ctx.actor.kind === "server") {
    // §8.1: permanent nodes cannot be deleted (405); §8.2: DELETE needs Delete in the AccessType.
    if (def.scope === "Permanent") return notAllowed(`permanent node ${node.name} cannot be deleted`, where);
    if (!allows(def, "Delete")) return notAllowed(`the AccessType of ${node.name} does not allow Delete`, where);
    const lastRequired =
      minOccurrence(def.occurrence) > 0 && (def.name !== undefined || (parent?.countDefinedBy(def) ?? 0) <= 1);
    if (parent !== undefined && lastRequired) {
      return notAllowed(`${node.name} is required (occurrence ${def.occurrence.kind}) and cannot be deleted`, where);
    }
  }
  return ok({
    changed: true,
    isRoot: parent === undefined,
    commit: (own) => {
      if (parent !== undefined) own(path.slice(0, -1)).removeChild(node.name);
    },
  });
}
