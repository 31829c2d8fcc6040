// The typed MO definition a DDF document parses into (dm2-reference §8). The DM Tree types its nodes by it.

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

/** DDF AccessType elements (§8.2). */
export type AccessType = "Add" | "Delete" | "Exec" | "Get" | "Replace" | "Copy";

export type Occurrence =
  | { readonly kind: "One" }
  | { readonly kind: "ZeroOrOne" }
  | { readonly kind: "ZeroOrMore" }
  | { readonly kind: "OneOrMore" }
  | { readonly kind: "ZeroOrN"; readonly n: number }
  | { readonly kind: "OneOrN"; readonly n: number };

export type Scope = "Permanent" | "Dynamic";

export interface NodeDefinition {
  /** The NodeName; undefined for an unnamed placeholder (`<x>`). */
  readonly name: string | undefined;
  readonly format: NodeFormat;
  readonly accessTypes: ReadonlySet<AccessType>;
  readonly occurrence: Occurrence;
  readonly scope: Scope;
  readonly description?: string;
  readonly defaultValue?: string;
  /** MIME type from DFType/MIME (leaves). */
  readonly mime?: string;
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
