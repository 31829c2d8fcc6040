// Hostile DDF input (docs/protocol.md §8.3; parsers are total, ARCHITECTURE.md invariant 3): entity bombs, external entities,
// nesting and size bombs give a typed DDF_XML error and return promptly. The per-test timeout turns a hang into a
// failure; nothing here measures speed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, ProtocolError, parseDdf } from "@omadm/protocol";
import { DDF_DEFAULT_MAX_BYTES, DDF_DEFAULT_MAX_DEPTH } from "../src/ddf/parse-ddf.js";

const GUARD = { timeout: 20_000 };

function xmlError(input: string | Uint8Array, options?: Parameters<typeof parseDdf>[1]): ProtocolError {
  const r = parseDdf(input, options);
  assert.equal(r.ok, false);
  assert.ok(r.error instanceof ProtocolError);
  assert.equal(r.error.code, ErrorCode.DDF_XML, r.error.message);
  return r.error;
}

const ROOT = (inner: string) =>
  `<MgmtTree><VerDTD>1.2</VerDTD><Node><NodeName>R</NodeName><DFProperties><AccessType><Get/></AccessType>` +
  `<Description>${inner}</Description><DFFormat><node/></DFFormat><DFType><DDFName>urn:oma:mo:x:1.0</DDFName>` +
  `</DFType></DFProperties></Node></MgmtTree>`;

test("billion laughs: entity declarations are refused, nothing is expanded", GUARD, () => {
  let decls = '<!ENTITY lol "lol">';
  for (let i = 1; i <= 9; i++) decls += `<!ENTITY lol${i} "${`&lol${i === 1 ? "" : i - 1};`.repeat(10)}">`;
  const e = xmlError(`<?xml version="1.0"?>\n<!DOCTYPE MgmtTree [${decls}]>\n${ROOT("&lol9;")}`);
  assert.match(e.message, /entity declarations are not allowed/);
  assert.equal(e.path, "line 2 col 21");
});

test("quadratic blow-up: one large entity referenced many times is refused at its declaration", GUARD, () => {
  const big = "x".repeat(100_000);
  xmlError(`<!DOCTYPE MgmtTree [<!ENTITY a "${big}">]>${ROOT("&a;".repeat(10_000))}`);
});

test("external and parameter entities (XXE) are refused; no file or URL is ever read", GUARD, () => {
  xmlError(`<!DOCTYPE MgmtTree [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${ROOT("&xxe;")}`);
  xmlError(`<!DOCTYPE MgmtTree [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]>${ROOT("")}`);
  xmlError(`<!DOCTYPE MgmtTree [ <!-- c --> <!ENTITY xxe SYSTEM "https://127.0.0.1:1/">]>${ROOT("&xxe;")}`);
});

test("an undeclared entity reference is left as written, not resolved", GUARD, () => {
  const r = parseDdf(
    `<!DOCTYPE MgmtTree SYSTEM "http://127.0.0.1:1/evil.dtd">${ROOT("&xxe; &amp; &#0; &#x110000; &#xD800;")}`,
  );
  assert.ok(r.ok);
  assert.equal(r.value.root.description, "&xxe; & &#0; &#x110000; &#xD800;");
});

test("markup declarations outside the DOCTYPE, or a DOCTYPE after the root, are refused", GUARD, () => {
  xmlError(`<MgmtTree><!ENTITY a "b"></MgmtTree>`);
  xmlError(`${ROOT("")}<!DOCTYPE MgmtTree [<!ENTITY a "b">]>`);
  xmlError(`<MgmtTree><!DOCTYPE MgmtTree [<!ENTITY a "b">]>&a;</MgmtTree>`);
  xmlError(`<!DOCTYPE MgmtTree><!DOCTYPE MgmtTree>${ROOT("")}`);
  xmlError(`<!DOCTYPE MgmtTree [<!ELEMENT a ANY>`);
});

test("a deep nesting bomb stops at the depth bound with a typed error", GUARD, () => {
  const depth = 1_000_000;
  const bomb = "<MgmtTree>" + "<Node>".repeat(depth) + "</Node>".repeat(depth) + "</MgmtTree>";
  const e = xmlError(bomb, { maxBytes: bomb.length });
  assert.match(e.message, new RegExp(`nested deeper than ${DDF_DEFAULT_MAX_DEPTH}`));
  // Unclosed nesting (no end tags at all) is refused the same way.
  xmlError("<a>".repeat(depth), { maxBytes: 4 * depth });
});

test("DDF node nesting within the bound parses; maxDepth is configurable", GUARD, () => {
  const levels = 40;
  let inner = "";
  for (let i = levels; i >= 1; i--) inner = `<Node><NodeName>n${i}</NodeName>${inner}</Node>`;
  const xml = `<MgmtTree><Node><NodeName>R</NodeName><DFProperties><DFFormat><node/></DFFormat><DFType><DDFName>urn:oma:mo:x:1.0</DDFName></DFType></DFProperties>${inner}</Node></MgmtTree>`;
  const r = parseDdf(xml);
  assert.ok(r.ok);
  let node = r.value.root;
  for (let i = 1; i <= levels; i++) node = node.children[0]!;
  assert.equal(node.name, `n${levels}`);
  assert.match(xmlError(xml, { maxDepth: 20 }).message, /nested deeper than 20/);
});

test("input larger than maxBytes is refused before parsing, with status 413", GUARD, () => {
  const huge = `<MgmtTree>${" ".repeat(DDF_DEFAULT_MAX_BYTES)}</MgmtTree>`;
  const e = xmlError(huge);
  assert.equal(e.status, 413);
  assert.match(e.message, /too large/);
  assert.equal(xmlError(new Uint8Array(2048), { maxBytes: 1024 }).status, 413);
  assert.equal(xmlError(ROOT(""), { maxBytes: 10 }).status, 413);
});

test("pathological but small inputs stay linear: many unterminated constructs and huge attributes", GUARD, () => {
  const n = 200_000;
  xmlError("<MgmtTree>" + "<!--".repeat(n));
  xmlError("<MgmtTree>" + "<a ".repeat(n));
  xmlError("<MgmtTree>" + '<a b="'.repeat(n));
  xmlError("<MgmtTree>" + "<![CDATA[".repeat(n));
  xmlError("<MgmtTree>" + "<?pi ".repeat(n));
  xmlError("<!DOCTYPE x [" + "<?".repeat(n));
  xmlError("<MgmtTree" + " a='1'".repeat(n) + " ></MgmtTree>x");
  xmlError("<MgmtTree>" + "</a>".repeat(n));
  const manySiblings = `<MgmtTree><VerDTD>1.2</VerDTD>${"<Man/>".repeat(n)}</MgmtTree>`;
  const r = parseDdf(manySiblings);
  assert.equal(r.ok, false);
  assert.equal(r.error.code, ErrorCode.DDF_STRUCTURE);
});

test("prototype-polluting element names are harmless", GUARD, () => {
  for (const name of ["__proto__", "constructor", "prototype", "hasOwnProperty"]) {
    const r = parseDdf(`<MgmtTree><${name}><polluted>1</polluted></${name}></MgmtTree>`);
    assert.equal(r.ok, false);
    assert.ok(r.error instanceof ProtocolError);
  }
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
});
