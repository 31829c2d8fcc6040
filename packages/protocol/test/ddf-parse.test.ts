// parseDdf on hand-written documents: the elements of docs/protocol.md §8.3, its leniency, its defaults and its
// typed errors with paths.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AccessType,
  ErrorCode,
  ProtocolError,
  allows,
  occurrenceBounds,
  parseDdf,
  type MoDefinition,
} from "@omadm/protocol";
import { findNodeDefinition, isInterior, isPermanent } from "../src/ddf/mo-definition.js";

const MOID = "urn:oma:mo:acme-sensor:1.0";

/** A node element; `props` is the inner XML of DFProperties, or null for a Node without DFProperties. */
function node(name: string, props: string | null, ...children: string[]): string {
  const nameXml = name === "" ? "<NodeName/>" : `<NodeName>${name}</NodeName>`;
  const propsXml = props === null ? "" : `<DFProperties>${props}</DFProperties>`;
  return `<Node>${nameXml}${propsXml}${children.join("")}</Node>`;
}

const leafProps = (format: string, extra = "") =>
  `<AccessType><Get/><Replace/></AccessType><DFFormat><${format}/></DFFormat>${extra}<DFType><MIME>text/plain</MIME></DFType>`;
const rootProps = (extra = "") =>
  `<AccessType><Get/></AccessType><DFFormat><node/></DFFormat>${extra}<DFType><DDFName>${MOID}</DDFName></DFType>`;

function ddf(root: string, head = ""): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${head}<MgmtTree><VerDTD>1.2</VerDTD><Man>Acme</Man><Mod>S1</Mod>${root}</MgmtTree>`;
}

function parsed(xml: string | Uint8Array): MoDefinition {
  const r = parseDdf(xml);
  if (!r.ok) assert.fail(`unexpected error: ${r.error.message}`);
  return r.value;
}

function failure(xml: string | Uint8Array, code: string, path?: string | RegExp): ProtocolError {
  const r = parseDdf(xml);
  assert.equal(r.ok, false, "expected an error");
  assert.ok(r.error instanceof ProtocolError);
  assert.equal(r.error.code, code, r.error.message);
  if (typeof path === "string") assert.equal(r.error.path, path);
  else if (path !== undefined) assert.match(r.error.path ?? "", path);
  return r.error;
}

// An unnamed root (like DMAcc) with a placeholder group, a ZeroOrN list and a node without DFProperties.
const SENSOR = ddf(
  node(
    "",
    rootProps("<Occurrence><ZeroOrMore/></Occurrence><Scope><Dynamic/></Scope><DFTitle>Sensor</DFTitle>"),
    node("ID", leafProps("chr", "<Occurrence><One/></Occurrence><Scope><Permanent/></Scope>")),
    node(
      "Data",
      "<AccessType><Get/></AccessType><DFFormat><node/></DFFormat><DFType><DDFName/></DFType>",
      node(
        "",
        "<AccessType><Add/><Delete/><Get/></AccessType><DFFormat><node/></DFFormat><Occurrence><ZeroOrN>16</ZeroOrN></Occurrence><DFType><DDFName/></DFType>",
        node("Date", leafProps("date")),
        node("Value", leafProps("float", "<Occurrence><OneOrN>3</OneOrN></Occurrence>")),
      ),
    ),
    node("Info", null, node("Serial", null), node("Note", null)),
    node("Fixed", null, "<Value>42</Value>"),
  ),
);

test("an unnamed root: the MOID comes from its DDFName and MgmtTree's VerDTD/Man/Mod are kept", () => {
  const def = parsed(SENSOR);
  assert.equal(def.moid, MOID);
  assert.equal(def.root.name, undefined);
  assert.equal(def.root.ddfName, MOID);
  assert.equal(def.root.title, "Sensor");
  assert.deepEqual(def.root.occurrence, { kind: "ZeroOrMore" });
  assert.equal(def.verDtd, "1.2");
  assert.equal(def.man, "Acme");
  assert.equal(def.mod, "S1");
});

test("unnamed placeholders match any name; ZeroOrN and OneOrN carry their number", () => {
  const def = parsed(SENSOR);
  const group = findNodeDefinition(def, ["Data", "7"]);
  assert.ok(group);
  assert.equal(group.name, undefined);
  assert.deepEqual(group.occurrence, { kind: "ZeroOrN", n: 16 });
  assert.deepEqual(occurrenceBounds(group.occurrence), { min: 0, max: 16 });
  assert.deepEqual([...group.accessTypes].sort(), ["Add", "Delete", "Get"]);
  const value = findNodeDefinition(def, ["Data", "x", "Value"]);
  assert.deepEqual(value?.occurrence, { kind: "OneOrN", n: 3 });
  assert.equal(value.format, "float");
  assert.equal(findNodeDefinition(def, ["Data", "x", "Date"])?.format, "date");
  assert.equal(findNodeDefinition(def, ["Data", "x", "Other"]), undefined);
});

test("a Node without DFProperties is interior iff it has child Nodes, readable, with the default properties", () => {
  const def = parsed(SENSOR);
  const info = findNodeDefinition(def, ["Info"]);
  assert.ok(info);
  assert.equal(isInterior(info), true);
  assert.deepEqual([...info.accessTypes], [AccessType.Get]);
  const serial = findNodeDefinition(def, ["Info", "Serial"]);
  assert.ok(serial);
  assert.equal(isInterior(serial), false);
  assert.equal(serial.format, "chr");
  // Defaults (documented in parse-ddf.ts): Occurrence One, Scope Dynamic, CaseSense CS.
  assert.deepEqual(serial.occurrence, { kind: "One" });
  assert.equal(serial.scope, "Dynamic");
  assert.equal(serial.caseSense, "CS");
  assert.equal(findNodeDefinition(def, ["Fixed"])?.value, "42");
});

test("explicit Scope, AccessType and defaults are read per node", () => {
  const def = parsed(SENSOR);
  const id = findNodeDefinition(def, ["ID"]);
  assert.ok(id);
  assert.equal(isPermanent(id), true);
  assert.equal(allows(id, AccessType.Get), true);
  assert.equal(allows(id, AccessType.Replace), true);
  assert.equal(allows(id, AccessType.Delete), false);
  assert.equal(id.mime, "text/plain");
  const data = findNodeDefinition(def, ["Data"]);
  assert.ok(data);
  assert.equal(isPermanent(data), false, "Scope defaults to Dynamic");
  assert.equal(data.ddfName, undefined, "an empty DDFName is absent");
});

test("occurrenceBounds covers every Occurrence kind", () => {
  assert.deepEqual(occurrenceBounds({ kind: "One" }), { min: 1, max: 1 });
  assert.deepEqual(occurrenceBounds({ kind: "ZeroOrOne" }), { min: 0, max: 1 });
  assert.deepEqual(occurrenceBounds({ kind: "ZeroOrMore" }), { min: 0, max: Infinity });
  assert.deepEqual(occurrenceBounds({ kind: "OneOrMore" }), { min: 1, max: Infinity });
  assert.deepEqual(occurrenceBounds({ kind: "OneOrN", n: 4 }), { min: 1, max: 4 });
});

test("every DFFormat of §8.1, Copy/Exec access, DefaultValue, Description, CaseSense CIS", () => {
  const formats = ["b64", "bin", "bool", "chr", "int", "null", "xml", "date", "time", "float"];
  const xml = ddf(
    node(
      "Root",
      rootProps(),
      ...formats.map((f) => node(`F_${f}`, leafProps(f))),
      node(
        "Run",
        "<AccessType><Copy/><Exec/></AccessType><DefaultValue>go</DefaultValue><Description>Runs &amp; stops &#x263A; &#65;</Description><DFFormat><null/></DFFormat><CaseSense><CIS/></CaseSense>",
      ),
    ),
  );
  const def = parsed(xml);
  assert.equal(def.root.name, "Root");
  for (const f of formats) assert.equal(findNodeDefinition(def, [`F_${f}`])?.format, f);
  const run = findNodeDefinition(def, ["Run"]);
  assert.ok(run);
  assert.deepEqual([...run.accessTypes].sort(), ["Copy", "Exec"]);
  assert.equal(run.defaultValue, "go");
  assert.equal(run.description, "Runs & stops \u263A A");
  assert.equal(run.caseSense, "CIS");
});

test("an empty AccessType allows nothing; a missing one allows Get only", () => {
  const def = parsed(
    ddf(
      node(
        "R",
        rootProps(),
        node("None", "<AccessType/><DFFormat><chr/></DFFormat>"),
        node("Missing", "<DFFormat><chr/></DFFormat>"),
      ),
    ),
  );
  assert.equal(findNodeDefinition(def, ["None"])?.accessTypes.size, 0);
  assert.deepEqual([...(findNodeDefinition(def, ["Missing"])?.accessTypes ?? [])], ["Get"]);
});

test("official DDF headers, vendor elements, RTProperties, ACL, comments and CDATA are accepted", () => {
  const head =
    '<!DOCTYPE MgmtTree PUBLIC "-//OMA//DTD-DM-DDF 1.2//EN" "http://www.openmobilealliance.org/tech/DTD/DM_DDF-V1_2.dtd"' +
    '[<?oma-dm-ddf-ver supported-versions="1.2"?><!-- note --><!ELEMENT x ANY>]>\n<!-- licence text -->\n';
  const xml = ddf(
    node(
      "Root",
      rootProps('<MSFT:RWAccess xmlns:MSFT="urn:x">3</MSFT:RWAccess><Description><![CDATA[a <b> & c]]></Description>'),
      `<Node><NodeName>L</NodeName><Path>./Vendor</Path><RTProperties><ACL>Get=*</ACL><Format><chr/></Format></RTProperties><DFProperties>${leafProps("int")}<MSFT:Applicability xmlns:MSFT="urn:x"><MSFT:OsBuildVersion>10</MSFT:OsBuildVersion></MSFT:Applicability></DFProperties></Node>`,
    ),
    head,
  );
  const def = parsed(xml);
  assert.equal(def.root.description, "a <b> & c", "CDATA is not entity-decoded");
  const leaf = findNodeDefinition(def, ["L"]);
  assert.equal(leaf?.format, "int");
  assert.equal(leaf.path, "./Vendor");
});

test("bytes: UTF-8 with or without BOM, UTF-16 with BOM, declared ISO-8859-1", () => {
  const text = ddf(node("Gr\u00FC\u00DFe", rootProps()));
  assert.equal(parsed(new TextEncoder().encode(text)).root.name, "Gr\u00FC\u00DFe");
  assert.equal(
    parsed(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)])).root.name,
    "Gr\u00FC\u00DFe",
  );
  assert.equal(parsed(`\uFEFF${text}`).root.name, "Gr\u00FC\u00DFe");
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
  assert.equal(parsed(utf16).root.name, "Gr\u00FC\u00DFe");
  const latin = Buffer.from(text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'), "latin1");
  assert.equal(parsed(latin).root.name, "Gr\u00FC\u00DFe");
  failure(Buffer.from([...Buffer.from("<MgmtTree>"), 0xff, 0xfe, 0x80]), ErrorCode.DDF_XML);
  failure(Buffer.from(text.replace('encoding="UTF-8"', 'encoding="EBCDIC"')), ErrorCode.DDF_XML);
});

test("malformed XML is DDF_XML with a line and column", () => {
  const cases = [
    "",
    "   ",
    "not xml",
    "<MgmtTree>",
    "<MgmtTree><Node></MgmtTree>",
    "<MgmtTree></Node>",
    "<MgmtTree/><MgmtTree/>",
    "<MgmtTree/>trailing",
    "<MgmtTree><!-- open </MgmtTree>",
    "<MgmtTree><![CDATA[ x </MgmtTree>",
    "<MgmtTree a=1/>",
    '<MgmtTree a="1"b="2"/>',
    "<1MgmtTree/>",
    "<MgmtTree><Node</MgmtTree>",
    "< MgmtTree/>",
    '<MgmtTree a="<"/>',
    "<?xml version='1.0'",
  ];
  for (const xml of cases) {
    const e = failure(xml, ErrorCode.DDF_XML, /^line \d+ col \d+$/);
    assert.match(e.message, /not well-formed/, JSON.stringify(xml));
  }
  const e = failure("<MgmtTree>\n  <Node>\n  </Nod>\n</MgmtTree>", ErrorCode.DDF_XML, "line 3 col 3");
  assert.match(e.message, /expected <\/Node> but found <\/Nod>/);
});

test("structure errors are DDF_STRUCTURE with the path of the offending element", () => {
  const leaf = (n: string) => node(n, leafProps("chr"));
  // The brief's example path: MgmtTree/Node[0]/Node[3]/DFProperties/DFFormat.
  const e = failure(
    ddf(node("R", rootProps(), leaf("A"), leaf("B"), leaf("C"), node("D", "<DFFormat><string/></DFFormat>"))),
    ErrorCode.DDF_STRUCTURE,
    "MgmtTree/Node[0]/Node[3]/DFProperties/DFFormat",
  );
  assert.match(e.message, /unknown DFFormat <string>/);

  failure("<Other/>", ErrorCode.DDF_STRUCTURE, "Other");
  failure(ddf(""), ErrorCode.DDF_STRUCTURE, "MgmtTree/Node");
  failure(ddf(node("A", rootProps()) + node("B", rootProps())), ErrorCode.DDF_STRUCTURE, "MgmtTree/Node[1]");
  failure(ddf("<Node><DFProperties/></Node>"), ErrorCode.DDF_STRUCTURE, "MgmtTree/Node[0]/NodeName");
  failure(ddf(node("a/b", rootProps())), ErrorCode.DDF_STRUCTURE, "MgmtTree/Node[0]/NodeName");
  failure(
    ddf(node("R", rootProps(), node("X", "<AccessType><Fetch/></AccessType>"))),
    ErrorCode.DDF_STRUCTURE,
    "MgmtTree/Node[0]/Node[0]/DFProperties/AccessType",
  );
  failure(
    ddf(node("R", rootProps("<Occurrence><ZeroOrN/></Occurrence>"))),
    ErrorCode.DDF_STRUCTURE,
    "MgmtTree/Node[0]/DFProperties/Occurrence/ZeroOrN",
  );
  failure(ddf(node("R", rootProps("<Occurrence><OneOrN>0</OneOrN></Occurrence>"))), ErrorCode.DDF_STRUCTURE);
  failure(ddf(node("R", rootProps("<Occurrence><OneOrN>-2</OneOrN></Occurrence>"))), ErrorCode.DDF_STRUCTURE);
  failure(ddf(node("R", rootProps("<Occurrence><Many/></Occurrence>"))), ErrorCode.DDF_STRUCTURE);
  failure(ddf(node("R", rootProps("<Occurrence><One/><ZeroOrOne/></Occurrence>"))), ErrorCode.DDF_STRUCTURE);
  failure(ddf(node("R", rootProps("<Scope><Forever/></Scope>"))), ErrorCode.DDF_STRUCTURE);
  failure(ddf(node("R", rootProps("<CaseSense><Yes/></CaseSense>"))), ErrorCode.DDF_STRUCTURE);
  failure(
    ddf(node("R", rootProps(), node("L", leafProps("chr"), leaf("Child")))),
    ErrorCode.DDF_STRUCTURE,
    "MgmtTree/Node[0]/Node[0]/Node[0]",
  );
  failure(
    ddf(node("R", rootProps(), leaf("A"), leaf("A"))),
    ErrorCode.DDF_STRUCTURE,
    "MgmtTree/Node[0]/Node[1]/NodeName",
  );
  failure(
    ddf(node("R", rootProps(), leaf(""), leaf(""))),
    ErrorCode.DDF_STRUCTURE,
    "MgmtTree/Node[0]/Node[1]/NodeName",
  );
  failure(
    ddf(node("R", "<AccessType><Get/></AccessType><DFFormat><node/><chr/></DFFormat>")),
    ErrorCode.DDF_STRUCTURE,
    "MgmtTree/Node[0]/DFProperties/DFFormat",
  );
});

test("a root without DFType/DDFName has no MOID: DDF_STRUCTURE", () => {
  const path = "MgmtTree/Node[0]/DFProperties/DFType/DDFName";
  const noType = "<AccessType><Get/></AccessType><DFFormat><node/></DFFormat>";
  failure(ddf(node("R", noType)), ErrorCode.DDF_STRUCTURE, path);
  failure(ddf(node("R", `${noType}<DFType><DDFName/></DFType>`)), ErrorCode.DDF_STRUCTURE, path);
  failure(ddf(node("R", `${noType}<DFType><MIME>${MOID}</MIME></DFType>`)), ErrorCode.DDF_STRUCTURE, path);
  failure(ddf(node("R", null)), ErrorCode.DDF_STRUCTURE, path);
});

test("an empty DFFormat is inferred like a missing one", () => {
  const def = parsed(
    ddf(
      node(
        "R",
        `<AccessType><Get/></AccessType><DFFormat/><DFType><DDFName>${MOID}</DDFName></DFType>`,
        node("c", null),
      ),
    ),
  );
  assert.equal(def.root.format, "node");
  assert.equal(findNodeDefinition(def, ["c"])?.format, "chr");
});
