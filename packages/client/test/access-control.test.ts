// Delegated access control (docs/protocol.md §10 and omadm's checks there; our No-Get and §11.3 decisions):
// Perm-provisioned MOIDs, per-instance rights with exclusive creator rights, grants, 403/405, MOS filtering.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, MOID_DEVINFO, MOID_DMACC, MOID_SESSIONINFO } from "@omadm/protocol";
import { createAccessControl, type AccessControl } from "../src/access/access-control.js";
import { LOCAL, serverActor } from "../src/tree/actor.js";
import { createDevInfo } from "../src/tree/devinfo.js";
import { createDmAccount } from "../src/tree/dmacc.js";
import { createDmTree, type DmTree } from "../src/tree/dm-tree.js";
import { createMoRegistry } from "../src/tree/mo-registry.js";
import { defineMo } from "../src/tree/define.js";
import { readShippedDdf } from "../src/tree/shipped-ddf.js";
import { registerStandardMos } from "../src/tree/standard-ddf.js";
import { setSessionInfo } from "../src/tree/sessioninfo.js";
import { SENSOR, errorOf, must, sensorRoot } from "./tree-fixtures.js";

const A = serverActor("srvA");
const B = serverActor("srvB");
const PERM = { p: { MOID: "urn:oma:mo:x:1.0" } };

interface World {
  tree: DmTree;
  acl: AccessControl;
}

function world(localInstances?: "permitted-servers" | "none"): World {
  const registry = createMoRegistry();
  must(registerStandardMos(registry, readShippedDdf));
  must(registry.register(defineMo(SENSOR, sensorRoot()), { ddfUrl: "https://ddf.example/sensor.ddf" }));
  const tree = createDmTree({ registry });
  must(
    createDevInfo(tree, {
      devId: "IMEI:1",
      man: "m",
      mod: "m",
      lang: "en",
      devType: "t",
      oem: "o",
      fwV: "1",
      swV: "1",
      hwV: "1",
    }),
  );
  must(setSessionInfo(tree, { cbt: 2, roaming: 0 }));
  // srvA provisioned DevInfo under its 1.0 MOID (§9.1: any DevInfo version matches).
  must(
    createDmAccount(tree, {
      srvId: "srvA",
      srvUri: "https://a.example/",
      name: "A",
      permittedMoids: ["urn:oma:mo:oma-dm-devinfo:1.0", SENSOR, MOID_DMACC],
      miid: "accA",
    }),
  );
  must(
    createDmAccount(tree, {
      srvId: "srvB",
      srvUri: "https://b.example/",
      name: "B",
      permittedMoids: [SENSOR, MOID_DMACC],
      miid: "accB",
    }),
  );
  must(tree.addInstance(SENSOR, { actor: A, miid: "a1", moData: { r: { ID: "GPS", Perm: PERM } } }));
  must(tree.addInstance(SENSOR, { actor: LOCAL, miid: "dev", moData: { r: { ID: "local" } } }));
  return { tree, acl: createAccessControl({ tree }, localInstances === undefined ? {} : { localInstances }) };
}

const target = (moid: string, miid: string | undefined, ...path: string[]) => ({
  moid,
  ...(miid === undefined ? {} : { miid }),
  path,
});

test("a MOID not provisioned for the server is 403 and hidden from its MOS (§10 rules 1 and 7)", () => {
  const { acl } = world();
  assert.equal(acl.checkAccess("srvB", "GET", MOID_DEVINFO, "devinfo", undefined), 403);
  const e = errorOf(acl.checkTarget("srvB", "GET", target(MOID_DEVINFO, "devinfo", "DevID")));
  assert.equal(e.code, ErrorCode.ACCESS_DENIED);
  assert.match(e.message, /not provisioned/);
  assert.deepEqual(
    acl.mosFor("srvB").map((m) => m.MOID),
    [MOID_DMACC, SENSOR],
  );
  assert.equal(acl.checkAccess("nobody", "GET", SENSOR, "a1", undefined), 403);
  assert.deepEqual(acl.mosFor("nobody"), []);
  assert.equal(acl.isProvisioned("srvA", MOID_DEVINFO), true);
  assert.equal(acl.isProvisioned("srvA", MOID_SESSIONINFO), false);
});

test("the creator has exclusive full rights; device instances go to every provisioned server (§10 rules 2 and 6)", () => {
  const { acl } = world();
  assert.deepEqual([...acl.rights("srvA", SENSOR, "a1")].sort(), ["Delegate", "Exec", "Read", "Write"]);
  assert.equal(acl.rights("srvB", SENSOR, "a1").size, 0);
  assert.equal(errorOf(acl.checkTarget("srvB", "GET", target(SENSOR, "a1", "ID"))).status, 403);
  assert.equal(acl.checkAccess("srvA", "GET", SENSOR, "a1", undefined), 200);
  assert.equal(acl.rights("srvB", SENSOR, "dev").size, 4);
  assert.deepEqual(
    acl.mosFor("srvB").find((m) => m.MOID === SENSOR),
    { DDF: "https://ddf.example/sensor.ddf", MOID: SENSOR, MIID: ["dev"] },
  );
  assert.deepEqual(acl.mosFor("srvA").find((m) => m.MOID === SENSOR)?.MIID, ["a1", "dev"]);
  const strict = world("none").acl;
  assert.equal(strict.rights("srvB", SENSOR, "dev").size, 0);
  assert.deepEqual(strict.mosFor("srvA").find((m) => m.MOID === SENSOR)?.MIID, ["a1"]);
});

test("a server creating an instance needs only the provisioned MOID; HGET on an instance needs Write", () => {
  const { acl } = world();
  assert.equal(acl.checkTarget("srvB", "HGET", target(SENSOR, undefined)).ok, true);
  assert.equal(acl.checkTarget("srvB", "HGET", target(SENSOR, "new-miid")).ok, true);
  assert.equal(errorOf(acl.checkTarget("srvB", "HGET", target(SENSOR, "a1", "Setting"))).status, 403);
  assert.equal(errorOf(acl.checkTarget("srvB", "DELETE", target(SENSOR, "a1"))).status, 403);
  assert.equal(acl.checkTarget("srvA", "HGET", target(SENSOR, "a1", "Setting")).ok, true);
});

test("grants: the device or a Delegate holder grants; others get 403; deleting the instance drops grants", () => {
  const { tree, acl } = world();
  let changes = 0;
  acl.onChange(() => changes++);
  must(acl.grant(LOCAL, { moid: SENSOR, miid: "a1", srvId: "srvB", rights: ["Read"] }));
  assert.equal(acl.checkAccess("srvB", "GET", SENSOR, "a1", undefined), 200);
  assert.equal(acl.checkAccess("srvB", "HGET", SENSOR, "a1", undefined), 403);
  assert.deepEqual(acl.mosFor("srvB").find((m) => m.MOID === SENSOR)?.MIID, ["a1", "dev"]);
  must(acl.grant(A, { moid: SENSOR, miid: "a1", srvId: "srvB", rights: ["Write"] }));
  assert.equal(acl.checkAccess("srvB", "HGET", SENSOR, "a1", undefined), 200);
  const noDelegate = errorOf(acl.grant(B, { moid: SENSOR, miid: "a1", srvId: "srvC", rights: ["Read"] }));
  assert.equal(noDelegate.code, ErrorCode.ACCESS_DENIED);
  must(acl.revoke(A, { moid: SENSOR, miid: "a1", srvId: "srvB", rights: ["Write"] }));
  assert.equal(acl.checkAccess("srvB", "HGET", SENSOR, "a1", undefined), 403);
  assert.equal(
    errorOf(acl.grant(LOCAL, { moid: SENSOR, miid: "nope", srvId: "srvB", rights: ["Read"] })).code,
    ErrorCode.TREE_NOT_FOUND,
  );
  assert.equal(changes, 3);
  must(tree.delete(SENSOR, "a1", [], A));
  must(tree.addInstance(SENSOR, { actor: A, miid: "a1", moData: { r: { ID: "again", Perm: PERM } } }));
  assert.equal(acl.rights("srvB", SENSOR, "a1").size, 0, "a new instance with the old MIID inherits no grant");
});

test("the DDF AccessType is checked after the rights: 405 (§10, omadm's choice)", () => {
  const { acl, tree } = world();
  const devId = tree.node(MOID_DEVINFO, "devinfo", ["DevID"])?.definition;
  assert.equal(acl.checkAccess("srvA", "GET", MOID_DEVINFO, "devinfo", devId), 200);
  assert.equal(acl.checkAccess("srvA", "HGET", MOID_DEVINFO, "devinfo", devId), 405);
  assert.equal(acl.checkAccess("srvA", "DELETE", MOID_DEVINFO, "devinfo", devId), 405);
  assert.equal(acl.checkAccess("srvA", "EXEC", SENSOR, "a1", tree.node(SENSOR, "a1", ["ID"])?.definition), 405);
  const e = errorOf(acl.checkTarget("srvA", "HGET", target(MOID_DEVINFO, "devinfo", "FwV")));
  assert.equal(e.code, ErrorCode.TREE_NOT_ALLOWED);
  assert.equal(e.status, 405);
  assert.equal(
    acl.checkTarget("srvA", "HGET", target(SENSOR, "a1", "Data", "7", "Value")).ok,
    true,
    "a node that does not exist yet is checked by its MO definition",
  );
});

test("No-Get nodes are never readable: the node or anything below it is 403 (our §10 decision)", () => {
  const { acl, tree } = world();
  must(tree.setValue(SENSOR, "a1", ["Secret"], new Uint8Array([1])));
  for (const command of ["GET", "HPUT", "HPOST", "SUB"] as const) {
    assert.equal(errorOf(acl.checkTarget("srvA", command, target(SENSOR, "a1", "Secret"))).status, 403);
    assert.equal(errorOf(acl.checkTarget("srvA", command, target(MOID_DMACC, "accA", "Perm"))).status, 403);
    assert.equal(errorOf(acl.checkTarget("srvA", command, target(SENSOR, "a1", "Perm", "p", "MOID"))).status, 403);
  }
  assert.equal(
    acl.checkTarget("srvA", "GET", target(SENSOR, "a1")).ok,
    true,
    "the instance root is readable (secrets are left out)",
  );
  assert.equal(
    acl.checkTarget("srvA", "HGET", target(SENSOR, "a1", "Secret")).ok,
    true,
    "a No-Get secret may still be written",
  );
});

test("DMAcc: a server manages its own account but not another's; SrvID and Auth/Bootstrap belong to the creator (§11.3)", () => {
  const { acl, tree } = world();
  assert.equal(acl.checkTarget("srvA", "GET", target(MOID_DMACC, "accA", "SrvURI")).ok, true);
  assert.equal(acl.checkTarget("srvA", "HGET", target(MOID_DMACC, "accA", "SrvURI")).ok, true);
  assert.equal(errorOf(acl.checkTarget("srvB", "GET", target(MOID_DMACC, "accA", "SrvURI"))).status, 403);
  assert.deepEqual(acl.mosFor("srvA").find((m) => m.MOID === MOID_DMACC)?.MIID, ["accA"]);
  assert.equal(errorOf(acl.checkTarget("srvA", "HGET", target(MOID_DMACC, "accA", "SrvID"))).status, 403);
  assert.equal(errorOf(acl.checkTarget("srvA", "HGET", target(MOID_DMACC, "accA"))).status, 403);
  assert.equal(errorOf(acl.checkTarget("srvA", "DELETE", target(MOID_DMACC, "accA"))).status, 403);
  assert.equal(acl.checkTarget("srvA", "HGET", target(MOID_DMACC, "accA", "Auth")).ok, true, "no bootstrap keys yet");
  // An account bootstrapped by srvB for server "srvD": srvB keeps control of the keys.
  const account = {
    SrvID: "srvD",
    SrvURI: "https://d.example/",
    Name: "D",
    Perm: { a: { MOID: MOID_DMACC } },
    Auth: {
      Bootstrap: {
        ServerURI: "https://bs/",
        SecMode: "AA==",
        ClientPubKey: "AQ==",
        ServerPubKey: "Ag==",
        ClientSecretKey: "Aw==",
      },
    },
  };
  must(tree.addInstance(MOID_DMACC, { actor: B, miid: "accD", moData: { x: account } }));
  assert.equal(acl.checkTarget("srvD", "HGET", target(MOID_DMACC, "accD", "Name")).ok, true);
  assert.equal(errorOf(acl.checkTarget("srvD", "HGET", target(MOID_DMACC, "accD", "Auth"))).status, 403);
  assert.equal(
    errorOf(acl.checkTarget("srvD", "HGET", target(MOID_DMACC, "accD", "Auth", "Bootstrap", "ServerURI"))).status,
    403,
  );
  assert.equal(acl.checkTarget("srvB", "HGET", target(MOID_DMACC, "accD", "Auth", "Bootstrap", "ServerURI")).ok, true);
});

test("Perm changes are followed: a newly bootstrapped account is provisioned at once", () => {
  const { acl, tree } = world();
  assert.equal(acl.isProvisioned("srvE", SENSOR), false);
  must(createDmAccount(tree, { srvId: "srvE", srvUri: "https://e.example/", name: "E", permittedMoids: [SENSOR] }));
  assert.equal(acl.isProvisioned("srvE", SENSOR), true);
  assert.deepEqual([...acl.permittedMoids("srvE")], [SENSOR]);
});

test("grants survive snapshot/restore; a snapshot with an unknown right is rejected", () => {
  const { acl, tree } = world();
  must(acl.grant(LOCAL, { moid: SENSOR, miid: "a1", srvId: "srvB", rights: ["Read", "Exec"] }));
  const snap = JSON.parse(JSON.stringify(acl.snapshot())) as ReturnType<AccessControl["snapshot"]>;
  const again = createAccessControl({ tree });
  must(again.restore(snap));
  assert.deepEqual([...again.rights("srvB", SENSOR, "a1")].sort(), ["Exec", "Read"]);
  const bad = { grants: [{ moid: SENSOR, miid: "a1", srvId: "srvB", rights: ["Root"] }] } as unknown as ReturnType<
    AccessControl["snapshot"]
  >;
  assert.equal(errorOf(again.restore(bad)).code, ErrorCode.STATE_CORRUPT);
  assert.deepEqual([...again.rights("srvB", SENSOR, "a1")].sort(), ["Exec", "Read"]);
  again.dispose();
});
