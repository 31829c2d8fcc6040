// `omadm bootstrap …` as operators run it: the CLI from source in child processes against a real server with the
// bootstrap role (HTTPS, SQLite), trusting its CA through NODE_EXTRA_CA_CERTS. Output, exit codes, and that keys
// and tokens never come back.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { makeFilePki, skipWithoutOpenssl, type FilePki } from "../../../test-support/openssl-pki.js";
import { tempDir } from "./e2e-support/server-harness.js";
import { MGMT_ID, MOID_DEVINFO, startBootstrapServer, type BootstrapServer } from "./e2e-support/bootstrap-harness.js";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const skip = skipWithoutOpenssl();
const dir = tempDir("omadm-bootstrap-cli-");
const KEY = "7a".repeat(16);
const TOKEN = "remote-token-never-shown";
let pki: FilePki;
let srv: BootstrapServer;

before(async () => {
  if (skip !== false) return;
  pki = await makeFilePki();
  srv = await startBootstrapServer(join(dir.path, "server"), pki);
});

after(async () => {
  await srv?.stop(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- absent when skipped
  await pki?.cleanup(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition
  dir.remove();
});

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `omadm <args>` in a child process (from source), against the test server. */
function omadm(...args: string[]): Promise<Run> {
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); await main(["node", "omadm", ...process.argv.slice(1)]);`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "--conditions=@omadm/source", "--input-type=module", "-e", script, "--", ...args],
      {
        env: { ...process.env, OMADM_SERVER_URL: srv.base, NODE_EXTRA_CA_CERTS: pki.caFile },
        timeout: 60_000,
      },
      (error, out, err) => {
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, out, err });
      },
    );
  });
}

function file(name: string, content: string): string {
  const path = join(dir.path, name);
  writeFileSync(path, content);
  return path;
}

test("import, list, rules, remote targets, provisions, re-bootstrap and deletes", { skip }, async () => {
  const credentials = file(
    "creds.json",
    JSON.stringify([
      { id: "one", secMode: 0, pskIdentity: "bs-cli-1", pskKeyHex: KEY, deviceId: "IMEI:390000000000001" },
      { id: "batch", secMode: 0, pskIdentity: "bs-cli-batch", pskKeyHex: KEY, devIdPattern: "IMEI:39*" },
    ]),
  );
  const tokenFile = file("b.token", `${TOKEN}\n`);
  const [imported, target] = await Promise.all([
    omadm("bootstrap", "import", credentials),
    omadm(
      "bootstrap",
      "target",
      "b",
      "--srv-id",
      "omadm-b",
      "--srv-uri",
      "https://dm-b.example.net/dm",
      "--api-url",
      "https://dm-b.example.net/api/v1",
      "--remote-token-file",
      tokenFile,
      "--ca",
      pki.caFile,
    ),
  ]);
  assert.equal(imported.code, 0, imported.err);
  assert.equal(imported.out.trim(), "2 bootstrap credentials imported");
  assert.equal(target.code, 0, target.err);
  assert.match(target.out, /^target b saved$/m);
  assert.match(target.out, /^token: +set$/m);
  assert.ok(!target.out.includes(TOKEN), "the token is never shown");

  const local = {
    srvId: MGMT_ID,
    srvUri: srv.dmUrl,
    name: "M",
    permittedMoids: [MOID_DEVINFO],
    auth: "digest",
    notification: false,
  };
  const remote = { targetId: "b", name: "B", permittedMoids: [MOID_DEVINFO], auth: "psk", notification: true };
  const [listed, ruleLocal, ruleRemote] = await Promise.all([
    omadm("bootstrap", "credentials", "--json"),
    omadm("bootstrap", "rule", "local", JSON.stringify({ priority: 5, devIdPattern: "IMEI:39*", targets: [local] })),
    omadm(
      "bootstrap",
      "rule",
      "to-b",
      file("rule.json", JSON.stringify({ priority: 1, devInfo: { Mod: "B" }, targets: [remote] })),
    ),
  ]);
  assert.equal(listed.code, 0, listed.err);
  const items = (JSON.parse(listed.out) as { items: { id: string; pskKeySet: boolean }[] }).items;
  assert.deepEqual(
    items.map((c) => [c.id, c.pskKeySet]),
    [
      ["batch", true],
      ["one", true],
    ],
  );
  assert.ok(!listed.out.includes(KEY), "keys never come back");
  assert.equal(ruleLocal.code, 0, ruleLocal.err);
  assert.equal(ruleLocal.out.trim(), "rule local saved");
  assert.equal(ruleRemote.code, 0, ruleRemote.err);

  const [rules, targets, inUse, moved, provisions, badJson, noRule] = await Promise.all([
    omadm("bootstrap", "rules"),
    omadm("bootstrap", "targets"),
    omadm("bootstrap", "delete-target", "b"),
    omadm("bootstrap", "rebootstrap", "IMEI:390000000000001", "--rule", "local", "--no-wake"),
    omadm("bootstrap", "provisions", "--device", "IMEI:390000000000001"),
    omadm("bootstrap", "rule", "x", "{not json"),
    omadm("bootstrap", "rebootstrap", "IMEI:390000000000001", "--rule", "nope", "--no-wake"),
  ]);
  assert.equal(rules.code, 0, rules.err);
  const lines = rules.out.trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^ID\s+PRIORITY\s+DEVID\s+LABELS\s+DEVINFO\s+SERVERS$/);
  assert.match(lines[1] ?? "", /^to-b\s+1\s+-\s+-\s+Mod=B\s+omadm-b \(target b\)$/);
  assert.match(lines[2] ?? "", /^local\s+5\s+IMEI:39\*\s+-\s+-\s+omadm$/);
  assert.match(
    targets.out,
    /^b\s+omadm-b\s+https:\/\/dm-b\.example\.net\/dm\s+https:\/\/dm-b\.example\.net\/api\/v1$/m,
  );
  assert.ok(!targets.out.includes(TOKEN));
  assert.equal(inUse.code, 1, "refused by the server");
  assert.match(inUse.err, /bootstrap rule to-b targets b/);
  assert.equal(moved.code, 0, moved.err);
  assert.match(moved.out, /^IMEI:390000000000001: credentials revoked$/m);
  assert.match(moved.out, /^no Package#0: not asked$/m);
  assert.equal(provisions.code, 0, provisions.err);
  assert.equal(provisions.out.trim(), "ID  DEVICE  RULE  STATE  SERVERS");
  assert.equal(badJson.code, 2, "a usage error: nothing sent");
  assert.match(badJson.err, /the rule is not JSON/);
  assert.equal(noRule.code, 1);
  assert.match(noRule.err, /nope/);

  const [deletedRule, deletedCredential, missing] = await Promise.all([
    omadm("bootstrap", "delete-rule", "to-b"),
    omadm("bootstrap", "delete-credential", "one"),
    omadm("bootstrap", "delete-credential", "no-such"),
  ]);
  assert.equal(deletedRule.out.trim(), "rule to-b deleted");
  const afterRule = await omadm("bootstrap", "delete-target", "b");
  assert.equal(afterRule.code, 0, afterRule.err);
  assert.equal(afterRule.out.trim(), "target b deleted");
  assert.equal(deletedCredential.out.trim(), "bootstrap credential one deleted");
  assert.equal(missing.code, 1);
  assert.match(missing.err, /not found/);
});
