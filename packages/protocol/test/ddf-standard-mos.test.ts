// The shipped DDFs of the standard MOs (docs/protocol.md §9) parse into the definitions the spec tables describe.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  AccessType,
  MOID_DACMO,
  MOID_DEVINFO,
  MOID_DMACC,
  MOID_FUMO,
  MOID_SESSIONINFO,
  FumoNode,
  STANDARD_DDF_FILES,
  allows,
  isDevInfoMoid,
  parseDdf,
  type MoDefinition,
  type NodeDefinition,
} from "@omadm/protocol";
import { findNodeDefinition, isInterior, isPermanent } from "../src/ddf/mo-definition.js";

/** Reads a shipped DDF the way the client does: through the package's `./ddf/*` export. */
function loadStandard(moid: string): MoDefinition {
  const file = STANDARD_DDF_FILES[moid];
  assert.ok(file !== undefined, `no shipped DDF for ${moid}`);
  const url = import.meta.resolve(`@omadm/protocol/ddf/${file}`);
  const parsed = parseDdf(readFileSync(fileURLToPath(url)));
  if (!parsed.ok) assert.fail(parsed.error.message);
  return parsed.value;
}

function at(def: MoDefinition, path: string): NodeDefinition {
  const node = findNodeDefinition(def, path === "" ? [] : path.split("/"));
  assert.ok(node !== undefined, `${def.moid}: no definition for "${path}"`);
  return node;
}

function* walk(node: NodeDefinition, path: string): Generator<[string, NodeDefinition]> {
  yield [path, node];
  for (const c of node.children) yield* walk(c, `${path}/${c.name ?? "<x>"}`);
}

test("the MOID constants match docs/protocol.md §9 and §16", () => {
  assert.equal(MOID_DEVINFO, "urn:oma:mo:oma-dm-devinfo:1.2");
  assert.equal(MOID_DMACC, "urn:oma:mo:oma-dm-dmacc:1.2");
  assert.equal(MOID_SESSIONINFO, "urn:oma:mo:oma-sessioninfomo:1.0");
  assert.equal(MOID_DACMO, "urn:oma:mo:oma-dm-dacmo:1.0");
});

test("STANDARD_DDF_FILES names one shipped file per standard MOID and each file declares that MOID", () => {
  assert.deepEqual(
    Object.keys(STANDARD_DDF_FILES).sort(),
    [MOID_DACMO, MOID_DEVINFO, MOID_DMACC, MOID_FUMO, MOID_SESSIONINFO].sort(),
  );
  for (const moid of Object.keys(STANDARD_DDF_FILES)) {
    const def = loadStandard(moid);
    assert.equal(def.moid, moid);
    assert.equal(def.verDtd, "1.2");
  }
});

test("isDevInfoMoid matches every version of the DevInfo MOID and nothing else (§9.1)", () => {
  assert.equal(isDevInfoMoid(MOID_DEVINFO), true);
  assert.equal(isDevInfoMoid("urn:oma:mo:oma-dm-devinfo:1.0"), true);
  assert.equal(isDevInfoMoid("urn:oma:mo:oma-dm-devinfo:2.0"), true);
  assert.equal(isDevInfoMoid("urn:oma:mo:oma-dm-devinfo:"), false);
  assert.equal(isDevInfoMoid("urn:oma:mo:oma-dm-devinfox:1.0"), false);
  assert.equal(isDevInfoMoid(MOID_DMACC), false);
  assert.equal(isDevInfoMoid("URN:OMA:MO:OMA-DM-DEVINFO:1.2"), false);
});

test("DevInfo: a single permanent instance named DevInfo whose nodes are all read-only (§9.1)", () => {
  const def = loadStandard(MOID_DEVINFO);
  assert.equal(def.root.name, "DevInfo");
  assert.deepEqual(def.root.occurrence, { kind: "One" });
  assert.equal(def.root.format, "node");
  const leaves = ["DevID", "Man", "Mod", "DmV", "Lang", "DevType", "OEM", "FwV", "SwV", "HwV"];
  for (const name of leaves) {
    const node = at(def, name);
    assert.equal(node.format, "chr", name);
    assert.deepEqual(node.occurrence, { kind: "One" }, name);
  }
  for (const name of ["Bearer", "Ext"]) {
    assert.equal(isInterior(at(def, name)), true, name);
    assert.deepEqual(at(def, name).occurrence, { kind: "ZeroOrOne" }, name);
  }
  assert.deepEqual(
    def.root.children.map((c) => c.name),
    ["Bearer", ...leaves, "Ext"],
  );
  for (const [path, node] of walk(def.root, "DevInfo")) {
    assert.deepEqual([...node.accessTypes], [AccessType.Get], path);
    assert.equal(isPermanent(node), true, path);
  }
});

// docs/protocol.md §9.2: [path, format, occurrence, readable ("No Get" = false)].
const DMACC: ReadonlyArray<readonly [string, string, string, boolean]> = [
  ["SrvID", "chr", "One", true],
  ["SrvURI", "chr", "One", true],
  ["Name", "chr", "One", true],
  ["Perm", "node", "One", false],
  ["Perm/<x>", "node", "OneOrMore", false],
  ["Perm/<x>/MOID", "chr", "One", false],
  ["Auth", "node", "ZeroOrOne", true],
  ["Auth/Bootstrap", "node", "ZeroOrOne", true],
  ["Auth/Bootstrap/ServerURI", "chr", "One", true],
  ["Auth/Bootstrap/SecMode", "bin", "One", true],
  ["Auth/Bootstrap/ClientPubKey", "bin", "One", false],
  ["Auth/Bootstrap/ServerPubKey", "bin", "One", false],
  ["Auth/Bootstrap/ClientSecretKey", "bin", "One", false],
  ["Auth/Noti", "node", "ZeroOrOne", true],
  ["Auth/Noti/Type", "int", "One", true],
  ["Auth/Noti/Data", "bin", "One", true],
  ["Auth/Noti/Secret", "bin", "One", true],
  ["Auth/Trsp", "node", "ZeroOrOne", true],
  ["Auth/Trsp/Data", "bin", "One", true],
  ["Auth/Trsp/Secret", "bin", "One", false],
  ["Push", "node", "ZeroOrOne", true],
  ["Push/GCM", "node", "ZeroOrOne", true],
  ["Push/GCM/SenderID", "chr", "One", true],
  ["Push/GCM/RegURI", "chr", "One", true],
  ["Push/GCM/UnRegURI", "chr", "One", true],
  ["Push/GCM/RegParams", "chr", "One", true],
  ["Push/GCM/Ext", "node", "ZeroOrOne", true],
  ["Push/Ext", "node", "ZeroOrOne", true],
  ["Ext", "node", "ZeroOrOne", true],
  // (omadm's choice) HTTP Basic/Digest credentials.
  ["Ext/HttpAuth", "node", "ZeroOrOne", true],
  ["Ext/HttpAuth/Type", "chr", "One", true],
  ["Ext/HttpAuth/Name", "chr", "One", true],
  ["Ext/HttpAuth/Secret", "bin", "One", false],
];

test("DMAcc: an unnamed, repeatable root with every node of §9.2, each with its format and occurrence", () => {
  const def = loadStandard(MOID_DMACC);
  assert.equal(def.root.name, undefined, "root is the placeholder <x>");
  assert.deepEqual(def.root.occurrence, { kind: "ZeroOrMore" });
  assert.equal(isPermanent(def.root), false);
  for (const [path, format, occurrence] of DMACC) {
    // "<x>" in the table stands for any instance name: look it up with a concrete one.
    const node = at(def, path.replace("<x>", "group1"));
    assert.equal(node.format, format, path);
    assert.equal(node.occurrence.kind, occurrence, path);
    assert.equal(node.scope, "Dynamic", path);
  }
  assert.equal(at(def, "Perm/anything").name, undefined, "Perm/<x> is a placeholder");
});

test("DMAcc: every No Get node lacks Get, every other node has it, and Perm is write-once", () => {
  const def = loadStandard(MOID_DMACC);
  for (const [path, , , readable] of DMACC) {
    const node = at(def, path.replace("<x>", "g"));
    assert.equal(allows(node, AccessType.Get), readable, `${path} Get`);
    if (!readable) assert.equal(node.accessTypes.size > 0, true, `${path} can still be provisioned`);
  }
  for (const path of ["Perm", "Perm/g", "Perm/g/MOID"]) {
    assert.deepEqual([...at(def, path).accessTypes], [AccessType.Add], path);
  }
  // The secrets can be written by the provisioning server but never read back.
  for (const path of ["Auth/Trsp/Secret", "Auth/Bootstrap/ClientSecretKey", "Ext/HttpAuth/Secret"]) {
    assert.equal(allows(at(def, path), AccessType.Replace), true, path);
  }
});

test("DMAcc: no node outside the §9.2 table, the HttpAuth proposal and the superseded seed layout", () => {
  const def = loadStandard(MOID_DMACC);
  const known = new Set(["", ...DMACC.map(([p]) => p)]);
  const seedLayout = ["Credentials", "Credentials/Noti", "Credentials/Noti/AuthSecret", "Credentials/Noti/AuthData"];
  for (const p of seedLayout) known.add(p);
  for (const [path] of walk(def.root, "")) {
    const rel = path.replace(/^\/?<x>\/?/, "").replace(/^\//, "");
    assert.ok(known.has(rel), `unexpected node ${rel}`);
  }
  // §15: the client still reads the draft change request's notification secret where an older tool wrote it.
  assert.equal(at(def, "Credentials/Noti/AuthSecret").format, "bin");
});

test("SessionInfo: CBT and ROAMING are read-only integers (§9.3)", () => {
  const def = loadStandard(MOID_SESSIONINFO);
  assert.equal(def.root.name, "SessionInfo");
  for (const name of ["CBT", "ROAMING"]) {
    const node = at(def, name);
    assert.equal(node.format, "int", name);
    assert.deepEqual([...node.accessTypes], [AccessType.Get], name);
    assert.equal(isPermanent(node), true, name);
  }
  assert.equal(def.root.children.length, 2);
});

test("Delegation Access Control MO: ACL/<x>/{Target,SrvID,Rights} (§9.4, omadm's choice)", () => {
  const def = loadStandard(MOID_DACMO);
  assert.notEqual(def.root.name, undefined, "single instance with a fixed root name");
  assert.deepEqual(def.root.occurrence, { kind: "One" });
  const entry = at(def, "ACL/e1");
  assert.equal(entry.name, undefined);
  assert.deepEqual(entry.occurrence, { kind: "ZeroOrMore" });
  assert.equal(allows(entry, AccessType.Add), true, "a Delegate holder may add entries");
  for (const name of ["Target", "SrvID", "Rights"]) {
    const node = at(def, `ACL/e1/${name}`);
    assert.equal(node.format, "chr", name);
    assert.equal(allows(node, AccessType.Get), true, name);
  }
  assert.equal(allows(at(def, "ACL"), AccessType.Add), false, "the ACL container itself is fixed");
});

test("findNodeDefinition walks named nodes before placeholders and rejects unknown or empty segments", () => {
  const def = loadStandard(MOID_DMACC);
  assert.equal(findNodeDefinition(def, []), def.root);
  assert.equal(findNodeDefinition(def, ["Auth", "Noti", "Type"])?.format, "int");
  assert.equal(findNodeDefinition(def, ["Perm", "p1", "MOID"])?.name, "MOID");
  assert.equal(findNodeDefinition(def, ["Nope"]), undefined);
  assert.equal(findNodeDefinition(def, ["Auth", "Noti", "Type", "deeper"]), undefined);
  assert.equal(findNodeDefinition(def, ["Perm", ""]), undefined);
  assert.equal(findNodeDefinition(def, ["srvid"]), undefined, "names compare case-sensitively");
});

test("the FUMO DDF: the three executable nodes, their PkgURLs writable by a server, State read-only", () => {
  const def = loadStandard(MOID_FUMO);
  assert.equal(def.root.name, undefined, "instances are named by their MIID");
  for (const op of [FumoNode.Download, FumoNode.Update, FumoNode.DownloadAndUpdate]) {
    assert.ok(allows(at(def, op), AccessType.Exec), op);
  }
  for (const leaf of ["Download/PkgURL", "DownloadAndUpdate/PkgURL", "PkgName", "PkgVersion"]) {
    assert.ok(allows(at(def, leaf), AccessType.Replace), leaf);
  }
  assert.equal(allows(at(def, FumoNode.State), AccessType.Replace), false);
});
