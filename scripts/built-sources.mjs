// `node --import tsx --import ./scripts/built-sources.mjs …`: run a bench (or any tsx entry of this repository)
// against the built packages. Every module that would load from `packages/<name>/src/…` loads from
// `packages/<name>/dist/…` instead, so that `--cpu-prof` and `--heap-prof` see the code as it runs in production
// with its real line numbers (tsx's transform puts every function of a module on line 1).
//
// It refuses to start when a source file is newer than its build: a profile of stale code misleads. A source
// only touched (a checkout that left its text as it was) is not stale: TypeScript records each file's SHA-256 in
// the package's build info, and `tsc -b` does not write an output again for the same text.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { register } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** The SHA-256 of each source file as the package's last build compiled it, by path (tsc's build info). */
function builtVersions(dist) {
  const versions = new Map();
  try {
    const info = JSON.parse(readFileSync(join(dist, "tsconfig.build.tsbuildinfo"), "utf8"));
    info.fileNames.forEach((name, i) => {
      const version = info.fileInfos[i]?.version;
      if (typeof version === "string") versions.set(join(dist, name), version);
    });
  } catch {
    // No build info (or another layout): the modification times decide alone.
  }
  return versions;
}

function sameText(file, versions) {
  const version = versions.get(file);
  return version !== undefined && createHash("sha256").update(readFileSync(file, "utf8")).digest("hex") === version;
}

/** Source files (under packages/<name>/src) whose compiled .js is missing, or older and built from another text. */
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
    const versions = builtVersions(join(packages, name, "dist"));
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
      const source = join(src, rel);
      if (statSync(source).mtimeMs > builtAt && !sameText(source, versions))
        stale.push(join("packages", name, "src", rel));
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
