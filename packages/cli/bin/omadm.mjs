#!/usr/bin/env node
// The `omadm` command: runs the built JavaScript in ../dist. In a git checkout of the workspace (where
// tsconfig.build.json sits beside this folder) a missing or stale build is rebuilt first, with a note on stderr,
// so that `git pull && npm start` never runs old code; an installed package ships its dist and is not checked.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

if (existsSync(here("../tsconfig.build.json"))) {
  const root = here("../../../");
  const { checkBuild } = await import("./build-check.mjs");
  const build = checkBuild(root);
  if (!build.ok) {
    process.stderr.write(`omadm: ${build.reason}; building (npm run build) …\n`);
    let tsc;
    try {
      tsc = createRequire(`${root}package.json`).resolve("typescript/bin/tsc");
    } catch {
      process.stderr.write(`omadm: TypeScript is not installed; run \`npm ci\` in ${root}\n`);
      process.exit(1);
    }
    const result = spawnSync(process.execPath, [tsc, "-b", `${root}tsconfig.build.json`], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    // The web console's bundle (docs/console.md) is the other half of `npm run build`.
    const consoleBuild = `${root}scripts/build-console.mjs`;
    const bundled =
      result.status === 0 && existsSync(consoleBuild)
        ? spawnSync(process.execPath, [consoleBuild], { stdio: ["ignore", "ignore", "inherit"] })
        : result;
    if (result.status !== 0 || bundled.status !== 0) {
      process.stderr.write("omadm: the build failed (see above); fix it, then run the command again\n");
      process.exit(1);
    }
  }
}

const { main } = await import("../dist/main.js");
await main(process.argv);
