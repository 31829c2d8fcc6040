// Finding the target's data inside an item's `MOData` (docs/protocol.md §7.1): one key, the name of the node the
// ClientURI addresses. Decoders are lenient: any single key is accepted for an instance root (peers name an
// unnamed root differently), and when the key is not the target's name but the ClientURI points below the
// root, the key is taken as the MO root and the data is walked down to the target (as another DM 2.0 implementation's test server sends it).
import type { Result } from "@omadm/protocol";
import { ok } from "@omadm/protocol";
import { badData, isPlainObject } from "./subtree-builder.js";

export function targetData(moData: unknown, path: readonly string[], where: string): Result<unknown> {
  if (!isPlainObject(moData))
    return badData("MOData must be a JSON object with one key (the target node's name)", where);
  const keys = Object.keys(moData);
  const key = keys[0];
  if (keys.length !== 1 || key === undefined) {
    return badData(`MOData must have exactly one key (the target node's name), got ${keys.length}`, where);
  }
  const value = moData[key];
  const last = path.at(-1);
  if (last === undefined || key === last) return ok(value);
  let v: unknown = value;
  for (const name of path) {
    if (!isPlainObject(v) || !Object.hasOwn(v, name)) {
      return badData(
        `MOData key ${JSON.stringify(key)} is neither the target node ${JSON.stringify(last)} nor an MO root holding a path down to it`,
        where,
      );
    }
    v = v[name];
  }
  return ok(v);
}
