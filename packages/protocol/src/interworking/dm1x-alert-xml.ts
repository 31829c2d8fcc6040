// SyncML XML of one DM 1.x <Alert> element (OMA DM 1.2 Representation Protocol §6.6.2; docs/protocol.md §13.1):
//   <Alert><CmdID/><Data>1226</Data><Correlator/>
//     <Item><Target><LocURI/></Target><Source><LocURI/></Source>
//       <Meta><Format xmlns="syncml:metinf"/><Type xmlns="syncml:metinf"/><Mark xmlns="syncml:metinf"/></Meta>
//       <Data/></Item>…</Alert>
// Total: any input gives a Dm1xAlert or a DM1X_ALERT error. fast-xml-parser does the tokenizing; entity and
// character references are decoded here, once, so that `&amp;#65;` stays `&#65;` and `&#65;` becomes `A`.

import { XMLParser, XMLValidator } from "fast-xml-parser";
import { ErrorCode, ProtocolError } from "../errors.js";
import { err, ok, type Result } from "../result.js";
import type { Dm1xAlert, Dm1xAlertItem } from "./dm1x-alert.js";
import { errorMessage } from "../omadm-error.js";

export interface Dm1xXmlOptions {
  /** Largest accepted input (UTF-8 bytes for bytes, UTF-16 units for a string); default 1 MiB. */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 1_048_576;
const MAX_NESTED_TAGS = 32; // an <Alert> is 4 levels deep; embedded XML data is kept raw (a stop node)

const parser = new XMLParser({
  ignoreAttributes: true, // xmlns="syncml:metinf" carries nothing we need
  removeNSPrefix: true, // <MetInf:Type> is <Type>
  parseTagValue: false, // CmdID "007" and Data "1226" stay text; we convert deliberately
  processEntities: false, // decoded below, exactly once
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: MAX_NESTED_TAGS,
  isArray: (_name, jPath) => jPath === "Alert.Item",
  stopNodes: ["Alert.Item.Data"], // the payload, possibly XML itself, kept as raw text
});
const utf8 = new TextDecoder("utf-8", { fatal: true });

function fail(message: string, path?: string): { readonly ok: false; readonly error: ProtocolError } {
  return err(new ProtocolError(ErrorCode.DM1X_ALERT, message, path === undefined ? {} : { path }));
}

/** Parses the XML of one SyncML <Alert> (any alert code; dm1xAlertToDm2 insists on 1226). */
export function parseDm1xAlertXml(input: Uint8Array | string, options: Dm1xXmlOptions = {}): Result<Dm1xAlert> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const size = typeof input === "string" ? input.length : input.byteLength;
  if (size > maxBytes) return fail(`DM 1.x alert XML exceeds the limit of ${maxBytes} bytes`);
  let text: string;
  try {
    text = typeof input === "string" ? input : utf8.decode(input);
  } catch {
    return fail("DM 1.x alert XML is not valid UTF-8");
  }
  // DTDs are not part of SyncML and are the door to entity-expansion attacks: refuse them outright.
  if (/<!DOCTYPE/i.test(text)) return fail("DM 1.x alert XML must not contain a DOCTYPE");
  let doc: unknown;
  try {
    // fast-xml-parser 5 deprecates its validator in favour of a separate package that is not a dependency here;
    // the parser alone accepts unbalanced tags, so well-formedness is still checked with it.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const valid = XMLValidator.validate(text);
    if (valid !== true) {
      const { msg, line, col } = valid.err;
      return fail(`invalid XML: ${msg}`, `line ${line}, col ${col}`);
    }
    doc = parser.parse(text);
  } catch (cause) {
    // Nesting beyond MAX_NESTED_TAGS, or anything else the tokenizer refuses.
    return fail(`invalid XML: ${errorMessage(cause)}`);
  }
  if (!isRecord(doc) || Object.keys(doc).length !== 1 || !("Alert" in doc) || Array.isArray(doc.Alert)) {
    return fail("the document must have exactly one root element, <Alert>");
  }
  return readAlert(doc.Alert);
}

function readAlert(node: unknown): Result<Dm1xAlert> {
  if (!isRecord(node)) return fail("<Alert> must contain CmdID, Data and Item elements", "Alert");
  const cmdId = text(node.CmdID, "Alert/CmdID", true);
  if (!cmdId.ok) return cmdId;
  const codeText = text(node.Data, "Alert/Data", true);
  if (!codeText.ok) return codeText;
  const code = codeText.value === undefined ? NaN : Number(codeText.value);
  if (!/^[0-9]{1,4}$/.test(codeText.value ?? "") || !Number.isInteger(code)) {
    return fail(`alert code ${JSON.stringify(codeText.value)} is not a number`, "Alert/Data");
  }
  const correlator = text(node.Correlator, "Alert/Correlator", false);
  if (!correlator.ok) return correlator;
  const rawItems = node.Item === undefined ? [] : (node.Item as unknown[]);
  const items: Dm1xAlertItem[] = [];
  for (const [i, raw] of rawItems.entries()) {
    const item = readItem(raw, `Alert/Item[${i + 1}]`);
    if (!item.ok) return item;
    items.push(item.value);
  }
  const alert: Dm1xAlert = { cmdId: cmdId.value ?? "", code, items };
  return ok(correlator.value === undefined ? alert : { ...alert, correlator: correlator.value });
}

function readItem(node: unknown, path: string): Result<Dm1xAlertItem> {
  if (node === "") return ok({}); // <Item/>
  if (!isRecord(node)) return fail("<Item> must contain elements, not text", path);
  const item: { -readonly [K in keyof Dm1xAlertItem]: Dm1xAlertItem[K] } = {};
  for (const [key, element] of [
    ["target", "Target"],
    ["source", "Source"],
  ] as const) {
    const value = node[element];
    if (value === undefined) continue;
    if (!isRecord(value)) return fail(`<${element}> must contain <LocURI>`, `${path}/${element}`);
    const uri = text(value.LocURI, `${path}/${element}/LocURI`, true);
    if (!uri.ok) return uri;
    if (uri.value !== undefined) item[key] = uri.value;
  }
  if (node.Meta !== undefined && node.Meta !== "") {
    if (!isRecord(node.Meta)) return fail("<Meta> must contain elements", `${path}/Meta`);
    for (const [key, element] of [
      ["type", "Type"],
      ["format", "Format"],
      ["mark", "Mark"],
    ] as const) {
      const value = text(node.Meta[element], `${path}/Meta/${element}`, false);
      if (!value.ok) return value;
      if (value.value !== undefined) item[key] = value.value;
    }
  }
  if (node.Data !== undefined) {
    const data = rawData(node.Data, `${path}/Data`);
    if (!data.ok) return data;
    item.data = data.value;
  }
  return ok(item);
}

/** A text-only element, decoded; undefined when absent (an error when `required`). */
function text(node: unknown, path: string, required: boolean): Result<string | undefined> {
  if (node === undefined) return required ? fail(`<${lastName(path)}> is required`, path) : ok(undefined);
  if (typeof node !== "string") {
    return fail(`<${lastName(path)}> must be a single element holding text`, path);
  }
  const decoded = decodeReferences(node);
  return decoded === undefined ? fail(`bad entity or character reference in <${lastName(path)}>`, path) : ok(decoded);
}

/** Item/Data: a lone CDATA section gives its content; markup is kept verbatim; plain text is decoded. */
function rawData(node: unknown, path: string): Result<string> {
  if (typeof node !== "string") return fail("<Data> must hold text", path);
  const trimmed = node.trim();
  const cdata = /^<!\[CDATA\[([\s\S]*?)\]\]>$/.exec(trimmed);
  if (cdata !== null) return ok(cdata[1] ?? "");
  if (trimmed.includes("<")) return ok(trimmed);
  const decoded = decodeReferences(trimmed);
  return decoded === undefined ? fail("bad entity or character reference in <Data>", path) : ok(decoded);
}

const PREDEFINED: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decodes the five predefined entities and numeric character references; undefined for anything else. */
function decodeReferences(s: string): string | undefined {
  if (!s.includes("&")) return s;
  const ref = /&([^;&\s]{0,10})(;?)/g;
  let out = "";
  let last = 0;
  for (let m = ref.exec(s); m !== null; m = ref.exec(s)) {
    const name = m[1] ?? "";
    if (m[2] !== ";") return undefined;
    let decoded = PREDEFINED[name];
    if (decoded === undefined) {
      const num = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(name);
      if (num === null) return undefined;
      const cp = num[1] !== undefined ? parseInt(num[1], 16) : Number(num[2]);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
      decoded = String.fromCodePoint(cp);
    }
    out += s.slice(last, m.index) + decoded;
    last = m.index + m[0].length;
  }
  return out + s.slice(last);
}

/** Serializes one SyncML <Alert> (element order per the SyncML DTDs: Item = Target, Source, Meta, Data). */
export function serializeDm1xAlertXml(alert: Dm1xAlert): string {
  let xml = `<Alert><CmdID>${escapeText(alert.cmdId)}</CmdID><Data>${alert.code}</Data>`;
  if (alert.correlator !== undefined) xml += `<Correlator>${escapeText(alert.correlator)}</Correlator>`;
  for (const item of alert.items) {
    xml += "<Item>";
    if (item.target !== undefined) xml += `<Target><LocURI>${escapeText(item.target)}</LocURI></Target>`;
    if (item.source !== undefined) xml += `<Source><LocURI>${escapeText(item.source)}</LocURI></Source>`;
    if (item.format !== undefined || item.type !== undefined || item.mark !== undefined) {
      xml += "<Meta>";
      // MetInf DTD order: Format, Type, Mark.
      if (item.format !== undefined) xml += metInf("Format", item.format);
      if (item.type !== undefined) xml += metInf("Type", item.type);
      if (item.mark !== undefined) xml += metInf("Mark", item.mark);
      xml += "</Meta>";
    }
    if (item.data !== undefined) xml += `<Data>${escapeText(item.data)}</Data>`;
    xml += "</Item>";
  }
  return xml + "</Alert>";
}

function metInf(name: string, value: string): string {
  return `<${name} xmlns="syncml:metinf">${escapeText(value)}</${name}>`;
}

/**
 * Escapes text content so that parseDm1xAlertXml gives it back exactly: markup characters as entities, CR and
 * other C0 controls as character references, and leading/trailing whitespace as character references too
 * (the parser trims raw whitespace, which pretty-printed SyncML is full of).
 */
function escapeText(s: string): string {
  // eslint-disable-next-line no-control-regex
  let out = s.replace(/[&<>]|[\u0000-\u0008\u000b\u000c\u000e-\u001f\r]/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : `&#x${c.charCodeAt(0).toString(16)};`,
  );
  out = out.replace(/^\s+|\s+$/g, (ws) => ws.replace(/\s/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`));
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function lastName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1).replace(/\[\d+\]$/, "");
}
