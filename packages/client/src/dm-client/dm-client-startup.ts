// What a DM Client does once at start, after its parts are composed (dm-client-compose.ts): restore the saved
// state or build the factory tree (§14), provision accounts added to the config since, set SessionInfo (§9.3),
// register the config's EXEC behaviours, and wire every change that must survive a restart to a save
// (ARCHITECTURE.md invariant 8); a DMAcc a server creates is owed BootstrapComplete.
import { MOID_DMACC, MOID_SESSIONINFO, type Result, ok } from "@omadm/protocol";
import type { DeviceConfig } from "../config/device-config.js";
import { createRecentNotificationIds } from "../notification/recent-ids.js";
import { readAccounts } from "../tree/dmacc.js";
import { Roaming, setSessionInfo } from "../tree/sessioninfo.js";
import type { DmClientDeps } from "./dm-client-types.js";
import { recentIdOptions, type ClientCore } from "./dm-client-compose.js";
import { nodeProcessRunner, registerExecBehaviours } from "./exec-behaviours.js";
import { applyState } from "./state-bridge.js";
import { createInitialInstances, provisionAccounts } from "./tree-setup.js";

/** Restores `doc` (or builds the factory tree without one); what to undo at stop is pushed on `offs`. */
export function restoreOrCreate(
  core: ClientCore,
  deps: Pick<DmClientDeps, "timers" | "runProcess">,
  config: DeviceConfig,
  doc: Parameters<typeof applyState>[0] | undefined,
  offs: (() => void)[],
): Result<void> {
  const { tree, parts } = core;
  if (doc !== undefined) {
    const r = applyState(doc, parts, (records) => createRecentNotificationIds(records, recentIdOptions(config)));
    if (!r.ok) return r;
    parts.recentIds = r.value;
  } else {
    const r = createInitialInstances(tree, config);
    if (!r.ok) return r;
  }
  // Accounts added to the config since the state was saved are provisioned now (factory bootstrap, §14).
  const added = provisionAccounts(tree, config);
  if (!added.ok) return added;
  for (const srvId of added.value) parts.bootstrapPending.add(srvId);
  if (tree.instances(MOID_SESSIONINFO).length === 0) {
    const bearer = core.bearer.available()[0] ?? config.notifications.bearers[0] ?? 3;
    const s = setSessionInfo(tree, { cbt: bearer, roaming: Roaming.UNKNOWN });
    if (!s.ok) return s;
  }
  const runProcess = deps.runProcess ?? nodeProcessRunner;
  offs.push(registerExecBehaviours(core.execs, config.exec, { timers: deps.timers, runProcess }));
  return ok(undefined);
}

/** Every change that must survive a restart is saved; a DMAcc a server creates is owed BootstrapComplete. */
export function wireSaves(core: ClientCore, clock: DmClientDeps["clock"], offs: (() => void)[]): void {
  const save = (): void => {
    void core.saver.request();
  };
  const { tree, parts: p } = core;
  offs.push(
    tree.onChange((e) => {
      save();
      if (e.moid === MOID_DMACC && e.kind === "instance-added" && e.actor.kind === "server") {
        const account = readAccounts(tree).find((a) => a.miid === e.miid);
        if (account !== undefined) {
          p.bootstrapPending.add(account.srvId);
          core.sessions.bootstrap(account.srvId);
        }
      }
    }),
    core.access.onChange(save),
    p.subscriptions.onChange(save),
    p.defaults.onChange(save),
    p.pendingNotifications.onChange(save),
    p.outbox.onChange(() => {
      const live = new Set(p.outbox.snapshot().alerts.map((a) => a.id));
      for (const id of live) if (!p.queuedAt.has(id)) p.queuedAt.set(id, clock.now());
      for (const id of p.queuedAt.keys()) if (!live.has(id)) p.queuedAt.delete(id);
      save();
    }),
  );
  core.reporter.start();
  offs.push(() => {
    core.reporter.stop();
  });
}
