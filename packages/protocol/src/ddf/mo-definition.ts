// The typed MO definition a DDF document parses into (docs/protocol.md §8). The DM Tree types its nodes by it.

/** DDF DFFormat elements (§8.1, §8.3). `node` = interior node; every other format is a leaf. */
export const NodeFormat = {
  node: "node",
  null: "null",
  b64: "b64",
  bin: "bin",
  bool: "bool",
  chr: "chr",
  int: "int",
  xml: "xml",
  date: "date",
  time: "time",
  float: "float",
} as const;
export type NodeFormat = (typeof NodeFormat)[keyof typeof NodeFormat];

/** DDF AccessType elements (§8.2): Get = read (GET/HPUT/HPOST); Add/Replace/Delete = write; Exec = EXEC. */
export const AccessType = {
  Add: "Add",
  Copy: "Copy",
  Delete: "Delete",
  Exec: "Exec",
  Get: "Get",
  Replace: "Replace",
} as const;
export type AccessType = (typeof AccessType)[keyof typeof AccessType];

/** DDF Occurrence elements (§8.1); graphical markers `?` `*` `+` `*N` `+N`. */
export const OccurrenceKind = {
  One: "One",
  ZeroOrOne: "ZeroOrOne",
  ZeroOrMore: "ZeroOrMore",
  OneOrMore: "OneOrMore",
  ZeroOrN: "ZeroOrN",
  OneOrN: "OneOrN",
} as const;
export type OccurrenceKind = (typeof OccurrenceKind)[keyof typeof OccurrenceKind];

export type Occurrence =
  | { readonly kind: "One" }
  | { readonly kind: "ZeroOrOne" }
  | { readonly kind: "ZeroOrMore" }
  | { readonly kind: "OneOrMore" }
  | { readonly kind: "ZeroOrN"; readonly n: number }
  | { readonly kind: "OneOrN"; readonly n: number };

/** §8.1: Permanent nodes cannot be created, deleted or renamed at run time (405); Dynamic nodes can. */
export const Scope = { Permanent: "Permanent", Dynamic: "Dynamic" } as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

/** DDF CaseSense: whether the node's value is compared case-sensitively (CS) or not (CIS). */
export const CaseSense = { CS: "CS", CIS: "CIS" } as const;
export type CaseSense = (typeof CaseSense)[keyof typeof CaseSense];

export interface NodeDefinition {
  /** The NodeName; undefined for an unnamed placeholder (`<x>`), which stands for any name. */
  readonly name: string | undefined;
  readonly format: NodeFormat;
  /** Allowed operations. An empty set means the DDF allows nothing on this node. */
  readonly accessTypes: ReadonlySet<AccessType>;
  readonly occurrence: Occurrence;
  readonly scope: Scope;
  readonly caseSense: CaseSense;
  /** DFTitle: a human-readable name (often used for placeholders, e.g. "DM account"). */
  readonly title?: string;
  readonly description?: string;
  readonly defaultValue?: string;
  /** MIME type from DFType/MIME (leaves). */
  readonly mime?: string;
  /** DFType/DDFName. On the MO root it is the MOID; on an inner node it names an embedded MO or type. */
  readonly ddfName?: string;
  /** The Path element (DM 1.x placement of the MO root, e.g. "./SyncML"); informational in DM 2.0. */
  readonly path?: string;
  /** A Value element (a fixed value given instead of DFProperties). */
  readonly value?: string;
  readonly children: readonly NodeDefinition[];
}

export interface MoDefinition {
  /** From the root node's DFType/DDFName (e.g. "urn:oma:mo:oma-dm-devinfo:1.2"). */
  readonly moid: string;
  /** The root node; its `name` is undefined when the MO root is unnamed (instances named by MIID). */
  readonly root: NodeDefinition;
  readonly man?: string;
  readonly mod?: string;
  readonly verDtd?: string;
}

/** Interior node (has children, no value) iff its format is `node` (§8.1, §8.3). */
export function isInterior(node: NodeDefinition): boolean {
  return node.format === NodeFormat.node;
}

/** §8.1: a permanent node cannot be created, deleted or renamed at run time (the client answers 405). */
export function isPermanent(node: NodeDefinition): boolean {
  return node.scope === Scope.Permanent;
}

/** Whether the node's DDF AccessType allows `access` (§8.2; a violation is 405, docs/protocol.md §10). */
export function allows(node: NodeDefinition, access: AccessType): boolean {
  return node.accessTypes.has(access);
}

/** How many instances of a node its Occurrence allows under one parent; `max` is Infinity when unbounded. */
export function occurrenceBounds(occurrence: Occurrence): { readonly min: number; readonly max: number } {
  switch (occurrence.kind) {
    case "One":
      return { min: 1, max: 1 };
    case "ZeroOrOne":
      return { min: 0, max: 1 };
    case "ZeroOrMore":
      return { min: 0, max: Infinity };
    case "OneOrMore":
      return { min: 1, max: Infinity };
    case "ZeroOrN":
      return { min: 0, max: occurrence.n };
    case "OneOrN":
      return { min: 1, max: occurrence.n };
  }
}

/**
 * The definition of the node at `path` below the MO root (`[]` = the root itself; `["Auth", "Noti", "Type"]`,
 * `["Perm", "p1", "MOID"]`). Each segment matches the named child of that name, or else the parent's unnamed
 * placeholder (`<x>`), which stands for any name. Names compare exactly (§6.1: ClientURI comparison is
 * case-sensitive). Undefined when no definition matches.
 */
export function findNodeDefinition(def: MoDefinition, path: readonly string[]): NodeDefinition | undefined {
  let node: NodeDefinition = def.root;
  for (const segment of path) {
    if (segment === "") return undefined;
    const next: NodeDefinition | undefined =
      node.children.find((c) => c.name === segment) ?? node.children.find((c) => c.name === undefined);
    if (next === undefined) return undefined;
    node = next;
  }
  return node;
}
