// The MIME handshake for the bodies the client sends (docs/protocol.md §1.6): a DM Server announces in
// `OMADM-Accept` (e.g. on a Package#2 response) which MO formats it takes in later PUT/POST requests. The client
// keeps the last list per server and sends the best format both sides support; without a list it sends the
// mandatory `application/dmmo+json` (§7.2). A 415 from the receiver carries its own list, which the client also
// remembers per ServerURI, so the next SUB report to that URI starts in the right format.
import { MT_MO_JSON, chooseMediaType, mediaTypeEssence, parseAccept } from "@omadm/protocol";

export interface ServerAcceptStore {
  /** Records the `OMADM-Accept` a server sent; undefined or blank forgets it. Malformed lists are ignored. */
  setServerAccept(serverId: string, omadmAccept: string | undefined): void;
  /** The last `OMADM-Accept` recorded for a server. */
  serverAccept(serverId: string): string | undefined;
  /** Records the type a receiver accepted after a 415 (keyed by the exact ServerURI). */
  rememberUriType(serverUri: string, mediaType: string): void;
  uriType(serverUri: string): string | undefined;
}

/** Keeps at most this many learned ServerURI formats (oldest forgotten first). */
const MAX_URI_ENTRIES = 1024;

export function createServerAcceptStore(): ServerAcceptStore {
  const byServer = new Map<string, string>();
  const byUri = new Map<string, string>();
  return {
    setServerAccept(serverId, omadmAccept) {
      if (omadmAccept === undefined || omadmAccept.trim() === "") {
        byServer.delete(serverId);
        return;
      }
      if (parseAccept(omadmAccept).ok) byServer.set(serverId, omadmAccept);
    },
    serverAccept: (serverId) => byServer.get(serverId),
    rememberUriType(serverUri, mediaType) {
      byUri.delete(serverUri);
      byUri.set(serverUri, mediaType);
      if (byUri.size > MAX_URI_ENTRIES) {
        const oldest = byUri.keys().next().value;
        if (oldest !== undefined) byUri.delete(oldest);
      }
    },
    uriType: (serverUri) => byUri.get(serverUri),
  };
}

/**
 * The type to send first: what this ServerURI accepted before, else the best supported type in the server's
 * `OMADM-Accept`, else the mandatory JSON type (our first type when JSON is not configured).
 */
export function chooseSendType(
  supported: readonly string[],
  learned: string | undefined,
  advertised: string | undefined,
): string {
  if (learned !== undefined && supported.includes(mediaTypeEssence(learned) ?? "")) return learned;
  if (advertised !== undefined) {
    const ranges = parseAccept(advertised);
    if (ranges.ok) {
      const chosen = chooseMediaType(ranges.value, supported);
      if (chosen !== undefined) return chosen;
    }
  }
  return supported.includes(MT_MO_JSON) ? MT_MO_JSON : (supported[0] ?? MT_MO_JSON);
}

/**
 * docs/protocol.md §4.2 / §4.10 / §1.6: after a 415 carrying `OMADM-Accept`, the type to retry once with — a listed
 * type this client writes, preferring one other than the type just refused (the receiver may list that type and
 * still have refused the body, e.g. for a parameter; one retry in it is what the rule asks) — or undefined only
 * when the list names no type this client writes (→ 406 for HPUT/HPOST).
 */
export function chooseRetryType(
  supported: readonly string[],
  refused: string,
  omadmAccept: string | undefined,
): string | undefined {
  if (omadmAccept === undefined) return undefined;
  const ranges = parseAccept(omadmAccept);
  if (!ranges.ok) return undefined;
  const refusedEssence = mediaTypeEssence(refused);
  const others = supported.filter((t) => t !== refusedEssence);
  return chooseMediaType(ranges.value, others) ?? chooseMediaType(ranges.value, supported);
}
