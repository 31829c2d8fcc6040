// The generated parts of docs/device-config.md and the editors' JSON Schema of a device config file, from the
// TypeBox schema the client validates with (packages/client/src/config/device-config-schema.ts). TypeBox
// schemas are JSON Schema, so the file is the schema itself with a `$schema` and `$id` on top.
import { DeviceConfigSchema } from "../../packages/client/src/config/device-config-schema.js";
import { cell, code, table } from "./markdown.js";

type Schema = { readonly [keyword: string]: unknown };

const BYTES_KEYS = ["base64", "hex", "utf8"];

function props(schema: Schema): Record<string, Schema> {
  return (schema["properties"] as Record<string, Schema> | undefined) ?? {};
}

function isBytes(schema: Schema): boolean {
  return Object.keys(props(schema)).sort().join() === BYTES_KEYS.join();
}

function literals(schema: Schema): readonly unknown[] | undefined {
  if (Array.isArray(schema["enum"])) return schema["enum"] as unknown[];
  const anyOf = schema["anyOf"] as Schema[] | undefined;
  if (anyOf?.every((s) => "const" in s) === true) return anyOf.map((s) => s["const"]);
  return undefined;
}

/** How the table names a value type. */
function typeOf(schema: Schema): string {
  const values = literals(schema);
  if (values !== undefined) return values.map((v) => code(v)).join(" | ");
  if (isBytes(schema)) return "bytes";
  const type = schema["type"];
  if (type === "array") {
    const items = schema["items"] as Schema;
    return items["type"] === "object" ? "list of objects" : `list of ${typeOf(items)}`;
  }
  if (type === "object") return schema["properties"] === undefined ? "object (MO data)" : "object";
  const range =
    typeof schema["minimum"] === "number"
      ? ` ${String(schema["minimum"])}${typeof schema["maximum"] === "number" ? `–${String(schema["maximum"])}` : "+"}`
      : "";
  return `${String(type)}${range}`;
}

interface Row {
  readonly key: string;
  readonly schema: Schema;
  readonly required: boolean;
}

/** Every key, depth first: objects are followed into, lists of objects as `key[]`, bytes are one key. */
function rows(schema: Schema, prefix = ""): Row[] {
  const out: Row[] = [];
  const required = new Set((schema["required"] as string[] | undefined) ?? []);
  for (const [name, child] of Object.entries(props(schema))) {
    const key = prefix === "" ? name : `${prefix}.${name}`;
    out.push({ key, schema: child, required: required.has(name) });
    if (isBytes(child)) continue;
    if (child["type"] === "object" && child["properties"] !== undefined) out.push(...rows(child, key));
    const items = child["items"] as Schema | undefined;
    if (child["type"] === "array" && items?.["type"] === "object") out.push(...rows(items, `${key}[]`));
  }
  return out;
}

/** The table of every key of a device config file. */
export function deviceConfigTable(): string {
  return table(
    ["Key", "Type", "Required", "Default", "Meaning"],
    rows(DeviceConfigSchema as unknown as Schema).map((r) => [
      `\`${r.key}\``,
      cell(typeOf(r.schema)),
      r.required ? "yes" : "",
      "default" in r.schema ? code(r.schema["default"]) : "",
      cell(typeof r.schema["description"] === "string" ? r.schema["description"] : ""),
    ]),
  );
}

export const DEVICE_CONFIG_SCHEMA_PATH = "docs/schema/device-config.schema.json";

/** The JSON Schema file for editors. */
export function deviceConfigJsonSchema(): string {
  const schema = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "omadm device config",
    ...(JSON.parse(JSON.stringify(DeviceConfigSchema)) as Schema),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

export function deviceConfigDocBlocks(): Map<string, string> {
  return new Map([["device-config-keys", deviceConfigTable()]]);
}
