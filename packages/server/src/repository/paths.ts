// Where Data Repository content lives (docs/protocol.md §4.1, §4.2, §6.2). An item is addressed by a scope and a
// path: shared items at `/repo/shared/<path>` (every device may HGET them), per-device items at
// `/repo/devices/<DevID>/<path>` (only that device). The ServerURIs the DM Server puts into HGET/HPUT/HPOST/SUB
// commands are built here, so the HTTP routes and the URIs can never disagree.
import { deviceIdProblem } from "../device-id.js";
import { ServerError, ServerErrorCode } from "../errors.js";

/** Every repository route lives under this prefix (register the plugin without a fastify `prefix`). */
export const REPOSITORY_PREFIX = "/repo";
export const SHARED_SEGMENT = "shared";
export const DEVICES_SEGMENT = "devices";
export const UPLOADS_SEGMENT = "uploads";

/** (omadm's choice) Longest item path we store; far above any real MO content name. */
export const MAX_REPOSITORY_PATH_LENGTH = 1024;

/** One item's address. `deviceId` null = shared by every device. */
export interface RepositoryRef {
  readonly deviceId: string | null;
  readonly path: string;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

function badPath(message: string): ServerError {
  return new ServerError(ServerErrorCode.REPOSITORY_BAD_PATH, message);
}

/**
 * Checks an item path (already percent-decoded): 1..1024 characters, "/"-separated non-empty segments, no "."
 * or ".." segment (nothing can climb out of its scope), no control characters. Returns it unchanged.
 */
export function checkRepositoryPath(path: string): string {
  if (path === "") throw badPath("the repository path is empty");
  if (path.length > MAX_REPOSITORY_PATH_LENGTH) {
    throw badPath(`the repository path is longer than ${MAX_REPOSITORY_PATH_LENGTH} characters`);
  }
  if (CONTROL.test(path)) throw badPath("the repository path contains a control character");
  for (const segment of path.split("/")) {
    if (segment === "") throw badPath(`the repository path ${JSON.stringify(path)} has an empty segment`);
    if (segment === "." || segment === "..") {
      throw badPath(`the repository path ${JSON.stringify(path)} has a "${segment}" segment`);
    }
  }
  return path;
}

/** Checks a device id taken from a URL or header by the one DevID rule (../device-id.ts). */
export function checkDeviceId(deviceId: string): string {
  const problem = deviceIdProblem(deviceId);
  if (problem !== null) throw badPath(problem);
  return deviceId;
}

/**
 * The public base URL every absolute URL is built on (`http://host:port` or `https://host/prefix`), without a
 * trailing "/". INVALID_INPUT unless it is an absolute http(s) URL without query or fragment.
 */
export function normalizeBaseUrl(publicBaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(publicBaseUrl);
  } catch {
    throw new ServerError(ServerErrorCode.INVALID_INPUT, `publicBaseUrl ${JSON.stringify(publicBaseUrl)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ServerError(ServerErrorCode.INVALID_INPUT, `publicBaseUrl must be http or https, not ${url.protocol}`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new ServerError(ServerErrorCode.INVALID_INPUT, "publicBaseUrl must not have a query or fragment");
  }
  return url.href.replace(/\/+$/, "");
}

const encodePath = (path: string) => path.split("/").map(encodeURIComponent).join("/");

/** The route path (no origin) of an item: `/repo/shared/<path>` or `/repo/devices/<DevID>/<path>`. */
export function repositoryItemPath(ref: RepositoryRef): string {
  const path = encodePath(checkRepositoryPath(ref.path));
  if (ref.deviceId === null) return `${REPOSITORY_PREFIX}/${SHARED_SEGMENT}/${path}`;
  return `${REPOSITORY_PREFIX}/${DEVICES_SEGMENT}/${encodeURIComponent(checkDeviceId(ref.deviceId))}/${path}`;
}

/** The ServerURI of an item (docs/protocol.md §6.2): the server fills in the DevID, the client does no templating. */
export function repositoryItemUrl(baseUrl: string, ref: RepositoryRef): string {
  return normalizeBaseUrl(baseUrl) + repositoryItemPath(ref);
}

/** Where a recorded upload can be read back (the `Location` of an HPUT/HPOST/SUB answer). */
export function repositoryUploadUrl(baseUrl: string, uploadId: string): string {
  return `${normalizeBaseUrl(baseUrl)}${REPOSITORY_PREFIX}/${UPLOADS_SEGMENT}/${encodeURIComponent(uploadId)}`;
}
