// What the repository checks inside a body before it keeps it (docs/protocol.md §7.1): JSON MO data must be a
// valid MO serialization whose every ClientURI parses, so a device that HGETs it later never receives
// something no DM Client could store. Other formats (TNDS XML, operator-configured types) are kept as bytes.
import { isMoJsonType, parseClientUri, parseMoSerialization, ProtocolError, type MoItem } from "@omadm/protocol";
import { ServerError, ServerErrorCode } from "../errors.js";

/** What was learnt from a body: the ClientURIs of its items (null when the format is opaque to us). */
export interface ContentSummary {
  readonly clientUris: readonly string[] | null;
}

/** A ContentSummary with the parsed JSON MO items (null when the format is opaque to us). */
export interface ContentItems extends ContentSummary {
  readonly items: readonly MoItem[] | null;
}

/** A refusal of malformed content, naming where (`$[0].ClientURI`) and what rule was broken. */
export class BadContentError extends ServerError {
  /** JSON path of the violation, when the parser knew it. */
  readonly path: string | undefined;
  constructor(detail: ProtocolError) {
    super(ServerErrorCode.REPOSITORY_BAD_CONTENT, `malformed MO data: ${detail.message}`, {
      cause: detail,
      extensions: detail.path === undefined ? {} : { path: detail.path },
    });
    this.path = detail.path;
  }
}

/**
 * Checks `body` as content of `mediaType`. JSON MO data: parseMoSerialization (syntax, size, depth, schema)
 * and parseClientUri on every item's ClientURI; throws BadContentError. Other types pass unchecked.
 */
export function checkContent(mediaType: string, body: Uint8Array, maxBytes: number): ContentSummary {
  return { clientUris: checkContentItems(mediaType, body, maxBytes).clientUris };
}

/** `checkContent`, also giving the parsed items (the repository passes DevInfo values on to the registry). */
export function checkContentItems(mediaType: string, body: Uint8Array, maxBytes: number): ContentItems {
  if (!isMoJsonType(mediaType)) return { clientUris: null, items: null };
  const parsed = parseMoSerialization(body, { maxBytes });
  if (!parsed.ok) throw new BadContentError(parsed.error);
  const clientUris: string[] = [];
  for (const [i, item] of parsed.value.entries()) {
    const uri = parseClientUri(item.ClientURI);
    if (!uri.ok) throw new BadContentError(withPath(uri.error, `$[${i}].ClientURI`));
    clientUris.push(item.ClientURI);
  }
  return { clientUris, items: parsed.value };
}

function withPath(error: ProtocolError, path: string): ProtocolError {
  // The same error, located: the answer names where in the body the bad ClientURI sits.
  return new ProtocolError(error.code, error.message, { path, status: error.status, cause: error });
}
