// DM 1.x interworking (DM 2.0 §13.1, docs/protocol.md §13): the SyncML <Alert> XML codec, 1.x path ↔ ClientURI
// mapping, and the Generic Alert mapping in both directions.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ErrorCode } from "../src/errors.js";
import type { Result } from "../src/result.js";
import { DM1X_GENERIC_ALERT_CODE, type Dm1xAlert } from "../src/interworking/dm1x-alert.js";
import { createDm1xPathMapping, splitDm1xPath } from "../src/interworking/path-mapping.js";
import {
  dataTypeToDm1xFormat,
  dm1xAlertToDm2,
  dm1xFormatToDataType,
  dm2AlertToDm1x,
} from "../src/interworking/dm1x-mapping.js";
import { parseDm1xAlertXml, serializeDm1xAlertXml } from "../src/interworking/dm1x-alert-xml.js";
import { parseGenericAlert, serializeGenericAlert } from "../src/packages/generic-alert.js";

const FUMO = "urn:oma:mo:oma-fumo:1.0";
const DEVINFO = "urn:oma:mo:oma-dm-devinfo:1.2";
const SCOMO = "urn:oma:mo:oma-scomo:1.0";
const mapping = createDm1xPathMapping([
  { rootPath: "./FUMO/apps", moid: FUMO, miid: "apps" },
  { rootPath: "./FUMO/rootfs", moid: FUMO, miid: "rootfs" },
  { rootPath: "./DevInfo", moid: DEVINFO, miid: "" },
  { rootPath: "SCOMO", moid: SCOMO, miid: "SCOMO1" },
]);

function value<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

function dm1xError(r: Result<unknown>, message: RegExp): void {
  assert.equal(r.ok, false, "expected DM1X_ALERT");
  assert.equal(r.error.code, ErrorCode.DM1X_ALERT);
  assert.match(r.error.message, message);
}

// A FUMO DownloadAndUpdate result as a DM 1.2 device sends it (OMA FUMO 1.0 §E).
const FUMO_ALERT_XML = `<?xml version="1.0" encoding="UTF-8"?>
<Alert>
  <CmdID>4</CmdID>
  <Data>1226</Data>
  <Correlator>fumo-42</Correlator>
  <Item>
    <Source><LocURI>./FUMO/apps/DownloadAndUpdate</LocURI></Source>
    <Meta>
      <Type xmlns="syncml:metinf">org.openmobilealliance.dm.firmwareupdate.downloadandupdate</Type>
      <Format xmlns="syncml:metinf">int</Format>
      <Mark xmlns="syncml:metinf">critical</Mark>
    </Meta>
    <Data>200</Data>
  </Item>
</Alert>`;

test("parses a pretty-printed SyncML Generic Alert", () => {
  assert.deepEqual(value(parseDm1xAlertXml(FUMO_ALERT_XML)), {
    cmdId: "4",
    code: 1226,
    correlator: "fumo-42",
    items: [
      {
        source: "./FUMO/apps/DownloadAndUpdate",
        type: "org.openmobilealliance.dm.firmwareupdate.downloadandupdate",
        format: "int",
        mark: "critical",
        data: "200",
      },
    ],
  });
  assert.deepEqual(value(parseDm1xAlertXml(new TextEncoder().encode(FUMO_ALERT_XML))).code, 1226);
});

test("maps the FUMO alert to DM 2.0 per §13.1 (Data wrapped as DM1x, Correlator kept)", () => {
  const alerts = value(dm1xAlertToDm2(value(parseDm1xAlertXml(FUMO_ALERT_XML)), mapping.toClientUri));
  assert.deepEqual(alerts, [
    {
      AlertType: "org.openmobilealliance.dm.firmwareupdate.downloadandupdate",
      SourceURI: "urn:oma:mo:oma-fumo:1.0/apps/DownloadAndUpdate",
      Mark: "critical",
      DataType: "int",
      Data: { DM1x: 200, Correlator: "fumo-42" },
    },
  ]);
  // The result is a valid DM 2.0 Generic Alert.
  const first = alerts[0];
  assert.ok(first !== undefined);
  assert.deepEqual(value(parseGenericAlert(serializeGenericAlert(first))), first);
});

test("several items become several alerts; URN types and xml data carry over verbatim", () => {
  const xml =
    "<Alert><CmdID>9</CmdID><Data>1226</Data>" +
    "<Item><Target><LocURI>./DevInfo/Ext</LocURI></Target><Source><LocURI>SCOMO/Download/Pkg1/Operations/DownloadInstall</LocURI></Source>" +
    '<Meta><Type xmlns="syncml:metinf">urn:oma:at:scomo:1.0:OperationComplete</Type><Format xmlns="syncml:metinf">xml</Format></Meta>' +
    "<Data><![CDATA[<ResultCode>1200</ResultCode>]]></Data></Item>" +
    "<Item><Meta><Type>urn:oma:at:dcmo:1.0:OperationComplete</Type></Meta><Data>a &amp; b</Data></Item>" +
    "</Alert>";
  const alerts = value(dm1xAlertToDm2(value(parseDm1xAlertXml(xml)), mapping.toClientUri));
  assert.deepEqual(alerts, [
    {
      AlertType: "urn:oma:at:scomo:1.0:OperationComplete",
      SourceURI: "urn:oma:mo:oma-scomo:1.0/SCOMO1/Download/Pkg1/Operations/DownloadInstall",
      TargetURI: "urn:oma:mo:oma-dm-devinfo:1.2//Ext",
      DataType: "text/xml",
      Data: { DM1x: "<ResultCode>1200</ResultCode>" },
    },
    // No Format: SyncML's default chr, i.e. text/plain.
    { AlertType: "urn:oma:at:dcmo:1.0:OperationComplete", DataType: "text/plain", Data: { DM1x: "a & b" } },
  ]);
});

test("mapping a DM 1.x alert refuses what DM 2.0 cannot carry", () => {
  const base: Dm1xAlert = { cmdId: "1", code: 1226, items: [{ type: "t" }] };
  dm1xError(dm1xAlertToDm2({ ...base, code: 1200 }, mapping.toClientUri), /1200 is not a Generic Alert \(1226\)/);
  dm1xError(dm1xAlertToDm2({ ...base, items: [] }, mapping.toClientUri), /at least one Item/);
  dm1xError(dm1xAlertToDm2({ ...base, items: [{ data: "1" }] }, mapping.toClientUri), /needs Meta\/Type/);
  dm1xError(
    dm1xAlertToDm2({ ...base, items: [{ type: "t", source: "./Unknown/Node" }] }, mapping.toClientUri),
    /no ClientURI is known for the DM 1.x path "\.\/Unknown\/Node"/,
  );
  dm1xError(dm1xAlertToDm2({ ...base, items: [{ type: "t", mark: "urgent" }] }, mapping.toClientUri), /unknown Mark/);
  // Marks are matched without regard to case (1.x senders vary).
  assert.equal(
    value(dm1xAlertToDm2({ ...base, items: [{ type: "t", mark: "Warning" }] }, mapping.toClientUri))[0]?.Mark,
    "warning",
  );
});

test("a correlator without item data still travels, in Data", () => {
  const alerts = value(
    dm1xAlertToDm2({ cmdId: "1", code: 1226, correlator: "c1", items: [{ type: "t" }] }, mapping.toClientUri),
  );
  assert.deepEqual(alerts, [{ AlertType: "t", DataType: "text/plain", Data: { Correlator: "c1" } }]);
});

test("int data that is not a plain integer stays text", () => {
  for (const data of ["1.5", "007", "-0", "12345678901234567", "x"]) {
    const alerts = value(
      dm1xAlertToDm2({ cmdId: "1", code: 1226, items: [{ type: "t", format: "int", data }] }, mapping.toClientUri),
    );
    assert.deepEqual(alerts[0]?.Data, { DM1x: data }, data);
  }
});

test("DM 2.0 → DM 1.x: the §13.1 mapping reversed, Data unwrapped", () => {
  const dm1x = value(
    dm2AlertToDm1x(
      {
        AlertType: "org.openmobilealliance.dm.firmwareupdate.downloadandupdate",
        SourceURI: "urn:oma:mo:oma-fumo:1.0/apps/DownloadAndUpdate",
        Mark: "critical",
        DataType: "int",
        Data: { DM1x: 200, Correlator: "fumo-42" },
      },
      mapping.toDm1xPath,
      { cmdId: "4" },
    ),
  );
  assert.deepEqual(dm1x, {
    cmdId: "4",
    code: DM1X_GENERIC_ALERT_CODE,
    correlator: "fumo-42",
    items: [
      {
        type: "org.openmobilealliance.dm.firmwareupdate.downloadandupdate",
        source: "./FUMO/apps/DownloadAndUpdate",
        mark: "critical",
        data: "200",
        format: "int",
      },
    ],
  });
  // …and back to the same DM 2.0 alert.
  const again = value(dm1xAlertToDm2(value(parseDm1xAlertXml(serializeDm1xAlertXml(dm1x))), mapping.toClientUri));
  assert.equal(again[0]?.SourceURI, "urn:oma:mo:oma-fumo:1.0/apps/DownloadAndUpdate");
  assert.deepEqual(again[0].Data, { DM1x: 200, Correlator: "fumo-42" });
});

test("DM 2.0 → DM 1.x: other Data is sent as JSON text with a 1.x format from DataType", () => {
  const exec = value(
    dm2AlertToDm1x(
      {
        AlertType: "urn:oma:at:dm:2.0:ExecComplete",
        SourceURI: "urn:oma:mo:oma-fumo:1.0/rootfs/Update",
        DataType: "application/json",
        Data: { sc: 200 },
      },
      mapping.toDm1xPath,
    ),
  );
  assert.deepEqual(exec.items, [
    { type: "urn:oma:at:dm:2.0:ExecComplete", source: "./FUMO/rootfs/Update", data: '{"sc":200}', format: "chr" },
  ]);
  assert.equal(exec.cmdId, "1");
  const text = value(dm2AlertToDm1x({ AlertType: "t", DataType: "text/plain", Data: "hello" }, mapping.toDm1xPath));
  assert.deepEqual(text.items, [{ type: "t", data: "hello", format: "chr" }]);
  const none = value(dm2AlertToDm1x({ AlertType: "t" }, mapping.toDm1xPath));
  assert.deepEqual(none.items, [{ type: "t" }]);
});

test("DM 2.0 → DM 1.x refuses ClientURIs with no 1.x path", () => {
  for (const uri of [
    "urn:oma:mo:oma-fumo:1.0/other/x", // MIID not in the table
    "urn:oma:mo:oma-fumo:1.0/*/x", // a wildcard names no single node
    "urn:oma:mo:oma-fumo:1.0/(x)/x?nv=(x)/A:b",
    "urn:oma:mo:acme:1.0/a/x", // MOID not in the table
    "not a client uri",
  ]) {
    dm1xError(dm2AlertToDm1x({ AlertType: "t", SourceURI: uri }, mapping.toDm1xPath), /no DM 1.x path/);
    dm1xError(dm2AlertToDm1x({ AlertType: "t", TargetURI: uri }, mapping.toDm1xPath), /no DM 1.x path/);
  }
});

test("format ↔ DataType table (§13.1)", () => {
  assert.equal(dm1xFormatToDataType("int"), "int");
  assert.equal(dm1xFormatToDataType("xml"), "text/xml");
  assert.equal(dm1xFormatToDataType("chr"), "text/plain");
  assert.equal(dm1xFormatToDataType("b64"), "b64");
  assert.equal(dataTypeToDm1xFormat("int"), "int");
  assert.equal(dataTypeToDm1xFormat("text/xml"), "xml");
  assert.equal(dataTypeToDm1xFormat("application/xml"), "xml");
  assert.equal(dataTypeToDm1xFormat("text/plain"), "chr");
  assert.equal(dataTypeToDm1xFormat("application/json"), "chr");
  assert.equal(dataTypeToDm1xFormat("b64"), "b64");
});

test("1.x path → ClientURI (§13.2): longest root wins, DevInfo is the only instance, names are encoded", () => {
  assert.equal(mapping.toClientUri("./FUMO/apps/PkgURL"), "urn:oma:mo:oma-fumo:1.0/apps/PkgURL");
  assert.equal(mapping.toClientUri("FUMO/rootfs/Update/PkgURL"), "urn:oma:mo:oma-fumo:1.0/rootfs/Update/PkgURL");
  assert.equal(mapping.toClientUri("./FUMO/apps"), "urn:oma:mo:oma-fumo:1.0/apps/");
  assert.equal(mapping.toClientUri("./DevInfo/DevId"), "urn:oma:mo:oma-dm-devinfo:1.2//DevId");
  assert.equal(mapping.toClientUri("./DevInfo"), "urn:oma:mo:oma-dm-devinfo:1.2//");
  assert.equal(mapping.toClientUri("./DevInfo/Ext/a b?"), "urn:oma:mo:oma-dm-devinfo:1.2//Ext/a%20b%3F");
  for (const path of [
    "./FUMO",
    "./FUMO/other/x",
    "/FUMO/apps",
    "./FUMO//apps",
    "./FUMO/apps/../x",
    "",
    "./DevInfo/*",
    "./DevInfo/(a)",
  ]) {
    assert.equal(mapping.toClientUri(path), undefined, path);
  }
});

test('ClientURI → 1.x path: the inverse, queries ignored, "" mo-inst through a single root', () => {
  assert.equal(mapping.toDm1xPath("urn:oma:mo:oma-fumo:1.0/apps/PkgURL"), "./FUMO/apps/PkgURL");
  assert.equal(mapping.toDm1xPath("urn:oma:mo:oma-fumo:1.0/apps/"), "./FUMO/apps");
  assert.equal(mapping.toDm1xPath("urn:oma:mo:oma-dm-devinfo:1.2//Ext/a%20b%3F"), "./DevInfo/Ext/a b?");
  assert.equal(mapping.toDm1xPath("urn:oma:mo:oma-dm-devinfo:1.2//DevId?cv=abc"), "./DevInfo/DevId");
  assert.equal(mapping.toDm1xPath("urn:oma:mo:oma-scomo:1.0//Download"), "./SCOMO/Download"); // one SCOMO root
  assert.equal(mapping.toDm1xPath("urn:oma:mo:oma-fumo:1.0//PkgURL"), undefined); // two FUMO roots: ambiguous
  assert.equal(mapping.toDm1xPath("urn:oma:mo:oma-dm-devinfo:1.2//a%2Fb"), undefined); // "/" inside a 1.x name
});

test("table entries with an invalid MOID or MIID are ignored", () => {
  const m = createDm1xPathMapping([
    { rootPath: "./A", moid: "not-a-moid", miid: "x" },
    { rootPath: "./B", moid: "urn:oma:mo:b:1.0", miid: "bad/miid" },
  ]);
  assert.equal(m.toClientUri("./A/x"), undefined);
  assert.equal(m.toClientUri("./B/x"), undefined);
});

test("splitDm1xPath", () => {
  assert.deepEqual(splitDm1xPath("./A/B"), ["A", "B"]);
  assert.deepEqual(splitDm1xPath("A/B/"), ["A", "B"]);
  assert.deepEqual(splitDm1xPath("."), []);
  assert.equal(splitDm1xPath("/A"), undefined);
  assert.equal(splitDm1xPath("./A/./B"), undefined);
});

const namePart = fc
  .stringMatching(/^[A-Za-z0-9 ?#%&()*._-]{1,6}$/)
  .filter((s) => s !== "*" && !/^\([A-Za-z]\)$/.test(s) && s !== "." && s !== "..");

test("property: toDm1xPath(toClientUri(p)) = p for paths under a mapped root", () => {
  fc.assert(
    fc.property(
      fc.constantFrom("./FUMO/apps", "./FUMO/rootfs", "./DevInfo", "./SCOMO"),
      fc.array(namePart, { maxLength: 4 }),
      (root, rest) => {
        const path = [root, ...rest].join("/");
        const uri = mapping.toClientUri(path);
        assert.ok(uri !== undefined, path);
        assert.equal(mapping.toDm1xPath(uri), path);
      },
    ),
    { numRuns: 300 },
  );
});

test("XML: invalid documents are DM1X_ALERT errors", () => {
  const cases: [string, RegExp][] = [
    ["", /invalid XML/],
    ["not xml", /invalid XML/],
    ["<Alert><CmdID>1<CmdID></Alert>", /invalid XML/],
    ["<Alert><CmdID>1</CmdID></Alert><Alert/>", /invalid XML|exactly one root/],
    ["<Status><CmdID>1</CmdID></Status>", /one root element, <Alert>/],
    ["<Alert/>", /must contain/],
    ["<Alert>text</Alert>", /must contain/],
    ["<Alert><Data>1226</Data></Alert>", /<CmdID> is required/],
    ["<Alert><CmdID>1</CmdID></Alert>", /<Data> is required/],
    ["<Alert><CmdID>1</CmdID><Data>x</Data></Alert>", /not a number/],
    ["<Alert><CmdID>1</CmdID><CmdID>2</CmdID><Data>1226</Data></Alert>", /single element/],
    ["<Alert><CmdID><X>1</X></CmdID><Data>1226</Data></Alert>", /single element/],
    ["<Alert><CmdID>1</CmdID><Data>1226</Data><Item>text</Item></Alert>", /<Item> must contain elements/],
    ["<Alert><CmdID>1</CmdID><Data>1226</Data><Item><Source>x</Source></Item></Alert>", /must contain <LocURI>/],
    ["<Alert><CmdID>1</CmdID><Data>1226</Data><Item><Meta>x</Meta></Item></Alert>", /<Meta> must contain/],
    ["<Alert><CmdID>&bogus;</CmdID><Data>1226</Data></Alert>", /reference/],
    ["<Alert><CmdID>&#xD800;</CmdID><Data>1226</Data></Alert>", /reference/],
    ['<!DOCTYPE a [<!ENTITY x "y">]><Alert><CmdID>&x;</CmdID><Data>1226</Data></Alert>', /DOCTYPE/],
    ["<Alert>" + "<a>".repeat(100) + "</a>".repeat(100) + "</Alert>", /invalid XML/],
  ];
  for (const [xml, message] of cases) dm1xError(parseDm1xAlertXml(xml), message);
  dm1xError(parseDm1xAlertXml(Uint8Array.from([0x3c, 0xff, 0x3e])), /not valid UTF-8/);
  dm1xError(parseDm1xAlertXml(FUMO_ALERT_XML, { maxBytes: 100 }), /exceeds the limit of 100 bytes/);
});

test("XML: namespace prefixes, empty elements, character references and embedded XML data", () => {
  const xml =
    "<Alert><CmdID>1</CmdID><Data>1226</Data>" +
    '<Item><Meta><MetInf:Type xmlns:MetInf="syncml:metinf">t&#x41;&#66;</MetInf:Type></Meta><Data><Result code="1">ok</Result></Data></Item>' +
    "<Item/><Item><Source><LocURI/></Source><Data/></Item></Alert>";
  assert.deepEqual(value(parseDm1xAlertXml(xml)), {
    cmdId: "1",
    code: 1226,
    items: [{ type: "tAB", data: '<Result code="1">ok</Result>' }, {}, { source: "", data: "" }],
  });
});

test("XML serialization follows the SyncML element order and round-trips any text", () => {
  const alert: Dm1xAlert = {
    cmdId: "7",
    code: 1226,
    correlator: "c",
    items: [{ source: "./A", target: "./B", type: "t", format: "chr", mark: "minor", data: "d" }],
  };
  assert.equal(
    serializeDm1xAlertXml(alert),
    "<Alert><CmdID>7</CmdID><Data>1226</Data><Correlator>c</Correlator><Item><Target><LocURI>./B</LocURI></Target>" +
      '<Source><LocURI>./A</LocURI></Source><Meta><Format xmlns="syncml:metinf">chr</Format><Type xmlns="syncml:metinf">t</Type>' +
      '<Mark xmlns="syncml:metinf">minor</Mark></Meta><Data>d</Data></Item></Alert>',
  );
  const text = fc.string({ unit: "grapheme", maxLength: 20 });
  const itemArb = fc.record(
    { source: text, target: text, type: text, format: text, mark: text, data: text },
    { requiredKeys: [], noNullPrototype: true },
  );
  const alertArb = fc.record(
    {
      cmdId: text,
      code: fc.integer({ min: 0, max: 9999 }),
      correlator: text,
      items: fc.array(itemArb, { maxLength: 3 }),
    },
    { requiredKeys: ["cmdId", "code", "items"], noNullPrototype: true },
  );
  fc.assert(
    fc.property(alertArb, (a) => {
      assert.deepEqual(value(parseDm1xAlertXml(serializeDm1xAlertXml(a))), a);
    }),
    { numRuns: 300 },
  );
  // Truncating a serialization is always an error.
  fc.assert(
    fc.property(alertArb, fc.nat(), (a, n) => {
      const xml = serializeDm1xAlertXml(a);
      const r = parseDm1xAlertXml(xml.slice(0, n % xml.length));
      assert.equal(r.ok, false);
      assert.equal(r.error.code, ErrorCode.DM1X_ALERT);
    }),
    { numRuns: 300 },
  );
});
