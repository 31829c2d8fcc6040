// Registering the standard DM 2.0 MOs (docs/protocol.md §9) from the DDF files shipped with @omadm/protocol. The
// file bytes come from an injected loader, so this stays free of I/O; `readShippedDdf` (shipped-ddf.ts) is the
// Node adapter.
import {
  MOID_DACMO,
  MOID_DEVINFO,
  MOID_DMACC,
  MOID_SESSIONINFO,
  STANDARD_DDF_FILES,
  type Result,
  ok,
  parseDdf,
} from "@omadm/protocol";
import type { MoRegistry } from "./mo-registry.js";

/** Loads a shipped DDF by its file name under `@omadm/protocol/ddf/` (e.g. "devinfo.ddf"). */
export type DdfLoader = (fileName: string) => string | Uint8Array;

export interface StandardMoOptions {
  /** Which standard MOs to register; default DevInfo, DMAcc and SessionInfo (the DACMO is opt-in). */
  readonly moids?: readonly string[];
  /** DDF URLs to advertise in MOS[].DDF and serialization items, per MOID. */
  readonly ddfUrls?: Readonly<Record<string, string>>;
}

export const DEFAULT_STANDARD_MOIDS: readonly string[] = [MOID_DEVINFO, MOID_DMACC, MOID_SESSIONINFO];
export const ALL_STANDARD_MOIDS: readonly string[] = [...DEFAULT_STANDARD_MOIDS, MOID_DACMO];

/** Parses and registers the standard MOs; the first DDF or registration error is returned. */
export function registerStandardMos(
  registry: MoRegistry,
  load: DdfLoader,
  options: StandardMoOptions = {},
): Result<void> {
  for (const moid of options.moids ?? DEFAULT_STANDARD_MOIDS) {
    const file = STANDARD_DDF_FILES[moid];
    if (file === undefined || registry.get(moid) !== undefined) continue;
    const def = parseDdf(load(file));
    if (!def.ok) return def;
    const url = options.ddfUrls?.[moid];
    const r = registry.register(def.value, url === undefined ? {} : { ddfUrl: url });
    if (!r.ok) return r;
  }
  return ok(undefined);
}
