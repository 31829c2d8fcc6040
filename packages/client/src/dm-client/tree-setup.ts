// Building the DM Tree of a device from its config (factory bootstrap, docs/protocol.md §14): the standard MOs from
// the DDFs shipped with @omadm/protocol, the device's extra MOs from their DDF files, the DevInfo instance (§9.1),
// one DMAcc instance per configured DM Server (§9.2) and the extra MOs' initial instances. Pure over the tree.
import { MOID_DMACC, STANDARD_DDF_FILES, type Result, ok } from "@omadm/protocol";
import type { AccountConfig, DeviceConfig } from "../config/device-config.js";
import { LOCAL } from "../tree/actor.js";
import { createDevInfo } from "../tree/devinfo.js";
import { dmAccountMoData, findAccount } from "../tree/dmacc.js";
import type { DmTree } from "../tree/dm-tree.js";
import type { MoDataObject } from "../tree/leaf-value.js";
import type { MoRegistry } from "../tree/mo-registry.js";
import { DEFAULT_STANDARD_MOIDS, type DdfLoader, registerStandardMos } from "../tree/standard-ddf.js";

/**
 * The shipped MOs a device of this config supports: the default ones, and any other shipped MO (FUMO, the DACMO)
 * that an account permits and the config does not define itself with its own DDF (docs/firmware.md).
 */
export function shippedMoidsFor(config: DeviceConfig): string[] {
  const own = new Set(config.mos.map((m) => m.definition.moid));
  const permitted = new Set(config.accounts.flatMap((a) => a.input.permittedMoids));
  const extra = Object.keys(STANDARD_DDF_FILES).filter(
    (moid) => !DEFAULT_STANDARD_MOIDS.includes(moid) && permitted.has(moid) && !own.has(moid),
  );
  return [...DEFAULT_STANDARD_MOIDS, ...extra];
}

/** Registers the standard MOs and the config's extra MOs. */
export function registerDeviceMos(registry: MoRegistry, config: DeviceConfig, loadDdf: DdfLoader): Result<void> {
  const std = registerStandardMos(registry, loadDdf, { moids: shippedMoidsFor(config) });
  if (!std.ok) return std;
  for (const mo of config.mos) {
    const r = registry.register(mo.definition, mo.ddfUrl === undefined ? {} : { ddfUrl: mo.ddfUrl });
    if (!r.ok) return r;
  }
  return ok(undefined);
}

/** The DMAcc MO data of an account, in the layout the config asks for (§15: the seed's Credentials/Noti). */
export function accountMoData(a: AccountConfig): MoDataObject {
  const data = dmAccountMoData(a.input);
  if (a.notiLayout !== "seed" || a.input.noti === undefined) return data;
  const auth = data.Auth as MoDataObject | undefined;
  const noti = auth?.Noti as MoDataObject | undefined;
  if (auth === undefined || noti === undefined) return data;
  const rest: MoDataObject = { ...auth };
  delete rest.Noti;
  const out: MoDataObject = { ...data };
  if (Object.keys(rest).length === 0) delete out.Auth;
  else out.Auth = rest;
  out.Credentials = { Noti: { AuthSecret: noti.Secret ?? "", AuthData: noti.Data ?? "" } };
  return out;
}

/**
 * Adds the configured accounts missing from the tree (by SrvID) and returns the SrvIDs added: each is owed a
 * BootstrapComplete session (§14). Accounts already in the tree are left as the servers may have changed them.
 */
export function provisionAccounts(tree: DmTree, config: DeviceConfig): Result<string[]> {
  const added: string[] = [];
  for (const a of config.accounts) {
    if (findAccount(tree, a.input.srvId) !== undefined) continue;
    const r = tree.addInstance(MOID_DMACC, {
      actor: LOCAL,
      moData: { account: accountMoData(a) },
      ...(a.input.miid === undefined ? {} : { miid: a.input.miid }),
    });
    if (!r.ok) return r;
    added.push(a.input.srvId);
  }
  return ok(added);
}

/** First start: DevInfo and the extra MOs' initial instances. */
export function createInitialInstances(tree: DmTree, config: DeviceConfig): Result<void> {
  const dev = createDevInfo(tree, config.devInfo);
  if (!dev.ok) return dev;
  for (const mo of config.mos) {
    for (const inst of mo.instances) {
      const rootName = mo.definition.root.name ?? inst.miid ?? "root";
      const r = tree.addInstance(mo.definition.moid, {
        actor: LOCAL,
        ...(inst.miid === undefined ? {} : { miid: inst.miid }),
        moData: { [rootName]: inst.values ?? {} },
      });
      if (!r.ok) return r;
    }
  }
  return ok(undefined);
}
