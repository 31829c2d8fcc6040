// The Session Information MO (docs/protocol.md §9.3 (omadm's choice of nodes)): CBT = current bearer type with the
// PREFERRED-CON-TYPE codes (1 cellular, 2 WLAN, 3 wireline), ROAMING = 0 home, 1 roaming, 2 unknown.
// Read-only for servers; the client updates it when its connection changes.
import { MOID_SESSIONINFO, type Result, ok } from "@omadm/protocol";
import { LOCAL } from "./actor.js";
import type { DmTree } from "./dm-tree.js";

export const Roaming = { HOME: 0, ROAMING: 1, UNKNOWN: 2 } as const;
export type Roaming = (typeof Roaming)[keyof typeof Roaming];

export interface SessionInfoValues {
  /** Current bearer type: ConType code (1 cellular, 2 WLAN, 3 wireline). */
  readonly cbt: number;
  readonly roaming: number;
}

/** Creates the SessionInfo instance or updates its values; unchanged values cause no change event. */
export function setSessionInfo(
  tree: DmTree,
  values: SessionInfoValues,
  miid = "sessioninfo",
): Result<{ readonly miid: string }> {
  const existing = tree.instances(MOID_SESSIONINFO)[0];
  const data = { SessionInfo: { CBT: values.cbt, ROAMING: values.roaming } };
  if (existing === undefined) return tree.addInstance(MOID_SESSIONINFO, { actor: LOCAL, miid, moData: data });
  const r = tree.replace(MOID_SESSIONINFO, existing, [], data, LOCAL);
  return r.ok ? ok({ miid: existing }) : r;
}
