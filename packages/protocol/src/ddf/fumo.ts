// The Firmware Update Management Object (docs/firmware.md): its MOID, the State values the device walks, the result
// codes it reports in the asynchronous EXEC alert (docs/protocol.md §4.4, §4.12), and the alert types. Names follow
// the FUMO specification; the numbers are its values.

/** FUMO 1.0; shipped as `ddf/fumo.ddf`. */
export const MOID_FUMO = "urn:oma:mo:oma-fumo:1.0";

/** The executable nodes below an instance root, and the leaf each reads its package location from. */
export const FumoNode = {
  PkgName: "PkgName",
  PkgVersion: "PkgVersion",
  Download: "Download",
  Update: "Update",
  DownloadAndUpdate: "DownloadAndUpdate",
  PkgURL: "PkgURL",
  PkgData: "PkgData",
  State: "State",
  Ext: "Ext",
} as const;

/** `<x>/State`: where an update stands. */
export const FumoState = {
  IDLE: 10,
  DOWNLOAD_FAILED: 20,
  DOWNLOAD_PROGRESSING: 30,
  DOWNLOAD_COMPLETE: 40,
  READY_TO_UPDATE: 50,
  UPDATE_PROGRESSING: 60,
  UPDATE_FAILED_HAVE_DATA: 70,
  UPDATE_FAILED_NO_DATA: 80,
  UPDATE_SUCCESSFUL_HAVE_DATA: 90,
  UPDATE_SUCCESSFUL_NO_DATA: 100,
} as const;
export type FumoState = (typeof FumoState)[keyof typeof FumoState];

/** The result code of an operation, the `sc` of its result alert. 250–299 are vendor-specific successes. */
export const FumoResult = {
  SUCCESSFUL: 200,
  CLIENT_ERROR: 400,
  USER_CANCELLED: 401,
  CORRUPTED_PACKAGE: 402,
  PACKAGE_MISMATCH: 403,
  FAILED_SIGNATURE: 404,
  UNACCEPTABLE_PACKAGE: 405,
  DOWNLOAD_AUTH_FAILED: 406,
  DOWNLOAD_TIMEOUT: 407,
  NOT_IMPLEMENTED: 408,
  UNDEFINED_ERROR: 409,
  UPDATE_FAILED: 410,
  BAD_URL: 411,
  DOWNLOAD_SERVER_UNAVAILABLE: 412,
  DOWNLOAD_SERVER_ERROR: 500,
  DOWNLOAD_OUT_OF_MEMORY: 501,
  UPDATE_OUT_OF_MEMORY: 502,
  DOWNLOAD_NETWORK_ERROR: 503,
} as const;
export type FumoResult = (typeof FumoResult)[keyof typeof FumoResult];

/** 200 and the vendor range 250–299 are successes; everything else is a failure. */
export function isFumoSuccess(code: number): boolean {
  return code === FumoResult.SUCCESSFUL || (code >= 250 && code <= 299);
}

/** The AlertType of the result alert of each executable node. */
export const FumoAlertType = {
  Download: "org.openmobilealliance.dm.firmwareupdate.download",
  Update: "org.openmobilealliance.dm.firmwareupdate.update",
  DownloadAndUpdate: "org.openmobilealliance.dm.firmwareupdate.downloadandupdate",
} as const;
export type FumoAlertType = (typeof FumoAlertType)[keyof typeof FumoAlertType];

/** Data of a FUMO result alert as omadm sends it: the result code as `sc` (what the server reads, §4.12). */
export interface FumoAlertData {
  readonly sc: number;
  readonly state: number;
  readonly pkgName?: string;
  readonly pkgVersion?: string;
}

const DIGEST_FRAGMENT = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * omadm's convention (docs/firmware.md): a PkgURL may end in `#sha256=<64 hex digits>`, the package's SHA-256.
 * Fragments never reach the download server. Returns the URL to fetch and the digest (lower case) if any; a
 * fragment of another shape is dropped and gives no digest.
 */
export function splitPkgUrl(pkgUrl: string): { readonly url: string; readonly sha256?: string } {
  const hash = pkgUrl.indexOf("#");
  if (hash < 0) return { url: pkgUrl };
  const match = DIGEST_FRAGMENT.exec(pkgUrl.slice(hash + 1));
  const url = pkgUrl.slice(0, hash);
  return match?.[1] === undefined ? { url } : { url, sha256: match[1].toLowerCase() };
}

/** The PkgURL with its digest fragment. */
export function pkgUrlWithDigest(url: string, sha256: string): string {
  return `${url}#sha256=${sha256.toLowerCase()}`;
}
