// DM 1.2/1.3 DDF (DTD "-//OMA//DTD-DM-DDF 1.2//EN") → MoDefinition (docs/protocol.md §8.3; DM 2.0 §6.4).
//
// Elements read: MgmtTree (VerDTD, Man, Mod, Node), Node (NodeName, Path, Value, DFProperties, Node*),
// DFProperties (AccessType, DefaultValue, Description, DFFormat, Occurrence, Scope, DFTitle, DFType, CaseSense).
// Ignored (§8.3): RTProperties, ACL and every other element, including vendor-namespaced ones (`MSFT:RWAccess`).
//
// Leniency (§8.3: official DDFs were seen with missing pieces) and defaults — our decisions, documented here:
//  - DFProperties missing: interior iff the Node has child Nodes (else a chr leaf), AccessType {Get}.
//  - AccessType missing: {Get} (read-only, the minimum access type of every standard MO node); present but
//    empty: no access at all.
//  - DFFormat missing or empty: inferred as above. Occurrence missing: One. Scope missing: Dynamic.
//    CaseSense missing: CS. (The DM 1.2 TND defaults for Occurrence and Scope.)
//  - VerDTD, DFType and the DFProperties element order are not enforced.
// Errors (DDF_STRUCTURE, with a path like `MgmtTree/Node[0]/Node[3]/DFProperties/DFFormat`): no MgmtTree root,
// no Node, more than one top-level Node, no NodeName, a name containing "/", an unknown DFFormat / AccessType /
// Occurrence / Scope / CaseSense element, more than one choice where the DTD allows one, a ZeroOrN/OneOrN
// without a positive integer, a leaf with child Nodes, duplicate sibling names or placeholders, and a root
// without DFType/DDFName (the MOID).
import { ErrorCode, ProtocolError } from "../errors.js";
import { err, ok, type Result } from "../result.js";
import {
  AccessType,
  CaseSense,
  NodeFormat,
  OccurrenceKind,
  Scope,
  type MoDefinition,
  type NodeDefinition,
  type Occurrence,
} from "./mo-definition.js";
import { parseXmlDocument, type XmlElement } from "./xml-document.js";

export interface DdfParseOptions {
  /** Largest accepted document (bytes for a Uint8Array, characters for a string). Default 4 MiB. */
  readonly maxBytes?: number;
  /** Deepest accepted XML element nesting. Default 100 (about 95 levels of MO nodes). */
  readonly maxDepth?: number;
}

export const DDF_DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
export const DDF_DEFAULT_MAX_DEPTH = 100;

/** Thrown only inside this module and turned into a Result at the boundary (keeps the walk readable). */
class StructureError extends Error {
  readonly path: string;
  constructor(message: string, path: string) {
    super(message);
    this.path = path;
  }
}

const FORMATS: ReadonlySet<string> = new Set(Object.values(NodeFormat));
const ACCESS_TYPES: ReadonlySet<string> = new Set(Object.values(AccessType));
const DEFAULT_ACCESS: ReadonlySet<AccessType> = new Set([AccessType.Get]);

/** Elements in a vendor namespace (`MSFT:…`) are not DDF vocabulary and are skipped everywhere. */
function isDdfElement(e: XmlElement): boolean {
  return !e.name.includes(":");
}

function first(parent: XmlElement, name: string): XmlElement | undefined {
  return parent.children.find((c) => c.name === name);
}

function optionalText(parent: XmlElement, name: string): string | undefined {
  const e = first(parent, name);
  return e === undefined || e.text === "" ? undefined : e.text;
}

/** The single DDF element inside a choice element (DFFormat, Occurrence, Scope, CaseSense); undefined if empty. */
function choice(element: XmlElement, path: string): XmlElement | undefined {
  const options = element.children.filter(isDdfElement);
  if (options.length > 1) throw new StructureError(`<${element.name}> must contain exactly one element`, path);
  return options[0];
}

function parseAccessTypes(element: XmlElement, path: string): ReadonlySet<AccessType> {
  const out = new Set<AccessType>();
  for (const c of element.children.filter(isDdfElement)) {
    if (!ACCESS_TYPES.has(c.name)) throw new StructureError(`unknown AccessType <${c.name}>`, path);
    out.add(c.name as AccessType);
  }
  return out;
}

function parseFormat(element: XmlElement, path: string): NodeFormat | undefined {
  const c = choice(element, path);
  if (c === undefined) return undefined;
  if (!FORMATS.has(c.name)) throw new StructureError(`unknown DFFormat <${c.name}>`, path);
  return c.name as NodeFormat;
}

function parseOccurrence(element: XmlElement, path: string): Occurrence {
  const c = choice(element, path);
  if (c === undefined) return { kind: OccurrenceKind.One };
  switch (c.name) {
    case OccurrenceKind.One:
    case OccurrenceKind.ZeroOrOne:
    case OccurrenceKind.ZeroOrMore:
    case OccurrenceKind.OneOrMore:
      return { kind: c.name };
    case OccurrenceKind.ZeroOrN:
    case OccurrenceKind.OneOrN: {
      // §8.1: ZeroOrN/OneOrN carry N, a positive integer.
      if (!/^[0-9]{1,9}$/.test(c.text) || Number(c.text) < 1) {
        throw new StructureError(`<${c.name}> needs a positive integer N, got "${c.text}"`, `${path}/${c.name}`);
      }
      return { kind: c.name, n: Number(c.text) };
    }
    default:
      throw new StructureError(`unknown Occurrence <${c.name}>`, path);
  }
}

function parseScope(element: XmlElement, path: string): Scope {
  const c = choice(element, path);
  if (c === undefined) return Scope.Dynamic;
  if (c.name === Scope.Permanent || c.name === Scope.Dynamic) return c.name;
  throw new StructureError(`unknown Scope <${c.name}>`, path);
}

function parseCaseSense(element: XmlElement, path: string): CaseSense {
  const c = choice(element, path);
  if (c === undefined) return CaseSense.CS;
  if (c.name === CaseSense.CS || c.name === CaseSense.CIS) return c.name;
  throw new StructureError(`unknown CaseSense <${c.name}>`, path);
}

interface Properties {
  format: NodeFormat | undefined;
  accessTypes: ReadonlySet<AccessType>;
  occurrence: Occurrence;
  scope: Scope;
  caseSense: CaseSense;
  optional: {
    title?: string;
    description?: string;
    defaultValue?: string;
    mime?: string;
    ddfName?: string;
  };
}

function parseProperties(props: XmlElement | undefined, path: string): Properties {
  const out: Properties = {
    format: undefined,
    accessTypes: DEFAULT_ACCESS,
    occurrence: { kind: OccurrenceKind.One },
    scope: Scope.Dynamic,
    caseSense: CaseSense.CS,
    optional: {},
  };
  if (props === undefined) return out;
  const p = `${path}/DFProperties`;
  const access = first(props, "AccessType");
  if (access !== undefined) out.accessTypes = parseAccessTypes(access, `${p}/AccessType`);
  const format = first(props, "DFFormat");
  if (format !== undefined) out.format = parseFormat(format, `${p}/DFFormat`);
  const occurrence = first(props, "Occurrence");
  if (occurrence !== undefined) out.occurrence = parseOccurrence(occurrence, `${p}/Occurrence`);
  const scope = first(props, "Scope");
  if (scope !== undefined) out.scope = parseScope(scope, `${p}/Scope`);
  const caseSense = first(props, "CaseSense");
  if (caseSense !== undefined) out.caseSense = parseCaseSense(caseSense, `${p}/CaseSense`);
  const title = optionalText(props, "DFTitle");
  if (title !== undefined) out.optional.title = title;
  const description = optionalText(props, "Description");
  if (description !== undefined) out.optional.description = description;
  const defaultValue = optionalText(props, "DefaultValue");
  if (defaultValue !== undefined) out.optional.defaultValue = defaultValue;
  const type = first(props, "DFType");
  if (type !== undefined) {
    const mime = optionalText(type, "MIME");
    if (mime !== undefined) out.optional.mime = mime;
    const ddfName = optionalText(type, "DDFName");
    if (ddfName !== undefined) out.optional.ddfName = ddfName;
  }
  return out;
}

function parseNode(element: XmlElement, path: string): NodeDefinition {
  const nameElement = first(element, "NodeName");
  if (nameElement === undefined) throw new StructureError("<Node> has no <NodeName>", `${path}/NodeName`);
  // §8.3: an empty NodeName is an unnamed placeholder (<x>).
  const name = nameElement.text === "" ? undefined : nameElement.text;
  if (name?.includes("/") === true) throw new StructureError(`node name "${name}" contains "/"`, `${path}/NodeName`);

  const childElements = element.children.filter((c) => c.name === "Node");
  const children = childElements.map((c, index) => parseNode(c, `${path}/Node[${index}]`));
  checkSiblings(children, path);

  const props = parseProperties(first(element, "DFProperties"), path);
  // §8.3: interior iff DFFormat/node; without a DFFormat, inferred from child Nodes.
  const format = props.format ?? (children.length > 0 ? NodeFormat.node : NodeFormat.chr);
  if (format !== NodeFormat.node && children.length > 0) {
    throw new StructureError(`a leaf node (DFFormat ${format}) cannot have child Nodes`, `${path}/Node[0]`);
  }
  const nodePath = optionalText(element, "Path");
  const value = optionalText(element, "Value");
  return {
    name,
    format,
    accessTypes: props.accessTypes,
    occurrence: props.occurrence,
    scope: props.scope,
    caseSense: props.caseSense,
    ...props.optional,
    ...(nodePath === undefined ? {} : { path: nodePath }),
    ...(value === undefined ? {} : { value }),
    children,
  };
}

/** §8.1: named siblings are unique; a second placeholder would make `findNodeDefinition` ambiguous. */
function checkSiblings(children: readonly NodeDefinition[], path: string): void {
  const seen = new Set<string | undefined>();
  children.forEach((child, index) => {
    if (seen.has(child.name)) {
      const what = child.name === undefined ? "a second unnamed placeholder" : `duplicate node name "${child.name}"`;
      throw new StructureError(what, `${path}/Node[${index}]/NodeName`);
    }
    seen.add(child.name);
  });
}

function walk(tree: XmlElement): MoDefinition {
  if (tree.name !== "MgmtTree") throw new StructureError(`root element is <${tree.name}>, not <MgmtTree>`, tree.name);
  const nodes = tree.children.filter((c) => c.name === "Node");
  const rootElement = nodes[0];
  if (rootElement === undefined) throw new StructureError("<MgmtTree> has no <Node>", "MgmtTree/Node");
  // A DM 2.0 MO has one root and one MOID; a DDF that lists several top-level Nodes is not one MO.
  if (nodes.length > 1) throw new StructureError("more than one top-level <Node>", "MgmtTree/Node[1]");
  const root = parseNode(rootElement, "MgmtTree/Node[0]");
  // §8.3: the MOID is the root Node's DFType/DDFName.
  if (root.ddfName === undefined) {
    throw new StructureError(
      "the root <Node> has no DFType/DDFName (MOID)",
      "MgmtTree/Node[0]/DFProperties/DFType/DDFName",
    );
  }
  const man = optionalText(tree, "Man");
  const mod = optionalText(tree, "Mod");
  const verDtd = optionalText(tree, "VerDTD");
  return {
    moid: root.ddfName,
    root,
    ...(man === undefined ? {} : { man }),
    ...(mod === undefined ? {} : { mod }),
    ...(verDtd === undefined ? {} : { verDtd }),
  };
}

/**
 * Parses a DDF document (XML text or bytes) into an MoDefinition. Total: any input gives a definition or a
 * ProtocolError with code DDF_XML (not well-formed, too large, too deep, entity declarations) or DDF_STRUCTURE
 * (well-formed but not a usable DDF), with a path naming the offending place.
 */
export function parseDdf(xml: string | Uint8Array, options: DdfParseOptions = {}): Result<MoDefinition> {
  const tree = parseXmlDocument(xml, {
    maxBytes: options.maxBytes ?? DDF_DEFAULT_MAX_BYTES,
    maxDepth: options.maxDepth ?? DDF_DEFAULT_MAX_DEPTH,
  });
  if (!tree.ok) return tree;
  try {
    return ok(walk(tree.value));
  } catch (cause) {
    if (cause instanceof StructureError) {
      return err(new ProtocolError(ErrorCode.DDF_STRUCTURE, `invalid DDF: ${cause.message}`, { path: cause.path }));
    }
    throw cause;
  }
}
