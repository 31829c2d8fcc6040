// DEFAULT (docs/protocol.md §4.9) and its fallback.
// - The command stores the ServerURI for the MOID (one per MOID; a newer one replaces the older) → 200; a
//   malformed MOID or ServerURI → 400; a MOID not provisioned for the server → 403 (§10 rule 7: a server must not
//   manage MOs it was not provisioned for).
// - The fallback: when device software asks for the configuration of a MOID the tree lacks, the client performs
//   the HGET procedure against the stored URI and sends no status to any DM Server — the outcome goes to
//   the caller only. The HGET runs for the server that gave the DEFAULT (its access rights, its instance).
import { Status, type StatusItem, isValidMoid, parseServerUri } from "@omadm/protocol";
import type { CommandEnv } from "./command-env.js";
import type { DefaultUriStore } from "./default-uri-store.js";
import { performHget } from "./hget.js";

export function performDefault(
  env: CommandEnv,
  store: DefaultUriStore,
  serverId: string,
  command: { readonly serverUri: string; readonly moid: string },
): { readonly status: StatusItem; readonly message?: string } {
  if (!isValidMoid(command.moid)) {
    return {
      status: { sc: Status.BAD_REQUEST },
      message: `${JSON.stringify(command.moid.slice(0, 80))} is not a MOID`,
    };
  }
  const url = parseServerUri(command.serverUri, { allowHttp: env.allowHttp });
  if (!url.ok) return { status: { sc: Status.BAD_REQUEST }, message: url.error.message };
  if (!env.access.isProvisioned(serverId, command.moid)) {
    return {
      status: { sc: Status.FORBIDDEN },
      message: `MOID ${command.moid} is not provisioned for server ${serverId} (§10)`,
    };
  }
  store.set({ moid: command.moid, serverUri: command.serverUri, srvId: serverId, setAt: env.clock.now() });
  return { status: { sc: Status.OK } };
}

/** What `requestConfiguration` found or did. */
export type ConfigurationOutcome =
  /** The tree already holds instances of the MOID; nothing was fetched. */
  | { readonly kind: "present"; readonly miids: readonly string[] }
  /** No instance and no DEFAULT URI for the MOID. */
  | { readonly kind: "no-default" }
  /** The HGET from the DEFAULT URI stored the data at `uris`. */
  | { readonly kind: "fetched"; readonly uris: readonly string[]; readonly serverUri: string }
  /** The HGET failed with the status it would have reported (not sent anywhere). */
  | { readonly kind: "failed"; readonly sc: number; readonly message: string; readonly serverUri: string };

export async function requestConfiguration(
  env: CommandEnv,
  store: DefaultUriStore,
  moid: string,
  signal?: AbortSignal,
): Promise<ConfigurationOutcome> {
  const miids = env.tree.instances(moid);
  if (miids.length > 0) return { kind: "present", miids };
  const record = store.get(moid);
  if (record === undefined) return { kind: "no-default" };
  const r = await performHget(env, {
    serverUri: record.serverUri,
    serverId: record.srvId,
    onlyMoid: moid,
    ...(signal === undefined ? {} : { signal }),
  });
  if (r.sc === Status.OK) {
    env.logger.info?.({ moid, serverUri: record.serverUri, uris: r.uris }, "DEFAULT fallback stored configuration");
    return { kind: "fetched", uris: r.uris, serverUri: record.serverUri };
  }
  const message = r.message ?? `HGET answered ${r.sc}`;
  env.logger.warn({ moid, serverUri: record.serverUri, sc: r.sc, message }, "DEFAULT fallback HGET failed");
  return { kind: "failed", sc: r.sc, message, serverUri: record.serverUri };
}
