// SUB and UNSUB (docs/protocol.md §4.10–§4.11).
// - SUB registers (ServerURI, ClientURI) for the server → 200; a second SUB for the same ClientURI replaces the
//   ServerURI. Bad syntax → 400; MOID not provisioned → 403 (§10); an MO this client does not support → 404; a
//   ClientURI naming nodes the server may not read → 403. A ClientURI that resolves to nothing yet is accepted:
//   a subscription to `MOID/*/` covers instances created later.
// - UNSUB removes the server's subscription whose ClientURI is string-identical → 200, else 404.
import { Status, type StatusItem, parseServerUri } from "@omadm/protocol";
import type { CommandEnv } from "./command-env.js";
import { parseTarget, resolveAllowed } from "./targets.js";
import type { SubscriptionRegistry } from "../subscriptions/subscription-registry.js";

export function performSub(
  env: CommandEnv,
  registry: SubscriptionRegistry,
  serverId: string,
  command: { readonly serverUri: string; readonly clientUri: string },
): { readonly status: StatusItem; readonly message?: string } {
  const uri = parseTarget(command.clientUri);
  if (!uri.ok) return { status: { sc: uri.sc }, message: uri.message };
  const url = parseServerUri(command.serverUri, { allowHttp: env.allowHttp });
  if (!url.ok) return { status: { sc: Status.BAD_REQUEST }, message: url.error.message };
  const moid = uri.value.moid;
  if (env.access.isProvisioned(serverId, moid) && env.tree.registry.get(moid) === undefined) {
    return { status: { sc: Status.NOT_FOUND }, message: `MO ${moid} is not supported by this client` };
  }
  const nodes = resolveAllowed(env, serverId, "SUB", uri.value);
  if (!nodes.ok && nodes.sc !== Status.NOT_FOUND) return { status: { sc: nodes.sc }, message: nodes.message };
  const { replaced } = registry.subscribe(serverId, command.clientUri, command.serverUri);
  env.logger.info?.({ serverId, clientUri: command.clientUri, replaced }, "SUB registered");
  return { status: { sc: Status.OK } };
}

export function performUnsub(
  registry: SubscriptionRegistry,
  serverId: string,
  clientUri: string,
): { readonly status: StatusItem; readonly message?: string } {
  if (registry.unsubscribe(serverId, clientUri)) return { status: { sc: Status.OK } };
  return {
    status: { sc: Status.NOT_FOUND },
    message: `no subscription of ${serverId} with exactly this ClientURI (§4.11)`,
  };
}
