// The generated parts of docs/server-config.md and the editors' JSON Schema of a server config file, from the
// server's table of configuration keys (packages/server/src/config-keys.ts).
import { CONFIG_KEY_LIST, envName } from "../../packages/server/src/config-keys.js";
import { cell, code, table } from "./markdown.js";

/** The table of every key: its environment variable, type, default and meaning. */
export function serverConfigTable(): string {
  return table(
    ["Key", "Environment variable", "Type", "Default", "Meaning"],
    CONFIG_KEY_LIST.map((k) => [
      `\`${k.path}\``,
      `\`${envName(k.path)}\``,
      cell(k.type.label),
      cell(k.defaultText ?? code(k.default)),
      cell(`${k.secret === true ? "**Secret:** never in the config file. " : ""}${k.description}`),
    ]),
  );
}

export const SERVER_CONFIG_SCHEMA_PATH = "docs/schema/server-config.schema.json";

type Schema = Record<string, unknown>;

/** The JSON Schema of a config file: every key but the secrets, which the file must not hold. */
export function serverConfigJsonSchema(): string {
  const properties: Record<string, Schema> = {
    $schema: { type: "string", description: "The JSON Schema this file follows, for editors; ignored." },
  };
  for (const k of CONFIG_KEY_LIST) {
    if (k.secret === true) continue;
    const entry: Schema = {
      ...k.type.schema,
      description: `${k.description}${k.defaultText === undefined ? "" : ` Default: ${k.defaultText.replace(/`/g, "")}.`} Environment: ${envName(k.path)}.`,
      ...(k.defaultText === undefined && k.default !== null ? { default: k.default } : {}),
    };
    const [head = "", leaf] = k.path.split(".");
    if (leaf === undefined) {
      properties[head] = entry;
      continue;
    }
    const section = (properties[head] ??= { type: "object", additionalProperties: false, properties: {} });
    (section["properties"] as Record<string, Schema>)[leaf] = entry;
  }
  const schema = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "omadm server config",
    description: "The JSON file `omadm server --config` reads (docs/server-config.md).",
    type: "object",
    additionalProperties: false,
    properties,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

export function serverConfigDocBlocks(): Map<string, string> {
  return new Map([["server-config-keys", serverConfigTable()]]);
}
