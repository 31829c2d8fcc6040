// DM 1.x tree path ↔ DM 2.0 ClientURI (docs/protocol.md §13.2, omadm's choice): the MOID is the DDFName of the 1.x MO
// root, mo-inst is the MIID the DM 2.0 client assigned to that root ("" for a permanent single root such as
// ./DevInfo), and the path is the rest of the 1.x path. `./FUMO/apps/PkgURL` → `urn:oma:mo:oma-fumo:1.0/apps/PkgURL`.

import { concreteClientUri } from "../uri/client-uri-format.js";
import { isValidMiid, isValidMoid, isValidNodeName, parseClientUri } from "../uri/client-uri.js";

/** Translates a DM 1.x tree path to a ClientURI; undefined when it has no DM 2.0 address. */
export type Dm1xPathMapper = (path: string) => string | undefined;
/** Translates a ClientURI to a DM 1.x tree path; undefined when it has no DM 1.x address. */
export type Dm2UriMapper = (clientUri: string) => string | undefined;

/** One DM 1.x MO root and the DM 2.0 instance it is. */
export interface Dm1xRootMapping {
  /** The 1.x path of the MO root, e.g. `./FUMO/apps` or `./DevInfo` (the leading `./` is optional). */
  readonly rootPath: string;
  /** The MO's DDFName / MOID, e.g. `urn:oma:mo:oma-fumo:1.0`. */
  readonly moid: string;
  /** The MIID the DM 2.0 client gave this root; "" for the only instance of the MOID. */
  readonly miid: string;
}

export interface Dm1xPathMapping {
  readonly toClientUri: Dm1xPathMapper;
  readonly toDm1xPath: Dm2UriMapper;
}

interface Root {
  readonly segments: readonly string[];
  readonly moid: string;
  readonly miid: string;
}

/**
 * The default mappers, built from a table of MO roots. A 1.x path maps through the root with the longest
 * matching prefix (whole segments); a ClientURI maps back through the root with its MOID and MIID (a `""`
 * mo-inst also matches a MOID that has a single root in the table). Queries (e.g. `?cv=`) are ignored; URIs
 * with wildcards or x-names name no single 1.x node and map to undefined. Entries with an invalid MOID or MIID
 * are ignored.
 */
export function createDm1xPathMapping(table: readonly Dm1xRootMapping[]): Dm1xPathMapping {
  const roots: Root[] = [];
  for (const entry of table) {
    const segments = splitDm1xPath(entry.rootPath);
    // Entries that could only produce unparseable ClientURIs are left out rather than mapped wrongly.
    if (!isValidMoid(entry.moid) || (entry.miid !== "" && !isValidMiid(entry.miid))) continue;
    if (segments !== undefined) roots.push({ segments, moid: entry.moid, miid: entry.miid });
  }
  // Longest root first, so that ./A/B wins over ./A.
  roots.sort((a, b) => b.segments.length - a.segments.length);

  const toClientUri = (path: string): string | undefined => {
    const segments = splitDm1xPath(path);
    if (segments === undefined) return undefined;
    const root = roots.find((r) => r.segments.every((s, i) => segments[i] === s));
    if (root === undefined) return undefined;
    const rest = segments.slice(root.segments.length);
    // A 1.x node literally named "*" or "(x)" cannot be a ClientURI real name (§6.1).
    if (!rest.every(isValidNodeName)) return undefined;
    return concreteClientUri(root.moid, root.miid, rest);
  };

  const toDm1xPath = (clientUri: string): string | undefined => {
    const parsed = parseClientUri(clientUri);
    if (!parsed.ok) return undefined;
    const { moid, inst, path } = parsed.value;
    let root: Root | undefined;
    if (inst.kind === "miid") root = roots.find((r) => r.moid === moid && r.miid === inst.miid);
    else if (inst.kind === "only") {
      const candidates = roots.filter((r) => r.moid === moid);
      root = candidates.find((r) => r.miid === "") ?? (candidates.length === 1 ? candidates[0] : undefined);
    }
    if (root === undefined) return undefined;
    const names: string[] = [];
    for (const seg of path) {
      // 1.x node names cannot hold "/" (it is the 1.x separator), so such a name has no 1.x path.
      if (seg.kind !== "name" || seg.name.includes("/")) return undefined;
      names.push(seg.name);
    }
    return "./" + [...root.segments, ...names].join("/");
  };

  return { toClientUri, toDm1xPath };
}

/**
 * The node names of a DM 1.x URI (OMA DM 1.2 TND §6: `./A/B`, `A/B` and `.` for the tree root are the same
 * node). Undefined for absolute or empty-segment paths and for `..`, which 1.x addressing does not allow.
 */
export function splitDm1xPath(path: string): string[] | undefined {
  if (path === "." || path === "./") return [];
  const rest = path.startsWith("./") ? path.slice(2) : path;
  const trimmed = rest.endsWith("/") ? rest.slice(0, -1) : rest;
  if (trimmed === "" || trimmed.startsWith("/")) return undefined;
  const segments = trimmed.split("/");
  return segments.every((s) => s !== "" && s !== "." && s !== "..") ? segments : undefined;
}
