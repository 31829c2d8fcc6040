// Schema rules of Package#1/#2/#3, the Generic Alert and the MO serialization (docs/protocol.md §3, §7.1), with
// every example the reference gives. A violation is SCHEMA_VIOLATION naming the JSON path and the rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../src/errors.js";
import type { Result } from "../src/result.js";
import { parseGenericAlert } from "../src/packages/generic-alert.js";
import { parseMoSerialization } from "../src/packages/mo-serialization.js";
import { parsePackage1, serializePackage1 } from "../src/packages/package1.js";
import { parsePackage2, serializePackage2 } from "../src/packages/package2.js";
import { parsePackage3, serializePackage3 } from "../src/packages/package3.js";

function violation<T>(r: Result<T>, path: string, rule: RegExp): void {
  assert.equal(r.ok, false, `expected a violation at ${path}`);
  assert.equal(r.error.code, ErrorCode.SCHEMA_VIOLATION);
  assert.equal(r.error.path, path);
  assert.equal(r.error.status, 400);
  assert.match(r.error.message, rule);
  assert.ok(r.error.message.includes(path), r.error.message);
}

function value<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

// docs/protocol.md §3.1 example.
const P1_EXAMPLE = `{
  "MOS": [
    {"DDF": "https://dm.example/ddf/devinfo-1.2.ddf", "MOID": "urn:oma:mo:oma-dm-devinfo:1.2", "MIID": ["d0"]},
    {"DDF": "https://dm.example/ddf/fumo-1.0.ddf",   "MOID": "urn:oma:mo:oma-fumo:1.0",       "MIID": ["rootfs", "apps"]}
  ],
  "Alert": [
    {"AlertType": "urn:oma:at:dm:2.0:ServerInitiatedMgmt", "DataType": "int", "Data": {"NOTIFICATION-ID": 4660}}
  ]
}`;

// docs/protocol.md §3.2 example.
const P2_EXAMPLE = `{"CMD": [
  ["CONT",  "https://dm.example/dm20/s/7f3a"],
  ["HPOST", "https://dm.example/repo/IMEI:493005100592800", "urn:oma:mo:oma-dm-devinfo:1.2//", "urn:oma:mo:oma-sessioninfomo:1.0//"],
  ["HGET",  "https://dm.example/repo/new-fumo"],
  ["GET",   "urn:oma:mo:oma-sessioninfomo:1.0//CBT"]
]}`;

// docs/protocol.md §3.3 example.
const P3_EXAMPLE = `{
  "Status": [
    {"sc": 200},
    {"sc": 200},
    {"sc": 200, "URI": ["urn:oma:mo:oma-fumo:1.0/apps2/"]},
    {"sc": 200, "URI": ["urn:oma:mo:oma-sessioninfomo:1.0/s0/CBT"],
     "Data": [{"ClientURI": "urn:oma:mo:oma-sessioninfomo:1.0/s0/CBT", "MOData": {"CBT": "2"}}]}
  ],
  "Alert": [
    {"AlertType": "urn:oma:at:fumo:1.0:DownloadAndUpdate",
     "SourceURI": "urn:oma:mo:oma-fumo:1.0/rootfs/DownloadAndUpdate",
     "Mark": "informational", "DataType": "application/json", "Data": {"sc": 200}}
  ]
}`;

test("the §3.1 Package#1 example parses to exactly its content", () => {
  assert.deepEqual(value(parsePackage1(P1_EXAMPLE)), JSON.parse(P1_EXAMPLE));
});

test("the §3.2 Package#2 example parses, commands in order", () => {
  const p2 = value(parsePackage2(P2_EXAMPLE));
  assert.deepEqual(
    p2.CMD.map((c) => c[0]),
    ["CONT", "HPOST", "HGET", "GET"],
  );
  assert.deepEqual(p2, JSON.parse(P2_EXAMPLE));
});

test("the §3.3 Package#3 example parses, GET data included", () => {
  const p3 = value(parsePackage3(P3_EXAMPLE));
  assert.deepEqual(p3, JSON.parse(P3_EXAMPLE));
  assert.deepEqual(p3.Status[3]?.Data?.[0]?.MOData, { CBT: "2" });
});

test("the examples survive serialize → parse unchanged", () => {
  const p1 = value(parsePackage1(P1_EXAMPLE));
  assert.deepEqual(value(parsePackage1(serializePackage1(p1))), p1);
  const p2 = value(parsePackage2(P2_EXAMPLE));
  assert.deepEqual(value(parsePackage2(serializePackage2(p2))), p2);
  const p3 = value(parsePackage3(P3_EXAMPLE));
  assert.deepEqual(value(parsePackage3(serializePackage3(p3))), p3);
});

test("unknown keys are ignored and dropped (another client's MgmtTree, future fields) at every level", () => {
  const p1 = value(
    parsePackage1('{"MgmtTree":{"a":1},"MOS":[{"MIID":["x"],"Extra":true}],"Alert":[{"AlertType":"t","Note":1}]}'),
  );
  assert.deepEqual(p1, { MOS: [{ MIID: ["x"] }], Alert: [{ AlertType: "t" }] });
  assert.deepEqual(value(parsePackage2('{"CMD":[["END"]],"Version":"2.0"}')), { CMD: [["END"]] });
  assert.deepEqual(value(parsePackage3('{"Status":[{"sc":200,"Reason":"ok"}],"Session":1}')), {
    Status: [{ sc: 200 }],
  });
  assert.deepEqual(value(parseMoSerialization('[{"ClientURI":"u","MOData":{},"Weird":1}]')), [
    { ClientURI: "u", MOData: {} },
  ]);
});

test("an empty Package#1 is valid (both arrays are optional in the schema)", () => {
  assert.deepEqual(value(parsePackage1("{}")), {});
});

test("Package#1 rules", () => {
  violation(parsePackage1("[]"), "$", /must be an object/);
  violation(parsePackage1('{"MOS":{}}'), "$.MOS", /must be an array/);
  violation(parsePackage1('{"MOS":[{"MOID":"urn:oma:mo:x:1.0"}]}'), "$.MOS[0].MIID", /MIID is required/);
  violation(parsePackage1('{"MOS":[{"MIID":"d0"}]}'), "$.MOS[0].MIID", /must be an array/);
  violation(parsePackage1('{"MOS":[{"MIID":["d0",7]}]}'), "$.MOS[0].MIID[1]", /must be a string/);
  violation(parsePackage1('{"MOS":[{"MIID":[""]}]}'), "$.MOS[0].MIID[0]", /must not be empty/);
  violation(parsePackage1('{"MOS":[{"MIID":[],"MOID":""}]}'), "$.MOS[0].MOID", /must not be empty/);
  violation(parsePackage1('{"MOS":[{"MIID":[],"DDF":1}]}'), "$.MOS[0].DDF", /must be a string/);
  violation(parsePackage1('{"Alert":{}}'), "$.Alert", /must be an array/);
  violation(parsePackage1('{"Alert":[{"AlertType":"t"},{}]}'), "$.Alert[1].AlertType", /AlertType is required/);
});

test("Package#2 rules: CMD required, non-empty, arrays of strings", () => {
  violation(parsePackage2("{}"), "$.CMD", /CMD is required/);
  violation(parsePackage2('{"CMD":[]}'), "$.CMD", /must not be empty/);
  violation(parsePackage2('{"CMD":"END"}'), "$.CMD", /must be an array/);
  violation(parsePackage2('{"CMD":[["END"],"GET"]}'), "$.CMD[1]", /must be an array/);
  violation(parsePackage2('{"CMD":[["END"],["GET",null]]}'), "$.CMD[1][1]", /must be a string/);
  violation(parsePackage2("null"), "$", /must be an object/);
  // A malformed item (empty, unknown name, wrong count) is not a package error: validateCommand gives it 400/501.
  assert.deepEqual(value(parsePackage2('{"CMD":[[],["FOO"],["GET"]]}')).CMD, [[], ["FOO"], ["GET"]]);
});

test("Package#3 rules: Status required, sc an integer status code, URI strings", () => {
  violation(parsePackage3("{}"), "$.Status", /Status is required/);
  violation(parsePackage3('{"Status":{}}'), "$.Status", /must be an array/);
  violation(parsePackage3('{"Status":[{"sc":200},{"sc":200},{"sc":2.5}]}'), "$.Status[2].sc", /must be an integer/);
  violation(parsePackage3('{"Status":[{"sc":"200"}]}'), "$.Status[0].sc", /must be an integer/);
  violation(parsePackage3('{"Status":[{"URI":[]}]}'), "$.Status[0].sc", /sc is required/);
  violation(parsePackage3('{"Status":[{"sc":99}]}'), "$.Status[0].sc", /must be >= 100/);
  violation(parsePackage3('{"Status":[{"sc":1000}]}'), "$.Status[0].sc", /must be <= 999/);
  violation(parsePackage3('{"Status":[{"sc":200,"URI":"u"}]}'), "$.Status[0].URI", /must be an array/);
  violation(parsePackage3('{"Status":[{"sc":200,"URI":["u",1]}]}'), "$.Status[0].URI[1]", /must be a string/);
  violation(parsePackage3('{"Status":[],"Alert":[{"AlertType":1}]}'), "$.Alert[0].AlertType", /must be a string/);
  assert.deepEqual(value(parsePackage3('{"Status":[]}')), { Status: [] });
});

test("Package#3 GET data: MOData and MOS are accepted as aliases of Data, a single item as an array", () => {
  const item = { ClientURI: "urn:oma:mo:oma-sessioninfomo:1.0/s0/CBT", MOData: { CBT: "2" } };
  for (const key of ["Data", "MOData", "MOS"]) {
    for (const data of [[item], item]) {
      const p3 = value(parsePackage3(JSON.stringify({ Status: [{ sc: 200, [key]: data }] })));
      assert.deepEqual(p3, { Status: [{ sc: 200, Data: [item] }] }, `${key} ${JSON.stringify(data)}`);
    }
  }
  // Data wins over the aliases when several are present.
  const both = value(parsePackage3(JSON.stringify({ Status: [{ sc: 200, MOS: [], Data: [item] }] })));
  assert.deepEqual(both.Status[0]?.Data, [item]);
});

test("Package#3 GET data is checked as an MO serialization, with the path of the key used", () => {
  violation(
    parsePackage3('{"Status":[{"sc":200},{"sc":200,"MOData":[{"ClientURI":"u"}]}]}'),
    "$.Status[1].MOData[0].MOData",
    /MOData is required/,
  );
  violation(parsePackage3('{"Status":[{"sc":200,"Data":{"MOData":{}}}]}'), "$.Status[0].Data.ClientURI", /required/);
  violation(parsePackage3('{"Status":[{"sc":200,"MOS":"x"}]}'), "$.Status[0].MOS", /must be an object/);
});

test("Generic Alert rules (docs/protocol.md §3.4)", () => {
  assert.deepEqual(value(parseGenericAlert('{"AlertType":"urn:oma:at:dm:2.0:ClientInitiatedMgmt"}')), {
    AlertType: "urn:oma:at:dm:2.0:ClientInitiatedMgmt",
  });
  violation(parseGenericAlert("{}"), "$.AlertType", /AlertType is required/);
  violation(parseGenericAlert('{"AlertType":""}'), "$.AlertType", /must not be empty/);
  violation(parseGenericAlert('{"AlertType":"t","SourceURI":5}'), "$.SourceURI", /must be a string/);
  violation(parseGenericAlert('{"AlertType":"t","TargetURI":[]}'), "$.TargetURI", /must be a string/);
  violation(parseGenericAlert('{"AlertType":"t","Mark":"urgent"}'), "$.Mark", /must be one of "fatal", "critical"/);
  violation(parseGenericAlert('{"AlertType":"t","Mark":"Critical"}'), "$.Mark", /must be one of/);
  // DataType MUST be present whenever Data is (docs/protocol.md §3.4) — whatever the Data, null included.
  for (const data of ["{}", "null", "0", '"x"', "[]"]) {
    violation(parseGenericAlert(`{"AlertType":"t","Data":${data}}`), "$.DataType", /required when Data is present/);
  }
  violation(parseGenericAlert('{"AlertType":"t","DataType":"","Data":1}'), "$.DataType", /must not be empty/);
  // DataType alone is allowed (the rule is one-way).
  assert.ok(parseGenericAlert('{"AlertType":"t","DataType":"int"}').ok);
});

test("every one of the seven marks is accepted", () => {
  for (const mark of ["fatal", "critical", "minor", "warning", "informational", "harmless", "indeterminate"]) {
    assert.equal(value(parseGenericAlert(JSON.stringify({ AlertType: "t", Mark: mark }))).Mark, mark);
  }
});

test("Generic Alert Data may be any JSON value and is carried unchanged", () => {
  for (const data of [{ DM1x: "<x/>" }, [1, "a"], "text", 42, true, null, { nested: { deep: [1, { a: null }] } }]) {
    const alert = { AlertType: "t", DataType: "application/json", Data: data };
    assert.deepEqual(value(parseGenericAlert(JSON.stringify(alert))), alert);
  }
});

test("MO serialization rules (§7.1): an array of {DDF?, ClientURI, CV?, MOData}", () => {
  const devinfo = {
    ClientURI: "urn:oma:mo:oma-dm-devinfo:1.2//",
    CV: "a1b2",
    MOData: { DevInfo: { DevID: "IMEI:493005100592800", Man: "Acme" } },
  };
  assert.deepEqual(value(parseMoSerialization(JSON.stringify([devinfo]))), [devinfo]);
  // Grandma's test server: a single object, and a leaf nested under the MO root name.
  const single = { ClientURI: "urn:oma:mo:oma-fumo:1.0/apps/DownloadAndUpdate/PkgURL", MOData: { fumo: { x: 1 } } };
  assert.deepEqual(value(parseMoSerialization(JSON.stringify(single))), [single]);
  assert.deepEqual(value(parseMoSerialization("[]")), []);
  violation(parseMoSerialization('[{"MOData":{}}]'), "$[0].ClientURI", /ClientURI is required/);
  violation(parseMoSerialization('{"MOData":{}}'), "$.ClientURI", /ClientURI is required/);
  violation(parseMoSerialization('[{"ClientURI":"","MOData":{}}]'), "$[0].ClientURI", /must not be empty/);
  violation(parseMoSerialization('[{"ClientURI":"u"}]'), "$[0].MOData", /MOData is required/);
  violation(parseMoSerialization('[{"ClientURI":"u","MOData":[]}]'), "$[0].MOData", /must be an object/);
  violation(parseMoSerialization('[{"ClientURI":"u","MOData":"x"}]'), "$[0].MOData", /must be an object/);
  violation(parseMoSerialization('[{"ClientURI":"u","MOData":{},"CV":1}]'), "$[0].CV", /must be a string/);
  violation(parseMoSerialization('[{"ClientURI":"u","MOData":{},"DDF":{}}]'), "$[0].DDF", /must be a string/);
  violation(parseMoSerialization("[1]"), "$[0]", /must be an object/);
  violation(parseMoSerialization('"x"'), "$", /must be an object/);
});

test("paths quote member names that are not identifiers", () => {
  violation(
    parseGenericAlert('{"AlertType":"t","DataType":"x","Data":1,"Mark":"no"}'),
    "$.Mark",
    /^Mark must be one of/,
  );
  // Unknown keys never produce violations, whatever their names.
  assert.ok(parsePackage3('{"Status":[{"sc":200,"a b":1,"__proto__":{"sc":"x"}}]}').ok);
});
