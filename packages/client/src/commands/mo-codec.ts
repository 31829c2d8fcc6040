// MO data formats the client reads (HGET bodies) and writes (HPUT/HPOST/SUB bodies), docs/protocol.md §7.2. The JSON
// MO serialization (§7.1) is built in under `application/dmmo+json` and its input aliases; other formats (e.g. a
// TNDS codec) plug in as further codecs. The order of `mediaTypes` is the client's preference: the first is what
// it sends when the server advertised nothing (docs/protocol.md §1.6).
import {
  MO_JSON_MEDIA_TYPES,
  type MoSerialization,
  type Result,
  mediaTypeEssence,
  parseMoSerialization,
  serializeMoSerialization,
} from "@omadm/protocol";

export interface MoCodec {
  /** Media types (essences, lower case) this codec reads and writes. */
  readonly mediaTypes: readonly string[];
  /** Total: bytes → items or a typed error (never throws). */
  decode(body: Uint8Array, limits: { readonly maxBytes: number }): Result<MoSerialization>;
  encode(items: MoSerialization): Uint8Array;
}

/** docs/protocol.md §7.1: the JSON MO serialization, under `application/dmmo+json` and the accepted aliases. */
export const jsonMoCodec: MoCodec = {
  mediaTypes: MO_JSON_MEDIA_TYPES,
  decode: (body, limits) => parseMoSerialization(body, { maxBytes: limits.maxBytes }),
  encode: (items) => new TextEncoder().encode(serializeMoSerialization(items)),
};

/** The formats one client supports, in its order of preference. */
export interface MoCodecSet {
  /** Supported media types, most preferred first; never empty. */
  readonly mediaTypes: readonly string[];
  /** The codec for a media type (parameters ignored, case-insensitive), or undefined when unsupported. */
  codecFor(mediaType: string): MoCodec | undefined;
  /** The value of `Accept` on an HGET: every supported type (docs/protocol.md §4.1 step 1, §1.6). */
  readonly acceptHeader: string;
}

/**
 * Builds the supported set: `mediaTypes` (default: every type of every codec in codec order, JSON always included)
 * keeps only the types some codec handles; when none is left the JSON types are used, since §7.1 is mandatory.
 */
export function createMoCodecSet(
  codecs: readonly MoCodec[] = [jsonMoCodec],
  mediaTypes?: readonly string[],
): MoCodecSet {
  // The default set is immutable: built once, shared by every client (a fleet builds one client per session).
  if (mediaTypes === undefined && codecs.length === 1 && codecs[0] === jsonMoCodec)
    return (defaultSet ??= buildMoCodecSet(codecs, mediaTypes));
  return buildMoCodecSet(codecs, mediaTypes);
}

let defaultSet: MoCodecSet | undefined;

function buildMoCodecSet(codecs: readonly MoCodec[], mediaTypes: readonly string[] | undefined): MoCodecSet {
  const byType = new Map<string, MoCodec>();
  const all = [...codecs, jsonMoCodec];
  for (const c of all) {
    for (const t of c.mediaTypes) {
      const e = mediaTypeEssence(t);
      if (e !== undefined && !byType.has(e)) byType.set(e, c);
    }
  }
  const wanted = mediaTypes ?? all.flatMap((c) => c.mediaTypes);
  const chosen: string[] = [];
  for (const t of wanted) {
    const e = mediaTypeEssence(t);
    if (e !== undefined && byType.has(e) && !chosen.includes(e)) chosen.push(e);
  }
  if (chosen.length === 0) chosen.push(...MO_JSON_MEDIA_TYPES);
  const allowed = new Set(chosen);
  return {
    mediaTypes: chosen,
    codecFor(mediaType) {
      const e = mediaTypeEssence(mediaType);
      return e !== undefined && allowed.has(e) ? byType.get(e) : undefined;
    },
    acceptHeader: chosen.join(", "),
  };
}
