// The standard MOs (docs/protocol.md §9) over the DDFs shipped with @omadm/protocol: DevInfo, DMAcc (with the §15
// the draft's alias), SessionInfo; MO serialization round trips through the protocol's codec.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ErrorCode,
  MOID_DEVINFO,
  MOID_DMACC,
  MOID_SESSIONINFO,
  concreteClientUri,
  parseClientUri,
  parseMoSerialization,
  resolveClientUri,
  serializeMoSerialization,
} from "@omadm/protocol";
import { ALL_STANDARD_MOIDS, registerStandardMos } from "../src/tree/standard-ddf.js";
import { ChangeKind } from "../src/tree/change-events.js";
import { LOCAL, serverActor } from "../src/tree/actor.js";
import { createDevInfo, readDevId } from "../src/tree/devinfo.js";
import { createDmAccount, findAccount, readAccounts } from "../src/tree/dmacc.js";
import { createDmTree, type DmTree } from "../src/tree/dm-tree.js";
import { createMoRegistry } from "../src/tree/mo-registry.js";
import { readShippedDdf } from "../src/tree/shipped-ddf.js";
import { readableByServer } from "../src/tree/subtree-encoder.js";
import { setSessionInfo } from "../src/tree/sessioninfo.js";
import { expectError, must } from "./tree-fixtures.js";

const BS = serverActor("bootstrap");
const DEVINFO = {
  devId: "IMEI:493005100592800",
  man: "Acme",
  mod: "GW-1",
  lang: "en",
  devType: "gateway",
  oem: "Acme OEM",
  fwV: "1.0.0",
  swV: "2.3",
  hwV: "rev B",
};

function standardTree(): DmTree {
  const registry = createMoRegistry();
  must(
    registerStandardMos(registry, readShippedDdf, {
      moids: ALL_STANDARD_MOIDS,
      ddfUrls: { [MOID_DEVINFO]: "https://ddf.example/devinfo.ddf" },
    }),
  );
  return createDmTree({ registry });
}

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

test("the shipped DDFs register; DevInfo is created locally, is single and Get-only for servers", () => {
  const tree = standardTree();
  assert.deepEqual(tree.registry.moids(), ALL_STANDARD_MOIDS);
  assert.equal(tree.registry.ddfUrl(MOID_DEVINFO), "https://ddf.example/devinfo.ddf");
  const miid = must(createDevInfo(tree, DEVINFO)).miid;
  assert.equal(readDevId(tree), "IMEI:493005100592800");
  assert.deepEqual(must(tree.read(MOID_DEVINFO, miid, [])), {
    DevInfo: {
      DevID: DEVINFO.devId,
      Man: "Acme",
      Mod: "GW-1",
      DmV: "2.0",
      Lang: "en",
      DevType: "gateway",
      OEM: "Acme OEM",
      FwV: "1.0.0",
      SwV: "2.3",
      HwV: "rev B",
    },
  });
  expectError(tree.replace(MOID_DEVINFO, miid, ["FwV"], { FwV: "9" }, BS), ErrorCode.TREE_NOT_ALLOWED, 405);
  expectError(tree.delete(MOID_DEVINFO, miid, [], BS), ErrorCode.TREE_NOT_ALLOWED, 405);
  expectError(
    tree.addInstance(MOID_DEVINFO, { actor: LOCAL, moData: { DevInfo: {} } }),
    ErrorCode.TREE_NOT_ALLOWED,
    405,
  );
  // Calling it again (next start, new firmware) updates the one instance.
  assert.equal(must(createDevInfo(tree, { ...DEVINFO, fwV: "1.0.1" })).miid, miid);
  assert.equal(tree.getValue(MOID_DEVINFO, miid, ["FwV"]), "1.0.1");
  assert.equal(tree.instances(MOID_DEVINFO).length, 1);
  // §6.1: the single instance is addressed with mo-inst "".
  const [root] = must(resolveClientUri(must(parseClientUri(`${MOID_DEVINFO}//`)), tree));
  assert.equal(root?.miid, miid);
});

test("DevInfo round-trips through the MO serialization codec (§7.1)", () => {
  const tree = standardTree();
  const miid = must(createDevInfo(tree, { ...DEVINFO, ext: { acme: { uptime: 42 } } })).miid;
  const item = {
    ClientURI: concreteClientUri(MOID_DEVINFO, miid, []),
    CV: tree.validator(MOID_DEVINFO, miid) ?? "",
    MOData: must(tree.read(MOID_DEVINFO, miid, [])),
  };
  const text = serializeMoSerialization([item]);
  const [back] = must(parseMoSerialization(text));
  assert.ok(back);
  const copy = standardTree();
  must(copy.addInstance(MOID_DEVINFO, { actor: LOCAL, miid, moData: back.MOData }));
  assert.deepEqual(must(copy.read(MOID_DEVINFO, miid, [])), item.MOData);
  assert.equal(copy.getValue(MOID_DEVINFO, miid, ["Ext", "acme", "uptime"]), 42);
});

test("DM accounts: typed reader over every credential group; secrets never serialized for a server", () => {
  const tree = standardTree();
  const miid = must(
    createDmAccount(tree, {
      srvId: "srvA",
      srvUri: "https://dm.example/dm20",
      name: "Example DM",
      permittedMoids: [MOID_DEVINFO, "urn:oma:mo:oma-fumo:1.0"],
      noti: { type: 1, secret: bytes(1, 2, 3), data: bytes(9) },
      trsp: { data: bytes(0x30, 0x82), secret: bytes(0x30, 0x81) },
      httpAuth: { type: "BASIC", name: "dev1", secret: new TextEncoder().encode("pw") },
      bootstrap: {
        serverUri: "https://bs.example/",
        secMode: 0,
        clientPubKey: bytes(1),
        serverPubKey: bytes(2),
        clientSecretKey: bytes(3),
      },
    }),
  ).miid;
  const [acc] = readAccounts(tree);
  assert.ok(acc);
  assert.equal(acc.miid, miid);
  assert.equal(acc.srvId, "srvA");
  assert.equal(acc.srvUri, "https://dm.example/dm20");
  assert.equal(acc.name, "Example DM");
  assert.deepEqual(acc.permittedMoids, [MOID_DEVINFO, "urn:oma:mo:oma-fumo:1.0"]);
  assert.deepEqual(acc.noti, { type: 1, secret: bytes(1, 2, 3), data: bytes(9) });
  assert.deepEqual(acc.trsp, { data: bytes(0x30, 0x82), secret: bytes(0x30, 0x81) });
  assert.deepEqual(acc.httpAuth, { type: "BASIC", name: "dev1", secret: new TextEncoder().encode("pw") });
  assert.deepEqual(acc.bootstrap?.secMode, bytes(0));
  assert.deepEqual(acc.bootstrap.clientSecretKey, bytes(3));
  assert.equal(findAccount(tree, "srvA")?.miid, miid);
  assert.equal(findAccount(tree, "other"), undefined);
  const shown = JSON.stringify(must(tree.read(MOID_DMACC, miid, [], { filter: readableByServer })));
  for (const hidden of ["Perm", "ClientPubKey", "ServerPubKey", "ClientSecretKey", "cHc="])
    assert.ok(!shown.includes(hidden), hidden);
  assert.match(shown, /"SrvURI":"https:\/\/dm.example\/dm20"/);
});

test("§15: an account with the seed's Credentials/Noti/AuthSecret and AuthData is read; Auth/Noti wins when both exist", () => {
  const tree = standardTree();
  const legacy = {
    SrvID: "old",
    SrvURI: "https://old.example/",
    Name: "Old",
    Perm: { a: { MOID: MOID_DEVINFO } },
    Credentials: { Noti: { AuthSecret: "c2VjcmV0", AuthData: "ZGF0YQ==" } },
  };
  const miid = must(tree.addInstance(MOID_DMACC, { actor: BS, moData: { x: legacy } })).miid;
  const noti = findAccount(tree, "old")?.noti;
  assert.deepEqual(noti, {
    type: undefined,
    secret: new TextEncoder().encode("secret"),
    data: new TextEncoder().encode("data"),
  });
  must(tree.replace(MOID_DMACC, miid, ["Auth"], { Auth: { Noti: { Type: "2", Data: "AA==", Secret: "AQ==" } } }, BS));
  assert.deepEqual(findAccount(tree, "old")?.noti, { type: 2, secret: bytes(1), data: bytes(0) });
});

test("bootstrap: a server creates an account from string-typed MOData; Perm is write-once afterwards (§14)", () => {
  const tree = standardTree();
  const events: string[] = [];
  tree.onChange((e) => events.push(e.kind));
  const data = {
    SrvID: "srvB",
    SrvURI: "https://b.example/",
    Name: "B",
    Perm: { "1": { MOID: MOID_DEVINFO } },
    Auth: { Noti: { Type: "1", Data: "", Secret: "AQID" } },
  };
  const miid = must(tree.addInstance(MOID_DMACC, { actor: BS, miid: "b", moData: { dmacc: data } })).miid;
  assert.equal(miid, "b");
  assert.deepEqual(events, [ChangeKind.InstanceAdded]);
  assert.deepEqual(tree.creator(MOID_DMACC, "b"), BS);
  assert.equal(tree.getValue(MOID_DMACC, "b", ["Auth", "Noti", "Type"]), 1);
  const more = { MOID: "urn:oma:mo:oma-scomo:1.0" };
  expectError(
    tree.replace(MOID_DMACC, "b", ["Perm", "2"], { "2": more }, serverActor("srvB")),
    ErrorCode.TREE_NOT_ALLOWED,
    405,
  );
  expectError(
    tree.replace(MOID_DMACC, "b", ["Perm", "1", "MOID"], { MOID: "urn:x" }, serverActor("srvB")),
    ErrorCode.TREE_NOT_ALLOWED,
    405,
  );
  // A bootstrap without Perm MOIDs is rejected (§14).
  const noPerm = { SrvID: "srvC", SrvURI: "https://c.example/", Name: "C", Perm: {} };
  expectError(tree.addInstance(MOID_DMACC, { actor: BS, moData: { x: noPerm } }), ErrorCode.TREE_BAD_DATA, 400);
  must(tree.replace(MOID_DMACC, "b", ["SrvURI"], { SrvURI: "https://b2.example/" }, serverActor("srvB")));
  assert.equal(findAccount(tree, "srvB")?.srvUri, "https://b2.example/");
});

test("SessionInfo: created and updated by the client; values are ints; unchanged values are no change", () => {
  const tree = standardTree();
  let changes = 0;
  tree.onChange(() => changes++);
  const miid = must(setSessionInfo(tree, { cbt: 2, roaming: 0 })).miid;
  assert.deepEqual(must(tree.read(MOID_SESSIONINFO, miid, ["CBT"])), { CBT: 2 });
  const cv = tree.validator(MOID_SESSIONINFO, miid);
  must(setSessionInfo(tree, { cbt: 2, roaming: 0 }));
  assert.equal(tree.validator(MOID_SESSIONINFO, miid), cv);
  must(setSessionInfo(tree, { cbt: 1, roaming: 1 }));
  assert.notEqual(tree.validator(MOID_SESSIONINFO, miid), cv);
  assert.equal(changes, 2);
  const [cbt] = must(resolveClientUri(must(parseClientUri(`${MOID_SESSIONINFO}//CBT`)), tree));
  assert.equal(cbt?.node.value(), "1");
  expectError(tree.replace(MOID_SESSIONINFO, miid, ["CBT"], { CBT: 3 }, BS), ErrorCode.TREE_NOT_ALLOWED, 405);
});
