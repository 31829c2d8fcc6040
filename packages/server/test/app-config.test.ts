// loadServerConfig: defaults, a JSON file, OMADM_* variables and overrides, in that order of precedence, and a
// clear problem naming the key or variable for every bad value.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { DEFAULT_SERVER_CONFIG, derivePublicBaseUrl, loadServerConfig, type ConfigResult } from "../src/config.js";
import { tempDir } from "./dm-support.js";

const dir = tempDir("omadm-config-");
after(() => {
  dir.remove();
});

function file(name: string, content: unknown): string {
  const path = join(dir.path, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

function value(r: ConfigResult) {
  if (!r.ok) throw r.error;
  return r.value;
}

function problems(r: ConfigResult): string[] {
  assert.ok(!r.ok, "expected the configuration to be refused");
  assert.equal(r.error.code, "OMADM_SRV_CONFIG_INVALID");
  for (const p of r.problems) assert.ok(r.error.message.includes(p.message), "the error message lists every problem");
  return r.problems.map((p) => `${p.key}: ${p.message}`);
}

test("defaults: loopback 127.0.0.1:8080, ./data, serverId omadm, batch 20, idle 600 s, auto-register, no auth", () => {
  const c = value(loadServerConfig());
  assert.deepEqual(c.listen, { host: "127.0.0.1", port: 8080 });
  assert.equal(c.publicBaseUrl, "http://127.0.0.1:8080");
  assert.equal(c.dataDir, "./data");
  assert.equal(c.serverId, "omadm");
  assert.equal(c.dm.batchSize, 20);
  assert.equal(c.dm.idleTimeoutMs, 600_000);
  assert.equal(c.dm.autoRegister, true);
  assert.deepEqual(c.deviceAuth.modes, ["none"]);
  assert.equal(c.allowHttp, true, "http ServerURIs are allowed on loopback");
  assert.equal(c.store.kind, "sqlite");
  assert.deepEqual(c.components, { repository: true, ui: true, api: true, notifier: true });
  assert.deepEqual({ ...DEFAULT_SERVER_CONFIG, publicBaseUrl: c.publicBaseUrl }, c);
});

test("environment variables set values; a wildcard host turns plain-http ServerURIs off and defers the URL", () => {
  const c = value(
    loadServerConfig({
      env: {
        OMADM_HOST: "0.0.0.0",
        OMADM_PORT: "9090",
        OMADM_DM_BATCH_SIZE: "5",
        OMADM_AUTO_REGISTER: "false",
        OMADM_DEVICE_AUTH: "digest, basic",
        OMADM_MQTT_URL: "mqtt://127.0.0.1:1883",
        OMADM_TEST_MQTT_URL: "ignored: test-suite variable",
        PATH: "/usr/bin",
      },
    }),
  );
  assert.deepEqual(c.listen, { host: "0.0.0.0", port: 9090 });
  assert.equal(c.publicBaseUrl, null);
  assert.equal(c.allowHttp, false);
  assert.equal(c.dm.batchSize, 5);
  assert.equal(c.dm.autoRegister, false);
  assert.deepEqual(c.deviceAuth.modes, ["digest", "basic"]);
  assert.equal(c.notifier.mqttUrl, "mqtt://127.0.0.1:1883");
});

test("bad environment values are refused naming the variable; unknown OMADM_* variables are warned about", () => {
  const bad = problems(
    loadServerConfig({
      env: { OMADM_PORT: "eighty", OMADM_DEVICE_AUTH: "none,basic", OMADM_DM_BATCH_SIZE: "0", OMADM_LOG_LEVEL: "loud" },
    }),
  );
  assert.equal(bad.length, 4);
  assert.match(bad[0] ?? "", /^OMADM_PORT: OMADM_PORT must be an integer, got "eighty"/);
  assert.match(bad[1] ?? "", /^OMADM_DEVICE_AUTH: .*"none" cannot be combined/);
  assert.match(bad[2] ?? "", /^OMADM_DM_BATCH_SIZE: .*between 1 and 1000, got 0/);
  assert.match(bad[3] ?? "", /^OMADM_LOG_LEVEL: .*one of fatal, error/);
  const r = loadServerConfig({ env: { OMADM_PROT: "9000" } });
  assert.ok(r.ok);
  assert.deepEqual(r.warnings, ["unknown environment variable OMADM_PROT ignored"]);
});

test("a JSON file is merged over the defaults; env overrides the file; overrides override both", () => {
  const path = file("ok.json", { listen: { port: 9000 }, dm: { batchSize: 7, idleTimeoutMs: 60_000 }, serverId: "f" });
  const fromFile = value(loadServerConfig({ file: path }));
  assert.equal(fromFile.listen.port, 9000);
  assert.equal(fromFile.listen.host, "127.0.0.1");
  assert.equal(fromFile.dm.batchSize, 7);
  assert.equal(fromFile.dm.idleTimeoutMs, 60_000);
  assert.equal(fromFile.serverId, "f");
  assert.equal(fromFile.publicBaseUrl, "http://127.0.0.1:9000");
  const layered = value(
    loadServerConfig({
      file: path,
      env: { OMADM_DM_BATCH_SIZE: "8", OMADM_SERVER_ID: "e" },
      overrides: { dm: { batchSize: 9 } },
    }),
  );
  assert.equal(layered.dm.batchSize, 9);
  assert.equal(layered.serverId, "e");
  assert.equal(layered.dm.idleTimeoutMs, 60_000);
});

test("file problems name the key: unknown (with a suggestion), wrong type, out of range, not an object", () => {
  const path = file("bad.json", {
    dm: { bachSize: 3, idleTimeoutMs: "soon" },
    listen: { port: 70000 },
    publicBaseUrl: "ftp://x",
    colour: "blue",
    store: 5,
  });
  const bad = problems(loadServerConfig({ file: path }));
  assert.deepEqual(bad, [
    "dm.bachSize: unknown key dm.bachSize (did you mean dm.batchSize?)",
    'dm.idleTimeoutMs: dm.idleTimeoutMs must be an integer, got "soon"',
    "listen.port: listen.port must be between 0 and 65535, got 70000",
    "publicBaseUrl: publicBaseUrl must be http or https, got ftp:",
    "colour: unknown key colour",
    "store: store must be an object",
  ]);
});

test("an unreadable or non-JSON file is refused naming the file", () => {
  const missing = join(dir.path, "missing.json");
  assert.match(problems(loadServerConfig({ file: missing }))[0] ?? "", /cannot read config file .*missing\.json/);
  const broken = file("broken.json", "{ not json");
  assert.match(problems(loadServerConfig({ file: broken }))[0] ?? "", /broken\.json is not valid JSON/);
});

test("overrides are validated too; an explicit allowHttp wins over the loopback default", () => {
  const bad = problems(loadServerConfig({ overrides: { dm: { batchSize: -1 } } }));
  assert.match(bad[0] ?? "", /^dm\.batchSize: /);
  assert.equal(value(loadServerConfig({ overrides: { allowHttp: false } })).allowHttp, false);
  assert.equal(value(loadServerConfig({ env: { OMADM_ALLOW_HTTP: "yes", OMADM_HOST: "::" } })).allowHttp, true);
});

test("derivePublicBaseUrl: known only for a concrete host and port", () => {
  assert.equal(derivePublicBaseUrl("127.0.0.1", 8080), "http://127.0.0.1:8080");
  assert.equal(derivePublicBaseUrl("::1", 8080), "http://[::1]:8080");
  assert.equal(derivePublicBaseUrl("127.0.0.1", 0), null);
  assert.equal(derivePublicBaseUrl("0.0.0.0", 8080), null);
});
