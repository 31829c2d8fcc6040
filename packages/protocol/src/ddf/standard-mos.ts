// The standard DM 2.0 MOs whose DDFs ship with this package under `ddf/` (docs/protocol.md §9, §16). No file is read
// here: a caller resolves a file with `import.meta.resolve("@omadm/protocol/ddf/" + STANDARD_DDF_FILES[moid])`
// and passes its bytes to parseDdf.

import { MOID_FUMO } from "./fumo.js";

/** DevInfo MO (§9.1). (omadm's choice) emit version 1.2; accept any version on input (isDevInfoMoid). */
export const MOID_DEVINFO = "urn:oma:mo:oma-dm-devinfo:1.2";
/** DM Account MO (§9.2), one instance per DM Server. */
export const MOID_DMACC = "urn:oma:mo:oma-dm-dmacc:1.2";
/** Session Information MO (§9.3). */
export const MOID_SESSIONINFO = "urn:oma:mo:oma-sessioninfomo:1.0";
/** Delegation Access Control MO (§9.4) (omadm's choice). */
export const MOID_DACMO = "urn:oma:mo:oma-dm-dacmo:1.0";

const DEVINFO_PREFIX = "urn:oma:mo:oma-dm-devinfo:";

/** §9.1 (omadm's choice): on input, any `urn:oma:mo:oma-dm-devinfo:*` (1.0 in the spec examples, 1.2 here) is DevInfo. */
export function isDevInfoMoid(moid: string): boolean {
  return moid.startsWith(DEVINFO_PREFIX) && moid.length > DEVINFO_PREFIX.length;
}

/** MOID → file name under the package's `ddf/` folder (exported as `@omadm/protocol/ddf/*`). */
export const STANDARD_DDF_FILES: Readonly<Record<string, string>> = Object.freeze({
  [MOID_DEVINFO]: "devinfo.ddf",
  [MOID_DMACC]: "dmacc.ddf",
  [MOID_SESSIONINFO]: "sessioninfo.ddf",
  [MOID_DACMO]: "dacmo.ddf",
  [MOID_FUMO]: "fumo.ddf",
});
