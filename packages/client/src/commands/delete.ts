// DELETE (docs/protocol.md §4.3): deletes the node and its whole subtree; the instance root deletes
// the instance. Missing → 404; no Write right or MOID not provisioned → 403 (§10); permanent node or no Delete in
// the DDF AccessType → 405 (§8.1–§8.2). A wildcard may name several nodes; then every one must be deletable, or
// nothing is deleted (a copy of the tree takes the deletes first).
import { Status, type StatusItem } from "@omadm/protocol";
import { serverActor } from "../tree/actor.js";
import { createDmTree } from "../tree/dm-tree.js";
import type { CommandEnv } from "./command-env.js";
import { resolveTarget } from "./targets.js";

export function performDelete(
  env: CommandEnv,
  serverId: string,
  clientUri: string,
): { readonly status: StatusItem; readonly message?: string } {
  const target = resolveTarget(env, serverId, "DELETE", clientUri, { strict: true });
  if (!target.ok) return { status: { sc: target.sc }, message: target.message };
  const { nodes } = target.value;
  const actor = serverActor(serverId);
  if (nodes.length > 1) {
    const scratch = createDmTree({ registry: env.tree.registry });
    const copied = scratch.restore(env.tree.snapshot());
    if (!copied.ok) return { status: { sc: Status.COMMAND_FAILED }, message: copied.error.message };
    for (const n of nodes) {
      const r = scratch.delete(n.moid, n.miid, n.path, actor);
      if (!r.ok) return { status: { sc: r.error.status }, message: r.error.message };
    }
  }
  for (const n of nodes) {
    const r = env.tree.delete(n.moid, n.miid, n.path, actor);
    if (!r.ok) return { status: { sc: r.error.status }, message: r.error.message };
  }
  return { status: { sc: Status.OK } };
}
