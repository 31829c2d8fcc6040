// In a git checkout of the omadm workspace, the `omadm` command runs the JavaScript that `npm run build` (tsc -b,
// run by `npm ci`) wrote to each package's dist/. This tells whether that build is there and newer than the
// sources, so that a `git pull` or an edit is never run as stale code or ends in a module-not-found. An installed
// package has no tsconfig.build.json and is never checked.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** The build info tsc -b writes last into each package's dist/ (tsconfig.package.json `tsBuildInfoFile`). */
export const BUILD_INFO = "dist/tsconfig.build.tsbuildinfo";

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    const t = entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/** The compiler options every package build shares (a change rebuilds them all). */
const SHARED_CONFIGS = ["tsconfig.base.json", "tsconfig.package.json"];

function mtimeIfAny(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

/** The web console's sources and the file its build (scripts/build-console.mjs) writes last. */
export const CONSOLE_SOURCE = "packages/server/console";
export const CONSOLE_BUILT = "packages/server/dist/console-app/index.html";

/**
 * The state of the build of every workspace package of `root` that has a tsconfig.build.json:
 * `{ ok: true }`, or `{ ok: false, reason }` naming the first package whose dist is missing or older than its
 * src/, its tsconfig.build.json or the shared configs.
 */
export function checkBuild(root) {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const shared = Math.max(...SHARED_CONFIGS.map((name) => mtimeIfAny(join(root, name))));
  for (const workspace of manifest.workspaces ?? []) {
    const dir = join(root, workspace);
    const config = join(dir, "tsconfig.build.json");
    if (!existsSync(config)) continue;
    const info = join(dir, BUILD_INFO);
    if (!existsSync(info)) return { ok: false, reason: `${workspace}/dist is missing` };
    const built = statSync(info).mtimeMs;
    if (Math.max(newestMtime(join(dir, "src")), statSync(config).mtimeMs) > built) {
      return { ok: false, reason: `${workspace}/src changed after the last build` };
    }
    if (shared > built) return { ok: false, reason: `${SHARED_CONFIGS.join(" or ")} changed after the last build` };
  }
  const consoleSource = join(root, CONSOLE_SOURCE);
  if (existsSync(consoleSource) && newestMtime(consoleSource) > mtimeIfAny(join(root, CONSOLE_BUILT))) {
    return { ok: false, reason: `${CONSOLE_SOURCE} changed after the last build` };
  }
  return { ok: true };
}
