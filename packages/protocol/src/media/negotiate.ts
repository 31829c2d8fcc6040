// The DM 2.0 MIME handshake (docs/protocol.md §1.6) on top of RFC 9110 §12.5.1 content negotiation:
// - a response format the client cannot accept → 406 Not Acceptable;
// - a request body in a format the receiver does not support → 415 Unsupported Media Type (for SUB data the
//   415 MUST carry OMADM-Accept listing the supported types: omadmAcceptHeader());
// - the server announces extra MO formats for later HPUT/HPOST/SUB bodies in OMADM-Accept.
import { ErrorCode, ProtocolError } from "../errors.js";
import { MT_MO_JSON, MT_MO_JSON_ALIASES } from "../media-types.js";
import { err, ok, type Result } from "../result.js";
import {
  formatAccept,
  mediaTypeEssence,
  parseAccept,
  parseMediaType,
  type MediaRange,
  type MediaType,
} from "./media-range.js";

/** The JSON MO serialization type first, then the aliases accepted on input (docs/protocol.md §7.2). */
export const MO_JSON_MEDIA_TYPES: readonly string[] = [MT_MO_JSON, ...MT_MO_JSON_ALIASES];

/** True for `application/dmmo+json` and its input aliases, with any parameters and in any case. */
export function isMoJsonType(type: string): boolean {
  const essence = mediaTypeEssence(type);
  return essence !== undefined && MO_JSON_MEDIA_TYPES.includes(essence);
}

/** RFC 9110 §12.5.1: more specific ranges override less specific ones; parameters add specificity. */
function specificity(r: MediaRange): number {
  if (r.type === "*") return 0;
  if (r.subtype === "*") return 1;
  return 2 + r.params.length;
}

function matches(r: MediaRange, offer: MediaType): boolean {
  if (r.type !== "*" && r.type !== offer.type) return false;
  if (r.subtype !== "*" && r.subtype !== offer.subtype) return false;
  return r.params.every(([k, v]) =>
    offer.params.some(([ok2, ov]) => ok2 === k && ov.toLowerCase() === v.toLowerCase()),
  );
}

/**
 * Picks the offered type the client prefers. `accept` undefined means no Accept header: anything goes, so the
 * first offer wins. Otherwise each offer takes the q of its most specific matching range (q=0 excludes it);
 * the highest q wins, then the more specific match, then the server's order. Returns the offered string as
 * given, or undefined when nothing is acceptable (an empty `accept` list accepts nothing).
 */
export function chooseMediaType(
  accept: readonly MediaRange[] | undefined,
  offered: readonly string[],
): string | undefined {
  if (accept === undefined) return offered[0];
  let best: { offer: string; q: number; spec: number } | undefined;
  for (const offer of offered) {
    const parsed = parseMediaType(offer);
    if (!parsed.ok) continue;
    let match: { q: number; spec: number } | undefined;
    for (const r of accept) {
      if (!matches(r, parsed.value)) continue;
      const spec = specificity(r);
      if (match === undefined || spec > match.spec) match = { q: r.q, spec };
    }
    if (match === undefined || match.q <= 0) continue;
    if (best === undefined || match.q > best.q || (match.q === best.q && match.spec > best.spec)) {
      best = { offer, ...match };
    }
  }
  return best?.offer;
}

/**
 * Decides the response type for a request's `Accept` header. An absent or blank header accepts anything (the
 * first offer). A malformed header → `MEDIA_RANGE_SYNTAX` (400); nothing acceptable → `MEDIA_NOT_ACCEPTABLE`
 * (406), whose message lists what is offered.
 */
export function negotiateResponse(acceptHeader: string | undefined, offered: readonly string[]): Result<string> {
  let ranges: MediaRange[] | undefined;
  if (acceptHeader !== undefined && acceptHeader.trim() !== "") {
    const parsed = parseAccept(acceptHeader);
    if (!parsed.ok) return parsed;
    ranges = parsed.value;
  }
  const chosen = chooseMediaType(ranges, offered);
  if (chosen !== undefined) return ok(chosen);
  const wanted = ranges === undefined ? "anything" : JSON.stringify(acceptHeader);
  return err(
    new ProtocolError(
      ErrorCode.MEDIA_NOT_ACCEPTABLE,
      `Not Acceptable: the client accepts ${wanted}; available: ${offered.join(", ") || "nothing"}`,
      { status: 406 },
    ),
  );
}

function unsupported(
  message: string,
  supported: readonly string[],
): { readonly ok: false; readonly error: ProtocolError } {
  return err(
    new ProtocolError(ErrorCode.MEDIA_UNSUPPORTED, `${message}; supported: ${supported.join(", ") || "none"}`, {
      status: 415,
    }),
  );
}

/**
 * Checks a request body's `Content-Type` against the supported types. Type and subtype compare
 * case-insensitively; parameters (`; charset=utf-8`) are ignored. Returns the matching entry of `supported`;
 * missing, malformed or unsupported → `MEDIA_UNSUPPORTED` (415) listing the supported types (put them in
 * `OMADM-Accept` with omadmAcceptHeader()).
 */
export function checkRequestContentType(contentType: string | undefined, supported: readonly string[]): Result<string> {
  if (contentType === undefined || contentType.trim() === "") return unsupported("missing Content-Type", supported);
  const parsed = parseMediaType(contentType);
  if (!parsed.ok) return unsupported(`malformed Content-Type (${parsed.error.message})`, supported);
  const essence = `${parsed.value.type}/${parsed.value.subtype}`;
  const hit = supported.find((s) => mediaTypeEssence(s) === essence);
  if (hit !== undefined) return ok(hit);
  return unsupported(`unsupported media type "${essence}"`, supported);
}

/**
 * The `OMADM-Accept` value announcing `supported` (DM 2.0 §5.5 / docs/protocol.md §1.6), in the given order, each
 * type once (compared by essence, parameters kept from the first occurrence). Entries that are not media
 * types are left out.
 */
export function omadmAcceptHeader(supported: readonly string[]): string {
  const seen = new Set<string>();
  const ranges: MediaRange[] = [];
  for (const s of supported) {
    const parsed = parseMediaType(s);
    if (!parsed.ok) continue;
    const essence = `${parsed.value.type}/${parsed.value.subtype}`;
    if (seen.has(essence)) continue;
    seen.add(essence);
    ranges.push({ ...parsed.value, q: 1 });
  }
  return formatAccept(ranges);
}
