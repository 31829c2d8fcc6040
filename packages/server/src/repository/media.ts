// Media types of the Data Repository (docs/protocol.md §1.6, §7.2). What the repository serves is
// what was stored (no conversion between formats); JSON MO data answers every JSON MO alias. What it accepts
// from devices is the JSON MO serialization (and its aliases), TNDS XML and whatever the operator adds; the
// same list goes into `OMADM-Accept` on every answer, so a device told 415 knows what to retry with.
import {
  isMoJsonType,
  mediaTypeEssence,
  MO_JSON_MEDIA_TYPES,
  MT_TNDS_XML,
  omadmAcceptHeader,
  parseMediaType,
} from "@omadm/protocol";
import { ServerError, ServerErrorCode } from "../errors.js";

/** Upload types every repository accepts: `application/dmmo+json`, its aliases, TNDS XML. */
export const DEFAULT_UPLOAD_TYPES: readonly string[] = [...MO_JSON_MEDIA_TYPES, MT_TNDS_XML];

/**
 * The upload types of a repository: the defaults, then `extra` (each checked to be a media type), each
 * essence once. INVALID_INPUT for an entry that is not a `type/subtype`.
 */
export function uploadTypeList(extra: readonly string[] = []): readonly string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const type of [...DEFAULT_UPLOAD_TYPES, ...extra]) {
    const essence = mediaTypeEssence(type);
    if (essence === undefined) {
      throw new ServerError(ServerErrorCode.INVALID_INPUT, `upload type ${JSON.stringify(type)} is not a media type`);
    }
    if (seen.has(essence)) continue;
    seen.add(essence);
    out.push(essence);
  }
  return out;
}

/** The `OMADM-Accept` value announcing the upload types (DM 2.0 §5.5). */
export function uploadAcceptHeader(types: readonly string[]): string {
  return omadmAcceptHeader(types);
}

/**
 * What a stored item can be served as: its own media type first, and for JSON MO data every other JSON MO
 * alias (docs/protocol.md §7.2: the aliases name the same format).
 */
export function offeredTypes(storedType: string): readonly string[] {
  if (!isMoJsonType(storedType)) return [storedType];
  const stored = mediaTypeEssence(storedType);
  return [storedType, ...MO_JSON_MEDIA_TYPES.filter((t) => t !== stored)];
}

/** Checks a media type an operator stores content under; returns it trimmed. INVALID_INPUT when malformed. */
export function checkStoredMediaType(mediaType: string): string {
  const trimmed = mediaType.trim();
  const parsed = parseMediaType(trimmed);
  if (!parsed.ok || parsed.value.type === "*" || parsed.value.subtype === "*") {
    throw new ServerError(ServerErrorCode.INVALID_INPUT, `media type ${JSON.stringify(mediaType)} is not a media type`);
  }
  return trimmed;
}
