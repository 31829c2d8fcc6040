// Lookups over MO definitions (docs/protocol.md §8.1, §8.3), precomputed per interior node so that finding the
// definition of a child is one Map lookup even for MOs with thousands of nodes.
import {
  ErrorCode,
  ProtocolError,
  isValidNodeName,
  occurrenceBounds,
  type MoDefinition,
  type NodeDefinition,
  type NodeFormat,
  type Occurrence,
  type Result,
  err,
  ok,
} from "@omadm/protocol";
import type { LeafValue } from "./leaf-value.js";

interface ChildIndex {
  readonly named: ReadonlyMap<string, NodeDefinition>;
  /** The unnamed placeholder (`<x>`) child, if the DDF defines one. */
  readonly placeholder: NodeDefinition | undefined;
}

const indexCache = new WeakMap<NodeDefinition, ChildIndex>();
const openCache = new WeakMap<NodeDefinition, Map<NodeFormat, NodeDefinition>>();

function indexOf(def: NodeDefinition): ChildIndex {
  let idx = indexCache.get(def);
  if (idx === undefined) {
    const named = new Map<string, NodeDefinition>();
    let placeholder: NodeDefinition | undefined;
    for (const c of def.children) {
      if (c.name === undefined) placeholder ??= c;
      else if (!named.has(c.name)) named.set(c.name, c);
    }
    idx = { named, placeholder };
    indexCache.set(def, idx);
  }
  return idx;
}

/**
 * An interior node whose DDF lists no children (DevInfo/Ext, DMAcc/Ext, DevInfo/Bearer) is *open*: vendor
 * extensions live there (§9.1, §9.2). Its children get a synthetic dynamic definition that inherits the
 * parent's AccessType, typed by the JSON value that creates them.
 */
export function isOpenInterior(def: NodeDefinition): boolean {
  return def.format === "node" && def.children.length === 0;
}

export function openChildDefinition(parent: NodeDefinition, format: NodeFormat): NodeDefinition {
  let byFormat = openCache.get(parent);
  if (byFormat === undefined) {
    byFormat = new Map();
    openCache.set(parent, byFormat);
  }
  let def = byFormat.get(format);
  if (def === undefined) {
    def = {
      name: undefined,
      format,
      accessTypes: parent.accessTypes,
      occurrence: { kind: "ZeroOrMore" },
      scope: "Dynamic",
      caseSense: "CS",
      children: [],
    };
    byFormat.set(format, def);
  }
  return def;
}

/** The format an open node gets from the JSON value that creates it. */
export function formatOfJson(json: unknown): NodeFormat {
  if (json === null) return "null";
  if (typeof json === "boolean") return "bool";
  if (typeof json === "number") return Number.isSafeInteger(json) ? "int" : "float";
  if (typeof json === "object") return "node";
  return "chr";
}

/** The format an open node gets from the typed value a local application sets. */
export function formatOfValue(value: LeafValue): NodeFormat {
  if (value instanceof Uint8Array) return "bin";
  return formatOfJson(value);
}

/**
 * The definition of child `name` of an interior node: the named child, else the placeholder, else (open node)
 * a synthetic one of `openFormat` (interior by default, as for a path lookup).
 */
export function childDefinition(
  parent: NodeDefinition,
  name: string,
  openFormat: NodeFormat = "node",
): NodeDefinition | undefined {
  if (parent.format !== "node") return undefined;
  const idx = indexOf(parent);
  const def = idx.named.get(name) ?? idx.placeholder;
  if (def !== undefined) return def;
  if (isOpenInterior(parent)) return openChildDefinition(parent, openFormat);
  return undefined;
}

/** Named child definitions, for the required-node check. */
export function namedChildDefinitions(parent: NodeDefinition): ReadonlyMap<string, NodeDefinition> {
  return indexOf(parent).named;
}

export function placeholderDefinition(parent: NodeDefinition): NodeDefinition | undefined {
  return indexOf(parent).placeholder;
}

/** The definition at `path` below the MO root (names resolved as in `childDefinition`). */
export function definitionAt(mo: MoDefinition, path: readonly string[]): NodeDefinition | undefined {
  let def: NodeDefinition | undefined = mo.root;
  for (const name of path) {
    def = childDefinition(def, name);
    if (def === undefined) return undefined;
  }
  return def;
}

export function minOccurrence(o: Occurrence): number {
  return occurrenceBounds(o).min;
}

export function maxOccurrence(o: Occurrence): number {
  return occurrenceBounds(o).max;
}

function badDefinition(moid: string, message: string): Result<never> {
  return err(new ProtocolError(ErrorCode.TREE_BAD_DEFINITION, `MO definition ${moid}: ${message}`, { status: 500 }));
}

/** Checks what the tree relies on: an interior root, unique sibling names, one placeholder per level, sane N. */
export function validateDefinition(mo: MoDefinition): Result<MoDefinition> {
  if (mo.moid.length === 0 || /[/?()*\s]/.test(mo.moid))
    return badDefinition(mo.moid, "MOID is empty or has a character not allowed in a ClientURI");
  if (mo.root.format !== "node") return badDefinition(mo.moid, "the MO root must be an interior node");
  const stack: { def: NodeDefinition; where: string }[] = [{ def: mo.root, where: mo.root.name ?? "<x>" }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { def, where } = item;
    const o = def.occurrence;
    if ((o.kind === "ZeroOrN" || o.kind === "OneOrN") && !(Number.isInteger(o.n) && o.n >= 1))
      return badDefinition(mo.moid, `${where}: occurrence N must be a positive integer`);
    if (def.format !== "node") {
      if (def.children.length > 0) return badDefinition(mo.moid, `${where}: a leaf (${def.format}) has children`);
      continue;
    }
    const names = new Set<string>();
    let placeholders = 0;
    for (const c of def.children) {
      if (c.name === undefined) placeholders++;
      else if (!isValidNodeName(c.name))
        return badDefinition(mo.moid, `${where}: invalid node name ${JSON.stringify(c.name)}`);
      else if (names.has(c.name)) return badDefinition(mo.moid, `${where}: two children named ${c.name}`);
      else names.add(c.name);
      stack.push({ def: c, where: `${where}/${c.name ?? "<x>"}` });
    }
    if (placeholders > 1) return badDefinition(mo.moid, `${where}: more than one unnamed placeholder`);
  }
  return ok(mo);
}
