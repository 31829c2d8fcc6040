// loadServerConfig: defaults, a JSON file, OMADM_* variables and overrides, in that order of precedence, and a
// clear problem naming the key or variable for every bad value.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { DEFAULT_SERVER_CONFIG, derivePublicBaseUrl, loadServerConfig, type ConfigResult } from "../src/config.js";
import { envName, SERVER_CONFIG_KEYS } from "../src/config-keys.js";
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
        OMADM_LISTEN_HOST: "0.0.0.0",
        OMADM_LISTEN_PORT: "9090",
        OMADM_DM_BATCH_SIZE: "5",
        OMADM_DM_AUTO_REGISTER: "false",
        OMADM_DEVICE_AUTH_MODES: "digest, basic",
        OMADM_NOTIFIER_MQTT_URL: "mqtt://127.0.0.1:1883",
        OMADM_TEST_MQTT_URL: "ignored: test-suite variable",
        OMADM_SERVER_URL: "ignored: the admin commands' variable",
        OMADM_TOKEN: "ignored: the admin commands' variable",
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

test("bad environment values are refused naming the variable", () => {
  const bad = problems(
    loadServerConfig({
      env: {
        OMADM_LISTEN_PORT: "eighty",
        OMADM_DEVICE_AUTH_MODES: "none,basic",
        OMADM_DM_BATCH_SIZE: "0",
        OMADM_LOG_LEVEL: "loud",
      },
    }),
  );
  assert.equal(bad.length, 4);
  assert.match(bad[0] ?? "", /^OMADM_LISTEN_PORT: OMADM_LISTEN_PORT must be an integer, got "eighty"/);
  assert.match(bad[1] ?? "", /^OMADM_DEVICE_AUTH_MODES: .*"none" cannot be combined with other modes/);
  assert.match(bad[2] ?? "", /^OMADM_DM_BATCH_SIZE: .*between 1 and 1000, got 0/);
  assert.match(bad[3] ?? "", /^OMADM_LOG_LEVEL: .*one of fatal, error/);
});

test("an unknown OMADM_* variable stops the start, naming the closest valid variable", () => {
  const cases: [string, string][] = [
    ["OMADM_PROT", "OMADM_LISTEN_PORT"], // a typo
    ["OMADM_PORT", "OMADM_LISTEN_PORT"], // the section left out (an older name)
    ["OMADM_STORE", "OMADM_STORE_KIND"],
    ["OMADM_DEVICE_AUTH", "OMADM_DEVICE_AUTH_MODES"],
    ["OMADM_AUTO_REGISTER", "OMADM_DM_AUTO_REGISTER"],
    ["OMADM_NOTIFY_UDP", "OMADM_NOTIFIER_UDP"],
    ["OMADM_MQTT_URL", "OMADM_NOTIFIER_MQTT_URL"],
    ["OMADM_NOTIFIER", "OMADM_COMPONENTS_NOTIFIER"],
    ["OMADM_TLS_CERT", "OMADM_TLS_CERT_FILE"],
  ];
  for (const [unknown, closest] of cases) {
    const r = loadServerConfig({ env: { [unknown]: "1" } });
    assert.equal(r.ok, false, unknown);
    assert.deepEqual(problems(r), [`${unknown}: unknown environment variable ${unknown} (did you mean ${closest}?)`]);
  }
});

/** An environment text for a key of this JSON Schema whose value differs from `fallback` (the default). */
function sampleText(fallback: unknown, schema: { readonly [k: string]: unknown }): string {
  const anyOf = schema["anyOf"] as { readonly [k: string]: unknown }[] | undefined;
  if (anyOf?.[0] !== undefined) return sampleText(fallback, anyOf[0]);
  const items = schema["items"] as { readonly enum?: readonly string[] } | undefined;
  const choices = (schema["enum"] as readonly string[] | undefined) ?? items?.enum;
  if (choices !== undefined) {
    const other = choices.find((c) => c !== fallback && !(Array.isArray(fallback) && fallback.includes(c)));
    return other ?? "";
  }
  switch (schema["type"]) {
    case "array":
      return "192.0.2.1, 2001:db8::1"; // a list of IP addresses, the one list type without an enum
    case "boolean":
      return String(fallback !== true);
    case "integer": {
      const n = fallback as number;
      return String(n + 1 <= (schema["maximum"] as number) ? n + 1 : n - 1);
    }
    default:
      if (schema["pattern"] === "^https?://") return "https://dm.example.net";
      return schema["format"] === "uri" ? "mqtt://broker.example.net:1883" : "sample-value-of-16-bytes";
  }
}

test("every key has exactly one environment variable: OMADM_ and its path in upper snake case", () => {
  const names = Object.keys(SERVER_CONFIG_KEYS).map(envName);
  assert.equal(new Set(names).size, names.length, "two keys share a variable");
  assert.equal(envName("dm.batchSize"), "OMADM_DM_BATCH_SIZE");
  assert.equal(envName("publicBaseUrl"), "OMADM_PUBLIC_BASE_URL");
  assert.equal(envName("deviceAuth.nonceKeyFile"), "OMADM_DEVICE_AUTH_NONCE_KEY_FILE");
  assert.equal(envName("tls.caFile"), "OMADM_TLS_CA_FILE");
  for (const [path, key] of Object.entries(SERVER_CONFIG_KEYS)) {
    // Each variable sets its key: a text the key's type takes, giving a value other than the default.
    const text = sampleText(key.default, key.type.schema);
    const parsed = key.type.parse(text, true);
    assert.ok(parsed.ok, `${path}: the sample ${text} is refused`);
    assert.notDeepEqual(parsed.value, key.default, `${path}: the sample is the default`);
    // TLS on needs something to serve with: PSK-TLS is the one that needs no files.
    // The bootstrap role needs TLS with PSK or client certificates (fail closed).
    const context =
      path === "tls.enabled"
        ? { OMADM_TLS_PSK: "true", OMADM_DEVICE_AUTH_MODES: "psk" }
        : path === "bootstrap.enabled"
          ? { OMADM_TLS_ENABLED: "true", OMADM_TLS_PSK: "true" }
          : {};
    const config = value(loadServerConfig({ env: { ...context, [envName(path)]: text } }));
    const [section = "", leaf] = path.split(".");
    const sections = config as unknown as Record<string, Record<string, unknown> | undefined>;
    const got = leaf === undefined ? sections[section] : sections[section]?.[leaf];
    assert.deepEqual(got, parsed.value, `${envName(path)}=${text}`);
  }
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
  assert.equal(value(loadServerConfig({ env: { OMADM_ALLOW_HTTP: "yes", OMADM_LISTEN_HOST: "::" } })).allowHttp, true);
});

test("derivePublicBaseUrl: known only for a concrete host and port", () => {
  assert.equal(derivePublicBaseUrl("127.0.0.1", 8080), "http://127.0.0.1:8080");
  assert.equal(derivePublicBaseUrl("::1", 8080), "http://[::1]:8080");
  assert.equal(derivePublicBaseUrl("127.0.0.1", 0), null);
  assert.equal(derivePublicBaseUrl("0.0.0.0", 8080), null);
});

test("a config file may name its JSON Schema for editors; the server ignores that key", () => {
  const path = file("with-schema.json", { $schema: "./docs/schema/server-config.schema.json", listen: { port: 9001 } });
  assert.equal(value(loadServerConfig({ file: path })).listen.port, 9001);
});
