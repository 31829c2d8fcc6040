// Conditional requests on repository items (RFC 9110 §13.1): If-None-Match on HGET lets a device skip a
// download it already has (304), If-Match on a PUT stops a device overwriting a version it has not seen (412).
// Total: a malformed header gives a typed answer, never an exception.

/** One entity tag as written in a header: `"x"` (strong) or `W/"x"` (weak). */
export interface EntityTag {
  readonly weak: boolean;
  /** The opaque tag with its quotes, e.g. `"3-abc"` (the form the store's ETags have). */
  readonly tag: string;
}

/** `*`, a list of entity tags, or undefined when the header is malformed. */
export type EntityTagList = "*" | readonly EntityTag[];

// RFC 9110 §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text.
const ENTITY_TAG = /^(W\/)?("[\x21\x23-\x7e\x80-\xff]*")/;

/** Parses an If-Match / If-None-Match value. undefined for a malformed one. */
export function parseEntityTagList(header: string): EntityTagList | undefined {
  const text = header.trim();
  if (text === "*") return "*";
  const tags: EntityTag[] = [];
  let rest = text;
  for (;;) {
    rest = rest.replace(/^[ \t]*/, "");
    const m = ENTITY_TAG.exec(rest);
    if (m === null || m[2] === undefined) return undefined;
    tags.push({ weak: m[1] !== undefined, tag: m[2] });
    rest = rest.slice(m[0].length).replace(/^[ \t]*/, "");
    if (rest === "") return tags;
    if (!rest.startsWith(",")) return undefined;
    rest = rest.slice(1);
    // A trailing or doubled comma is tolerated (RFC 9110 §5.6.1: empty list elements are ignored).
    while (/^[ \t]*,/.test(rest)) rest = rest.replace(/^[ \t]*,/, "");
    if (rest.trim() === "") return tags;
  }
}

/**
 * RFC 9110 §13.1.2: If-None-Match uses the weak comparison; `*` matches any current item. A malformed header
 * is ignored (the full answer is always safe), so this answers false.
 */
export function ifNoneMatchHits(header: string | undefined, currentEtag: string): boolean {
  if (header === undefined) return false;
  const list = parseEntityTagList(header);
  if (list === undefined) return false;
  if (list === "*") return true;
  const current = currentEtag.replace(/^W\//, "");
  return list.some((t) => t.tag === current);
}

/** What an If-Match header asks of a write. */
export type IfMatchDecision =
  | { readonly kind: "none" }
  /** Write only if the item's ETag is still this one (`"*"`: if the item exists) — checked by the store. */
  | { readonly kind: "expect"; readonly etag: string }
  | { readonly kind: "fail"; readonly message: string }
  | { readonly kind: "malformed"; readonly message: string };

/**
 * RFC 9110 §13.1.1: If-Match uses the strong comparison (a weak tag never matches). `currentEtag` is the
 * item's ETag now (null: no item); the decision's `expect` is handed to the store so a concurrent writer
 * between this read and the write still fails with 412.
 */
export function decideIfMatch(header: string | undefined, currentEtag: string | null): IfMatchDecision {
  if (header === undefined) return { kind: "none" };
  const list = parseEntityTagList(header);
  if (list === undefined) return { kind: "malformed", message: `malformed If-Match ${JSON.stringify(header)}` };
  if (list === "*") {
    return currentEtag === null ? { kind: "fail", message: "If-Match: * but the item does not exist" } : expect("*");
  }
  if (currentEtag === null) return { kind: "fail", message: "If-Match given but the item does not exist" };
  if (list.some((t) => !t.weak && t.tag === currentEtag)) return expect(currentEtag);
  return { kind: "fail", message: `the item's ETag is ${currentEtag}; If-Match was ${header}` };
}

function expect(etag: string): IfMatchDecision {
  return { kind: "expect", etag };
}
