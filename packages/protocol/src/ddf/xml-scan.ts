// A linear well-formedness pass over a DDF document before fast-xml-parser builds the tree (docs/protocol.md §8.3).
// fast-xml-parser's own parse does not check that tags match, and its DOCTYPE reader both expands internal
// entities and rejects the processing instruction that official OMA DDFs put in the internal subset
// (`[<?oma-dm-ddf-ver supported-versions="1.2"?>]`). So this pass:
//  - checks the markup structure: tags close in order, exactly one root element, no text outside it, every
//    comment/PI/CDATA/tag terminated, tag names and attribute syntax valid;
//  - bounds element nesting (a deep-nesting bomb stops here, before any recursion);
//  - accepts a DOCTYPE only before the root and refuses any <!ENTITY> declaration in it, so no entity is ever
//    defined and a billion-laughs or external-entity (XXE) document is a typed error, never an expansion;
//  - returns the text with the DOCTYPE blanked out (newlines kept, so later line numbers stay right).
// Everything is indexOf or a single forward loop: time is linear in the input.
import { ErrorCode, ProtocolError } from "../errors.js";
import { err, ok, type Result } from "../result.js";

// XML 1.0 Name, simplified to Unicode letters/digits (DDF element names are ASCII in practice).
const NAME = /^[\p{L}_:][\p{L}\p{N}_.:\-\u00B7]*$/u;

/** Line and column (1-based) of `index`, for error messages; only computed when an error is reported. */
function position(text: string, index: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line} col ${index - lineStart + 1}`;
}

function fail(text: string, index: number, message: string): Result<never> {
  return err(
    new ProtocolError(ErrorCode.DDF_XML, `DDF is not well-formed XML: ${message}`, { path: position(text, index) }),
  );
}

function isSpace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t" || ch === "\n" || ch === "\r";
}

/** The index just past `terminator` searched from `from`, or -1. */
function after(text: string, terminator: string, from: number): number {
  const at = text.indexOf(terminator, from);
  return at === -1 ? -1 : at + terminator.length;
}

/**
 * Scans `<!DOCTYPE …>` starting at `start`; returns the index just past its closing `>`, or an error. The internal
 * subset may hold comments, PIs and ELEMENT/ATTLIST/NOTATION declarations (all ignored); ENTITY is refused.
 */
function scanDoctype(text: string, start: number): Result<number> {
  let i = start + "<!DOCTYPE".length;
  let inSubset = false;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"' || ch === "'") {
      const end = text.indexOf(ch, i + 1);
      if (end === -1) return fail(text, i, "unterminated literal in DOCTYPE");
      i = end + 1;
    } else if (!inSubset && ch === "[") {
      inSubset = true;
      i++;
    } else if (!inSubset && ch === ">") {
      return ok(i + 1);
    } else if (inSubset && ch === "]") {
      inSubset = false;
      i++;
    } else if (inSubset && text.startsWith("<!--", i)) {
      const end = after(text, "-->", i + 4);
      if (end === -1) return fail(text, i, "unterminated comment in DOCTYPE");
      i = end;
    } else if (inSubset && text.startsWith("<?", i)) {
      const end = after(text, "?>", i + 2);
      if (end === -1) return fail(text, i, "unterminated processing instruction in DOCTYPE");
      i = end;
    } else if (inSubset && text.startsWith("<!ENTITY", i)) {
      return fail(text, i, "entity declarations are not allowed in a DDF (no entity is ever expanded)");
    } else {
      i++;
    }
  }
  return fail(text, start, "unterminated DOCTYPE");
}

/** Checks the attribute part of a start tag (`text[from, to)`): ` name="v"` pairs; returns an error message. */
function checkAttributes(text: string, from: number, to: number): string | undefined {
  let i = from;
  while (i < to) {
    const spaceStart = i;
    while (i < to && isSpace(text[i])) i++;
    if (i >= to) return undefined;
    if (i === spaceStart) return "attributes must be separated by white space";
    const nameStart = i;
    while (i < to && text[i] !== "=" && !isSpace(text[i])) i++;
    if (!NAME.test(text.slice(nameStart, i))) return "invalid attribute name";
    while (i < to && isSpace(text[i])) i++;
    if (text[i] !== "=") return "attribute without a value";
    i++;
    while (i < to && isSpace(text[i])) i++;
    const quote = text[i];
    if (quote !== '"' && quote !== "'") return "attribute value must be quoted";
    const end = text.indexOf(quote, i + 1);
    if (end === -1 || end >= to) return "unterminated attribute value";
    if (text.slice(i + 1, end).includes("<")) return "'<' in an attribute value";
    i = end + 1;
  }
  return undefined;
}

/** The index of the `>` that ends the start tag opened at `start`, skipping quoted attribute values; -1 if none. */
function endOfStartTag(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === ">") return i;
    if (ch === '"' || ch === "'") {
      const end = text.indexOf(ch, i + 1);
      if (end === -1) return -1;
      i = end + 1;
    } else if (ch === "<") {
      return -1;
    } else {
      i++;
    }
  }
  return -1;
}

/**
 * Checks `text` (BOM already removed) and returns it with any DOCTYPE blanked. Errors are `DDF_XML` with a
 * `line L col C` path.
 */
export function scanXml(text: string, maxDepth: number): Result<string> {
  const open: string[] = [];
  let rootSeen = false;
  let doctype: { start: number; end: number } | undefined;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    const textEnd = lt === -1 ? text.length : lt;
    if (open.length === 0 && text.slice(i, textEnd).trim() !== "") {
      return fail(text, i, "text outside the root element");
    }
    if (lt === -1) break;
    if (text.startsWith("<?", lt)) {
      const end = after(text, "?>", lt + 2);
      if (end === -1) return fail(text, lt, "unterminated processing instruction");
      i = end;
    } else if (text.startsWith("<!--", lt)) {
      const end = after(text, "-->", lt + 4);
      if (end === -1) return fail(text, lt, "unterminated comment");
      i = end;
    } else if (text.startsWith("<![CDATA[", lt)) {
      if (open.length === 0) return fail(text, lt, "CDATA outside the root element");
      const end = after(text, "]]>", lt + 9);
      if (end === -1) return fail(text, lt, "unterminated CDATA section");
      i = end;
    } else if (text.startsWith("<!DOCTYPE", lt) && isSpace(text[lt + 9])) {
      if (rootSeen || doctype !== undefined) return fail(text, lt, "a DOCTYPE is only allowed once, before the root");
      const end = scanDoctype(text, lt);
      if (!end.ok) return end;
      doctype = { start: lt, end: end.value };
      i = end.value;
    } else if (text.startsWith("<!", lt)) {
      return fail(text, lt, "markup declarations are only allowed in the DOCTYPE");
    } else if (text.startsWith("</", lt)) {
      const gt = text.indexOf(">", lt + 2);
      if (gt === -1) return fail(text, lt, "unterminated end tag");
      const name = text.slice(lt + 2, gt).trimEnd();
      const expected = open.pop();
      if (expected === undefined) return fail(text, lt, `end tag </${name}> without a start tag`);
      if (name !== expected) return fail(text, lt, `expected </${expected}> but found </${name}>`);
      i = gt + 1;
    } else {
      if (rootSeen && open.length === 0) return fail(text, lt, "more than one root element");
      const gt = endOfStartTag(text, lt);
      if (gt === -1) return fail(text, lt, "unterminated start tag");
      const selfClosing = text[gt - 1] === "/";
      const inner = selfClosing ? gt - 1 : gt;
      let nameEnd = lt + 1;
      while (nameEnd < inner && !isSpace(text[nameEnd])) nameEnd++;
      const name = text.slice(lt + 1, nameEnd);
      if (!NAME.test(name)) return fail(text, lt, "invalid element name");
      const attributeError = checkAttributes(text, nameEnd, inner);
      if (attributeError !== undefined) return fail(text, lt, `${attributeError} in <${name}>`);
      rootSeen = true;
      // DDF §8.3 trees are shallow; refuse deep nesting before any recursive step sees it.
      if (open.length + 1 > maxDepth) return fail(text, lt, `elements nested deeper than ${maxDepth}`);
      if (!selfClosing) open.push(name);
      i = gt + 1;
    }
  }
  const unclosed = open.at(-1);
  if (unclosed !== undefined) return fail(text, text.length, `<${unclosed}> is not closed`);
  if (!rootSeen) return fail(text, 0, "no root element");
  if (doctype === undefined) return ok(text);
  const blank = text.slice(doctype.start, doctype.end).replace(/[^\n]/g, " ");
  return ok(text.slice(0, doctype.start) + blank + text.slice(doctype.end));
}
