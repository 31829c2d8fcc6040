// Ready-to-run closures for benchmarking the JSON package codecs (docs/protocol.md §3): a realistic Package#2
// (10 commands) and Package#3 (10 statuses, one carrying GET data). The runner (mitata) measures them. Every
// closure throws on an unexpected result, so a broken build cannot benchmark well.
import { commandToArray, validateCommands } from "../src/packages/command-validate.js";
import { parsePackage2, serializePackage2, type Package2 } from "../src/packages/package2.js";
import { parsePackage3, serializePackage3, type Package3 } from "../src/packages/package3.js";
import type { Command } from "../src/packages/command-table.js";

const REPO = "https://dm.example/repo/IMEI:493005100592800";

/** What a server sends in one round: continue, upload inventory, install an update, read state, end. */
export const SAMPLE_COMMANDS: readonly Command[] = [
  { name: "CONT", serverUri: "https://dm.example/dm20/s/7f3a9c" },
  {
    name: "HPOST",
    serverUri: `${REPO}/inventory`,
    clientUris: ["urn:oma:mo:oma-dm-devinfo:1.2//", "urn:oma:mo:oma-sessioninfomo:1.0//"],
  },
  { name: "HGET", serverUri: `${REPO}/fumo/apps-2.4.1`, clientUri: "urn:oma:mo:oma-fumo:1.0/apps/" },
  { name: "GET", clientUri: "urn:oma:mo:oma-sessioninfomo:1.0//CBT" },
  { name: "EXEC", clientUri: "urn:oma:mo:oma-fumo:1.0/apps/DownloadAndUpdate", serverUri: `${REPO}/fumo-result` },
  { name: "DELETE", clientUri: "urn:oma:mo:acme-sensor:1.0/(x)/?nv=(x)/ID:Temperature" },
  { name: "SUB", serverUri: `${REPO}/changes/fumo`, clientUri: "urn:oma:mo:oma-fumo:1.0/*/State" },
  { name: "DEFAULT", serverUri: `${REPO}/defaults/scomo`, moid: "urn:oma:mo:oma-scomo:1.0" },
  { name: "SHOW", serverUri: "https://dm.example/ui/consent?uiid=1234" },
  { name: "END" },
];

export const SAMPLE_PACKAGE2: Package2 = { CMD: SAMPLE_COMMANDS.map(commandToArray) };

/** The client's answer to a package like the one above: ten statuses, the GET one with a small subtree. */
export const SAMPLE_PACKAGE3: Package3 = {
  Status: [
    { sc: 200 },
    { sc: 200 },
    { sc: 200, URI: ["urn:oma:mo:oma-fumo:1.0/apps/"] },
    {
      sc: 200,
      URI: ["urn:oma:mo:oma-sessioninfomo:1.0/s0/"],
      Data: [
        {
          ClientURI: "urn:oma:mo:oma-sessioninfomo:1.0/s0/",
          CV: "5f2c9a01",
          MOData: {
            SessionInfo: {
              CBT: "2",
              Bearer: { Type: "WLAN", SSID: "plant-7", RSSI: -61 },
              Times: { Start: "2024-05-01T10:00:00Z", LastSeen: "2024-05-01T10:00:04Z" },
              Flags: [true, false, true],
            },
          },
        },
      ],
    },
    { sc: 202 },
    { sc: 200 },
    { sc: 200 },
    { sc: 200 },
    { sc: 501 },
    { sc: 404 },
  ],
  Alert: [
    {
      AlertType: "urn:oma:at:fumo:1.0:DownloadAndUpdate",
      SourceURI: "urn:oma:mo:oma-fumo:1.0/rootfs/DownloadAndUpdate",
      Mark: "informational",
      DataType: "application/json",
      Data: { sc: 200 },
    },
  ],
};

export interface PackagesCases {
  readonly p2Text: string;
  readonly p3Text: string;
  readonly p2Bytes: Uint8Array;
  readonly p3Bytes: Uint8Array;
  /** Parse the Package#2 bytes (UTF-8 check, depth scan, JSON.parse, compiled schema check). */
  parseP2(): Package2;
  /** Parse the Package#2 and validate its ten commands (what a client does on receipt). */
  parseValidateP2(): number;
  serializeP2(): string;
  /** Parse the Package#3 bytes, GET data included. */
  parseP3(): Package3;
  serializeP3(): string;
}

export function createPackagesCases(p2: Package2 = SAMPLE_PACKAGE2, p3: Package3 = SAMPLE_PACKAGE3): PackagesCases {
  const p2Text = serializePackage2(p2);
  const p3Text = serializePackage3(p3);
  const encoder = new TextEncoder();
  const p2Bytes = encoder.encode(p2Text);
  const p3Bytes = encoder.encode(p3Text);
  return {
    p2Text,
    p3Text,
    p2Bytes,
    p3Bytes,
    parseP2() {
      const r = parsePackage2(p2Bytes);
      if (!r.ok || r.value.CMD.length !== p2.CMD.length) throw new Error("parsePackage2 failed on the sample");
      return r.value;
    },
    parseValidateP2() {
      const r = parsePackage2(p2Bytes);
      if (!r.ok) throw new Error("parsePackage2 failed on the sample");
      const results = validateCommands(r.value);
      if (!results.every((c) => c.ok)) throw new Error("a sample command did not validate");
      return results.length;
    },
    serializeP2() {
      const text = serializePackage2(p2);
      if (text.length !== p2Text.length) throw new Error("serializePackage2 output changed");
      return text;
    },
    parseP3() {
      const r = parsePackage3(p3Bytes);
      if (!r.ok || r.value.Status.length !== p3.Status.length) throw new Error("parsePackage3 failed on the sample");
      return r.value;
    },
    serializeP3() {
      const text = serializePackage3(p3);
      if (text.length !== p3Text.length) throw new Error("serializePackage3 output changed");
      return text;
    },
  };
}

/** The cases over the samples, ready to hand to the runner. */
export const packagesCases: PackagesCases = createPackagesCases();
