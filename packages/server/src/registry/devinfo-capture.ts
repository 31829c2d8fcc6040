// DevInfo values out of GET results (docs/protocol.md §9.1, §3.3: omadm's choice of GET data in the status item). Pure.
// The registry keeps a flat record of DevInfo leaves (`{"DevID": …, "Man": …, "FwV": …}`): the leaf names of
// the DevInfo MO are unique (§9.1 table), and `Ext`/`Bearer` subtrees are kept as the objects they are.
import { isDevInfoMoid, type MoItem } from "@omadm/protocol";
import type { JsonValue } from "../store/types.js";

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Interior nodes of DevInfo whose children are read as DevInfo leaves. */
const ROOT_NAME = "DevInfo";
const SUBTREES: readonly string[] = ["Ext", "Bearer"];

/**
 * The DevInfo values the items carry, or undefined when none is about DevInfo. An item addresses DevInfo when
 * its ClientURI starts with a DevInfo MOID (any version, §9.1, omadm's choice); its MOData is the instance root
 * (`{"DevInfo": {…}}`), or one leaf (`{"FwV": "1.2"}`), or a subtree (`{"Ext": {…}}`) (§7.1 encoding).
 */
export function devInfoFromItems(items: readonly unknown[]): Record<string, JsonValue> | undefined {
  let found: Record<string, JsonValue> | undefined;
  for (const item of items) {
    // Items come from a parsed Package#3 or from stored JSON: check the shape rather than trust it.
    if (!isMoItem(item)) continue;
    const moid = item.ClientURI.split("/", 1)[0] ?? "";
    if (!isDevInfoMoid(moid)) continue;
    found ??= {};
    for (const [name, value] of Object.entries(item.MOData)) {
      if (name === ROOT_NAME && isObj(value)) {
        for (const [leaf, v] of Object.entries(value)) addValue(found, leaf, v);
      } else {
        addValue(found, name, value);
      }
    }
  }
  return found;
}

function isMoItem(v: unknown): v is MoItem {
  return isObj(v) && typeof v.ClientURI === "string" && isObj(v.MOData);
}

function addValue(into: Record<string, JsonValue>, name: string, value: unknown): void {
  if (isObj(value) && !SUBTREES.includes(name)) return; // an unexpected interior node: not a DevInfo value
  const json = toJson(value);
  if (json !== undefined) into[name] = json;
}

/** A JSON-safe copy (MOData came from JSON.parse, so this only guards against surprises). */
function toJson(value: unknown): JsonValue | undefined {
  try {
    const text = JSON.stringify(value) as string | undefined;
    return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
  } catch {
    return undefined;
  }
}
