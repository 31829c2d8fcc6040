// The generated documentation is in step with the code it is generated from: the command tables of
// docs/commands.md, the key tables of docs/device-config.md and docs/server-config.md, and the JSON Schemas in
// docs/schema/. When this fails, run `npm run docs` and commit the result.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMMAND_PARAMETERS, COMMANDS } from "@omadm/protocol";
import { SERVER_CONFIG_KEYS, envName } from "../packages/server/src/config-keys.js";
import { parseDeviceConfig } from "@omadm/client";
import { generatedFiles } from "../scripts/docs/generated-files.js";

const root = new URL("..", import.meta.url).pathname;
const read = (path: string): string => readFileSync(join(root, path), "utf8");

test("every generated documentation file is up to date (npm run docs)", async () => {
  const files = await generatedFiles(read);
  assert.ok(files.length >= 5);
  for (const file of files) assert.equal(read(file.path), file.content, `${file.path} is stale: run npm run docs`);
});

test("docs/commands.md has a section for every command with each parameter of the protocol's table", () => {
  const doc = read("docs/commands.md");
  for (const name of COMMANDS) {
    const start = doc.indexOf(`\n## ${name}\n`);
    assert.ok(start >= 0, `no section for ${name}`);
    const next = doc.indexOf("\n## ", start + 1);
    const section = doc.slice(start, next < 0 ? undefined : next);
    for (const [i, spec] of COMMAND_PARAMETERS[name].entries()) {
      assert.ok(
        section.includes(`| ${i + 1} | \`${spec.field}\` | ${spec.kind} | ${spec.occurrence} | ${spec.meaning} |`),
        `${name} parameter ${i + 1} (${spec.field}) is missing`,
      );
    }
  }
});

test("docs/server-config.md lists every key with its one environment variable", () => {
  const doc = read("docs/server-config.md");
  for (const path of Object.keys(SERVER_CONFIG_KEYS)) {
    assert.ok(doc.includes(`| \`${path}\` | \`${envName(path)}\` |`), `${path} is missing`);
  }
});

test("the example device config names its JSON Schema, and the loader accepts it", () => {
  const example = JSON.parse(read("examples/device.json")) as Record<string, unknown>;
  assert.equal(example["$schema"], "../docs/schema/device-config.schema.json");
  const schema = JSON.parse(read("docs/schema/device-config.schema.json")) as Record<string, unknown>;
  assert.equal(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
  const parsed = parseDeviceConfig(example, {
    baseDir: join(root, "examples"),
    readFile: (path) => readFileSync(path),
  });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.error.message);
});
