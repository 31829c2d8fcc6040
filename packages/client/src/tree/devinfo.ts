// The DevInfo MO (docs/protocol.md §9.1): one permanent instance created by the client itself from its config.
// Every node is Get-only for servers, so only local code changes it (e.g. FwV after an update).
import { MOID_DEVINFO, type Result, ok } from "@omadm/protocol";
import { LOCAL } from "./actor.js";
import type { DmTree } from "./dm-tree.js";
import type { MoDataObject } from "./leaf-value.js";

export interface DevInfoConfig {
  /** Unique device id, e.g. "IMEI:493005100592800"; also sent as OMADM-DevID (§9.1). */
  readonly devId: string;
  readonly man: string;
  readonly mod: string;
  /** Default "2.0". */
  readonly dmV?: string;
  readonly lang: string;
  readonly devType: string;
  readonly oem: string;
  readonly fwV: string;
  readonly swV: string;
  readonly hwV: string;
  /** Bearer-specific items (open subtree). */
  readonly bearer?: MoDataObject;
  /** Vendor extensions (open subtree). */
  readonly ext?: MoDataObject;
  /** MIID of the single instance (ClientURIs use mo-inst ""); default "devinfo". */
  readonly miid?: string;
  /** MOID, default MOID_DEVINFO (`urn:oma:mo:oma-dm-devinfo:1.2`). */
  readonly moid?: string;
}

/** Creates the DevInfo instance, or replaces its values when it exists (e.g. at each start). */
export function createDevInfo(tree: DmTree, config: DevInfoConfig): Result<{ readonly miid: string }> {
  const moid = config.moid ?? MOID_DEVINFO;
  const content: MoDataObject = {
    DevID: config.devId,
    Man: config.man,
    Mod: config.mod,
    DmV: config.dmV ?? "2.0",
    Lang: config.lang,
    DevType: config.devType,
    OEM: config.oem,
    FwV: config.fwV,
    SwV: config.swV,
    HwV: config.hwV,
    ...(config.bearer === undefined ? {} : { Bearer: config.bearer }),
    ...(config.ext === undefined ? {} : { Ext: config.ext }),
  };
  const existing = tree.instances(moid)[0];
  if (existing !== undefined) {
    const r = tree.replace(moid, existing, [], { DevInfo: content }, LOCAL);
    return r.ok ? ok({ miid: existing }) : r;
  }
  return tree.addInstance(moid, { actor: LOCAL, miid: config.miid ?? "devinfo", moData: { DevInfo: content } });
}

/** DevInfo/DevID of the device (for OMADM-DevID), or undefined when there is no DevInfo instance. */
export function readDevId(tree: DmTree, moid: string = MOID_DEVINFO): string | undefined {
  const miid = tree.instances(moid)[0];
  const v = miid === undefined ? undefined : tree.getValue(moid, miid, ["DevID"]);
  return typeof v === "string" ? v : undefined;
}
