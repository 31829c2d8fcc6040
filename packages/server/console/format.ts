// Small display helpers: times as "3 min ago" with the exact time in a title, JSON leaves flattened to paths.

export function ago(iso: string | null, now = Date.now()): string {
  if (iso === null) return "never";
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

export function clock(iso: string | null): string {
  return iso === null ? "" : new Date(iso).toLocaleString();
}

/** `{a: {b: 1}}` under `root` → [["root/a/b", "1"]]. */
export function leaves(root: string, value: unknown, out: [string, string][] = []): [string, string][] {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [name, child] of Object.entries(value)) leaves(root === "" ? name : `${root}/${name}`, child, out);
  } else {
    out.push([root, typeof value === "string" ? value : JSON.stringify(value)]);
  }
  return out;
}

export function joinUri(base: string, name: string): string {
  return base.endsWith("/") ? `${base}${name}` : `${base}/${name}`;
}
