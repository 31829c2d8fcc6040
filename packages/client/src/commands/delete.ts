// DELETE (seed CR §7.3.4, dm2-reference §4.3): deletes the node and its whole subtree; the instance root deletes
// the instance. Missing → 404; no Write right or MOID not provisioned → 403 (§10); permanent node or no Delete in
// the DDF AccessType → 405 (§8.1–§8.2). A wildcard may name several nodes; then every one must be deletable, or
// nothing is deleted (a copy of the tree takes the deletes first).
import { Status, type StatusItem } from "@omadm/protocol";
import { serverActor } from "../tree/actor.js";
import { createDmTree } from "../tree/dm-tree.js";
import type { CommandEnv } from "./command-env.js";
import { parseTarget, resolveAllowed } from "./targets.js";

export function performDelete(
  env: CommandEnv,
  serverId: string,
  clientUri: string,
): { readonly status: StatusItem; readonly message?: string } {
  const uri = parseTarget(clientUri);
  if (!uri.ok) return { status: { sc: uri.sc }, message: uri.message };
  const nodes = resolveAllowed(env, serverId, "DELETE", uri.value, { strict: true });
  if (!nodes.ok) return { status: { sc: nodes.sc }, message: nodes.message };
  const actor = serverActor(serverId);
  if (nodes.value.length > 1) {
    const scratch = createDmTree({ registry: env.tree.registry });
    const copied = scratch.restore(env.tree.snapshot());
    if (!copied.ok) return { status: { sc: Status.COMMAND_FAILED }, message: copied.error.message };
    for (const n of nodes.value) {
      const r = scratch.delete(n.moid, n.miid, n.path, actor);
      if (!r.ok) return { status: { sc: r.error.status }, message: r.error.message };
    }
  }
  for (const n of nodes.value) {
    const r = env.tree.delete(n.moid, n.miid, n.path, actor);
    if (!r.ok) return { status: { sc: r.error.status }, message: r.error.message };
  }
  return { status: { sc: Status.OK } };
}
