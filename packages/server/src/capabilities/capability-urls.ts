// Which ServerURIs of a command get a capability token, and how the token rides in them (docs/repository.md
// "Capability URLs"). Pure. A ServerURI gets one when it addresses this server: an HPUT, HPOST or SUB target in a
// device's repository space (docs/protocol.md §4.2, §4.10), a device-private HGET or DEFAULT source (§4.1, §4.9),
// and the EXEC report URI when it is this server's DM endpoint (§4.4: the client posts the Package#1 carrying the
// asynchronous result to exactly that URI, so a per-command URI names the command the result reports). The
// token travels in the query (`?cap=`), which docs/protocol.md §6.2 allows ("it may carry a query that identifies a
// context") and which the request log never prints (edge/request-log.ts).
import { createHash, randomBytes } from "node:crypto";
import { CapabilityKind } from "../store/types-content.js";

/** The query parameter that carries a capability token. */
export const CAPABILITY_PARAM = "cap";
/** Bytes of randomness in a token (192 bits: unguessable, so a plain SHA-256 is the right thing to store). */
export const CAPABILITY_TOKEN_BYTES = 24;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32}$/;

const REPO_DEVICES = "/repo/devices/";
const DM_PATH = "/dm";

export interface CapabilitySlot {
  /** Index into the command's params (the Package#2 item without its name). */
  readonly index: number;
  readonly kind: CapabilityKind;
  /** The route path granted (origin and base path removed, no query). */
  readonly target: string;
}

export function newCapabilityToken(random: (size: number) => Uint8Array = randomBytes): string {
  const bytes = random(CAPABILITY_TOKEN_BYTES);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

export function hashCapabilityToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A string that can be a token (checked before any store lookup). */
export function isCapabilityToken(text: string): boolean {
  return TOKEN_SHAPE.test(text);
}

/** The route path of `uri` on the server at `baseUrl`, or null when it addresses somewhere else. */
export function routePathOn(baseUrl: URL, uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.origin !== baseUrl.origin) return null;
  const basePath = baseUrl.pathname.replace(/\/+$/, "");
  if (basePath !== "" && !url.pathname.startsWith(`${basePath}/`)) return null;
  return url.pathname.slice(basePath.length);
}

/** The ServerURIs of one command that get a capability, by command name (docs/protocol.md §4). */
export function capabilitySlots(name: string, params: readonly string[], baseUrl: URL): readonly CapabilitySlot[] {
  switch (name) {
    case "HPUT":
    case "HPOST":
    case "SUB":
      return slotAt(params, 0, CapabilityKind.Upload, isDeviceItem, baseUrl);
    case "HGET":
    case "DEFAULT":
      return slotAt(params, 0, CapabilityKind.Read, isDeviceItem, baseUrl);
    case "EXEC":
      return slotAt(params, 1, CapabilityKind.Report, isDmPath, baseUrl);
    default:
      return [];
  }
}

// Module functions, not closures made per command: this runs for every command of every Package#2.
function slotAt(
  params: readonly string[],
  index: number,
  kind: CapabilityKind,
  accept: (path: string) => boolean,
  baseUrl: URL,
): CapabilitySlot[] {
  const uri = params[index];
  if (uri === undefined) return [];
  const path = routePathOn(baseUrl, uri);
  return path !== null && accept(path) ? [{ index, kind, target: path }] : [];
}

function isDeviceItem(path: string): boolean {
  return path.startsWith(REPO_DEVICES);
}

function isDmPath(path: string): boolean {
  return path === DM_PATH;
}

/** `uri` with the token in its query (any earlier `cap` replaced). */
export function withCapability(uri: string, token: string): string {
  const url = new URL(uri);
  url.searchParams.set(CAPABILITY_PARAM, token);
  return url.href;
}

/** The `cap` value of a request URL's query (`/path?cap=…`) as sent, or null when there is none. */
export function capabilityOfUrl(requestUrl: string): string | null {
  const q = requestUrl.indexOf("?");
  if (q < 0) return null;
  return new URLSearchParams(requestUrl.slice(q + 1)).get(CAPABILITY_PARAM);
}
