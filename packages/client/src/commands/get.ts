// GET (docs/protocol.md §4.5, omadm's choice): the data goes back in the command's status item — `Data`
// is an MO serialization array (§7.1) and `URI` lists the concrete ClientURIs read. Wildcards and x-names are
// allowed; a cv that is still current (§6.3) → 304 without Data; a single existing leaf with no value (or of DDF
// format `null`) → 204.
// "No Get" nodes are never sent (§10, our decision in the access module): naming one is 403, inside a readable
// subtree they are left out.
import { Status, type StatusItem } from "@omadm/protocol";
import type { CommandEnv } from "./command-env.js";
import { itemsFor, resolveTarget, validatorMatches } from "./targets.js";

export function performGet(
  env: CommandEnv,
  serverId: string,
  clientUri: string,
): { readonly status: StatusItem; readonly message?: string } {
  const target = resolveTarget(env, serverId, "GET", clientUri);
  if (!target.ok) return { status: { sc: target.sc }, message: target.message };
  const { uri, nodes } = target.value;
  if (validatorMatches(env, uri, nodes)) return { status: { sc: Status.NOT_MODIFIED } };
  const [only] = nodes;
  if (nodes.length === 1 && only !== undefined) {
    const node = env.tree.node(only.moid, only.miid, only.path);
    // A leaf of DDF format `null` carries no value by definition (§8.1 formats), like one never given a value.
    const empty = node?.isLeaf === true && (node.leafValue() === undefined || node.definition.format === "null");
    if (empty) return { status: { sc: Status.NO_CONTENT } };
  }
  const items = itemsFor(env, nodes);
  if (!items.ok) return { status: { sc: items.sc }, message: items.message };
  return {
    status: { sc: Status.OK, URI: items.value.map((i) => i.ClientURI), Data: items.value },
  };
}
