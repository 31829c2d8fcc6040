// `node --import tsx --import ./scripts/built-sources.mjs …`: run a bench (or any tsx entry of this repository)
// against the built packages. Every module that would load from `packages/<name>/src/…` loads from
// `packages/<name>/dist/…` instead, so that `--cpu-prof` and `--heap-prof` see the code as it runs in production
// with its real line numbers (tsx's transform puts every function of a module on line 1).
//
// It refuses to start when a source file is newer than its build: a profile of stale code misleads.
import { readdirSync, statSync } from "node:fs";
import { register } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** Source files (under packages/<name>/src) whose compiled .js is missing or older than they are. */
function staleSources() {
  const stale = [];
  const packages = join(ROOT, "packages");
  for (const name of readdirSync(packages)) {
    const src = join(packages, name, "src");
    let files;
    try {
      files = readdirSync(src, { recursive: true });
    } catch {
      continue;
    }
    for (const rel of files) {
      if (!/\.ts$/.test(rel) || rel.endsWith(".d.ts")) continue;
      const built = join(packages, name, "dist", rel.replace(/\.ts$/, ".js"));
      let builtAt;
      try {
        builtAt = statSync(built).mtimeMs;
      } catch {
        stale.push(join("packages", name, "src", rel));
        continue;
      }
      if (statSync(join(src, rel)).mtimeMs > builtAt) stale.push(join("packages", name, "src", rel));
    }
  }
  return stale;
}

const stale = staleSources();
if (stale.length > 0) {
  console.error(
    `built-sources: ${stale.length} source file(s) newer than their build (first: ${stale[0]}); ` +
      "run `npm run build` first",
  );
  process.exit(2);
}
register("./built-sources-hooks.mjs", import.meta.url, { data: { root: ROOT } });
