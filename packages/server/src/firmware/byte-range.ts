// Which bytes of an image a download answers (RFC 9110 §14: Range, If-Range, 206, 416), decided from the request
// headers alone. Pure and total: a header it cannot read is ignored, which RFC 9110 allows (the whole image, 200).
// One range only: a multi-range request gets the whole image (a device resuming asks for one suffix).

export type RangeDecision =
  | { readonly kind: "whole" }
  | { readonly kind: "partial"; readonly start: number; readonly end: number }
  | { readonly kind: "unsatisfiable" };

const RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * `range` and `ifRange` as received; `etag` the image's strong ETag. An If-Range that is not exactly the current
 * ETag (a changed image, or a date, which a content-addressed image does not need) gives the whole image.
 */
export function decideRange(
  range: string | undefined,
  ifRange: string | undefined,
  etag: string,
  size: number,
): RangeDecision {
  if (range === undefined) return { kind: "whole" };
  if (ifRange !== undefined && ifRange.trim() !== etag) return { kind: "whole" };
  const m = RANGE.exec(range.trim());
  if (m === null) return { kind: "whole" };
  const [, first = "", last = ""] = m;
  if (first === "" && last === "") return { kind: "whole" };
  if (first === "") {
    // A suffix: the last N bytes.
    const n = Number(last);
    if (!Number.isSafeInteger(n)) return { kind: "whole" };
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? Number.MAX_SAFE_INTEGER : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return { kind: "whole" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", start, end: Math.min(end, size - 1) };
}

/** The strong ETag of an image: its SHA-256, quoted. */
export function imageEtag(sha256: string): string {
  return `"${sha256}"`;
}
