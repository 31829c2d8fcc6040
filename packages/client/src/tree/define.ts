// Building MO definitions in code, for device makers whose MOs have no DDF file (and for tests). A DDF parsed by
// `parseDdf` (@omadm/protocol) gives the same `MoDefinition` shape.
import type {
  AccessType,
  CaseSense,
  MoDefinition,
  NodeDefinition,
  NodeFormat,
  Occurrence,
  Scope,
} from "@omadm/protocol";

export type OccurrenceSpec = "One" | "ZeroOrOne" | "ZeroOrMore" | "OneOrMore" | Occurrence;

export interface NodeOptions {
  /** DDF AccessType; default Get only. */
  readonly access?: readonly AccessType[];
  /** Default One. */
  readonly occurrence?: OccurrenceSpec;
  /** Default Dynamic. */
  readonly scope?: Scope;
  /** Default CS. */
  readonly caseSense?: CaseSense;
  readonly description?: string;
  readonly defaultValue?: string;
  readonly mime?: string;
}

function occurrenceOf(spec: OccurrenceSpec | undefined): Occurrence {
  if (spec === undefined) return { kind: "One" };
  return typeof spec === "string" ? { kind: spec } : spec;
}

function base(
  name: string | undefined,
  format: NodeFormat,
  options: NodeOptions,
  children: readonly NodeDefinition[],
): NodeDefinition {
  return {
    name,
    format,
    accessTypes: new Set(options.access ?? ["Get"]),
    occurrence: occurrenceOf(options.occurrence),
    scope: options.scope ?? "Dynamic",
    caseSense: options.caseSense ?? "CS",
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.defaultValue === undefined ? {} : { defaultValue: options.defaultValue }),
    ...(options.mime === undefined ? {} : { mime: options.mime }),
    children,
  };
}

/** An interior node; `name` undefined for an unnamed placeholder (`<x>`). */
export function defineInterior(
  name: string | undefined,
  children: readonly NodeDefinition[],
  options: NodeOptions = {},
): NodeDefinition {
  return base(name, "node", options, children);
}

/** A leaf node of the given format. */
export function defineLeaf(
  name: string | undefined,
  format: Exclude<NodeFormat, "node">,
  options: NodeOptions = {},
): NodeDefinition {
  return base(name, format, options, []);
}

export function defineMo(moid: string, root: NodeDefinition): MoDefinition {
  return { moid, root };
}
