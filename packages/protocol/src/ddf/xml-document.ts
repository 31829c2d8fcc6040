// DDF bytes/text → a small element tree (name, children, text), bounded and total (docs/protocol.md §8.3).
// fast-xml-parser builds the tree after xml-scan.ts has checked the structure and removed the DOCTYPE. Entity
// processing in fast-xml-parser is off; this file decodes only the five predefined entities and character
// references itself, so no document can define or expand an entity of its own.
import { XMLParser } from "fast-xml-parser";
import { ErrorCode, ProtocolError } from "../errors.js";
import { err, ok, type Result } from "../result.js";
import { scanXml } from "./xml-scan.js";
import { errorMessage } from "../omadm-error.js";

export interface XmlElement {
  /** The qualified element name as written (`Node`, `MSFT:RWAccess`). */
  readonly name: string;
  readonly children: readonly XmlElement[];
  /** The element's own character data (text and CDATA, entities decoded), trimmed. */
  readonly text: string;
}

export interface XmlLimits {
  /** Largest accepted input: bytes for a Uint8Array, UTF-16 code units for a string. */
  readonly maxBytes: number;
  /** Deepest accepted element nesting (the root element is depth 1). */
  readonly maxDepth: number;
}

const TEXT = "#text";
const CDATA = "#cdata";

function xmlError(message: string, init: { path?: string; status?: number; cause?: unknown } = {}): Result<never> {
  return err(new ProtocolError(ErrorCode.DDF_XML, message, init));
}

/** The encoding named in an `<?xml … encoding="…"?>` declaration at the start of `bytes`, lower-cased. */
function declaredEncoding(bytes: Uint8Array): string | undefined {
  const head = String.fromCharCode(...bytes.subarray(0, 200));
  return /^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1]?.toLowerCase();
}

const LATIN1 = new Set(["iso-8859-1", "latin1", "us-ascii", "ascii", "windows-1252"]);

/** Bytes → text: UTF-8 (the XML default; BOM optional), UTF-16 with a BOM, or a declared ISO-8859-1/ASCII. */
function decode(bytes: Uint8Array): Result<string> {
  let label = "utf-8";
  if (bytes[0] === 0xff && bytes[1] === 0xfe) label = "utf-16le";
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) label = "utf-16be";
  else {
    const declared = declaredEncoding(bytes);
    if (declared !== undefined && LATIN1.has(declared)) label = "windows-1252";
    else if (declared !== undefined && declared !== "utf-8" && declared !== "utf8") {
      return xmlError(`DDF encoding "${declared}" is not supported (use UTF-8)`);
    }
  }
  try {
    return ok(new TextDecoder(label, { fatal: true }).decode(bytes));
  } catch (cause) {
    return xmlError(`DDF bytes are not valid ${label}`, { cause });
  }
}

const ENTITY = /&(?:#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6})|(amp|lt|gt|quot|apos));/g;
const PREDEFINED: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** XML 1.0 §4.6 predefined entities and character references; anything else stays as written. */
function decodeEntities(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(ENTITY, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name !== undefined) return PREDEFINED[name] ?? whole;
    const cp = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? "", 16);
    const valid = cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
    return valid ? String.fromCodePoint(cp) : whole;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Text of an ordered-output `#cdata` entry: `[{ "#text": "…" }]`. */
function cdataText(value: unknown): string {
  if (!Array.isArray(value)) return "";
  let out = "";
  for (const part of value as unknown[]) {
    if (isRecord(part) && typeof part[TEXT] === "string") out += part[TEXT];
  }
  return out;
}

/**
 * fast-xml-parser `preserveOrder` output (arrays of one-key objects) → XmlElement. Recursion depth is bounded by
 * scanXml's maxDepth, which ran before.
 */
function toElement(name: string, content: unknown): XmlElement {
  const children: XmlElement[] = [];
  let text = "";
  if (Array.isArray(content)) {
    for (const entry of content as unknown[]) {
      if (!isRecord(entry)) continue;
      for (const key of Object.keys(entry)) {
        const value = entry[key];
        if (key === TEXT) text += typeof value === "string" ? decodeEntities(value) : "";
        else if (key === CDATA) text += cdataText(value);
        else if (key !== ":@") children.push(toElement(key, value));
      }
    }
  }
  return { name, children, text: text.trim() };
}

const PARSER_OPTIONS = {
  preserveOrder: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: CDATA,
  commentPropName: false,
  removeNSPrefix: false,
} as const;

/** Parses a DDF document into its root element. Total: any input gives an element or a DDF_XML error. */
export function parseXmlDocument(input: string | Uint8Array, limits: XmlLimits): Result<XmlElement> {
  if (input.length > limits.maxBytes) {
    return xmlError(`DDF document too large (${input.length} > ${limits.maxBytes})`, { status: 413 });
  }
  let text: string;
  if (typeof input === "string") text = input;
  else {
    const decoded = decode(input);
    if (!decoded.ok) return decoded;
    text = decoded.value;
  }
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  const scanned = scanXml(text, limits.maxDepth);
  if (!scanned.ok) return scanned;
  let tree: unknown;
  try {
    // maxNestedTags is a second fence behind scanXml's depth bound.
    tree = new XMLParser({ ...PARSER_OPTIONS, maxNestedTags: limits.maxDepth + 1 }).parse(scanned.value);
  } catch (cause) {
    const detail = errorMessage(cause);
    return xmlError(`DDF is not well-formed XML: ${detail}`, { cause });
  }
  if (Array.isArray(tree)) {
    for (const entry of tree as unknown[]) {
      if (!isRecord(entry)) continue;
      const key = Object.keys(entry).find((k) => k !== TEXT && k !== CDATA && k !== ":@");
      if (key !== undefined) return ok(toElement(key, entry[key]));
    }
  }
  return xmlError("DDF is not well-formed XML: no root element");
}
