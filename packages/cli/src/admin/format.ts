// Readable output of the admin commands: aligned tables, "key: value" blocks, short times. Pure functions.

/** Aligns columns with two spaces between them; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** "key: value" lines, keys aligned. */
export function details(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}`).join("\n");
}

/** An RFC 3339 time as "2026-01-01 12:00:00Z"; "-" for none. */
export function time(value: unknown): string {
  if (typeof value !== "string") return "-";
  return value.replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/** Any value as one short cell: "-" for null/undefined, JSON for objects. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "string") return value === "" ? '""' : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** name=value,name=value */
export function labels(value: unknown): string {
  if (typeof value !== "object" || value === null) return "-";
  const entries = Object.entries(value as Record<string, unknown>);
  return entries.length === 0 ? "-" : entries.map(([k, v]) => `${k}=${cell(v)}`).join(",");
}

/** The "more results" hint after a page. */
export function nextPageHint(nextCursor: unknown): string | null {
  return typeof nextCursor === "string" ? `(more: --cursor ${nextCursor})` : null;
}
