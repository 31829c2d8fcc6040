// The repository's own text files, for the tests that check what the repository says about itself (citations,
// process leftovers): sources, tests, benchmarks, scripts, DDFs, examples and docs — not dependencies, build
// output or runtime data.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const SKIP_DIRS = new Set(["node_modules", ".git", "dist", "data", "coverage", ".omadm"]);
const TEXT_FILE = /\.(?:ts|mjs|js|json|md|ddf|xml|sh)$|^run$/;

function walk(root: string, dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(root, full, out);
    else if (TEXT_FILE.test(name) && name !== "package-lock.json") out.push(relative(root, full));
  }
}

/** Repository-relative paths of the text files, sorted. */
export function repositoryFiles(root: string): string[] {
  const out: string[] = [];
  walk(root, root, out);
  return out.sort();
}
