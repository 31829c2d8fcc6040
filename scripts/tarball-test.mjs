#!/usr/bin/env node
// `npm run test:tarball` (run by .ci/run after `npm test`): do the published packages work on their own?
//
// Builds, `npm pack`s every workspace package, installs the tarballs into a fresh project in a temp dir that has
// no TypeScript tooling (dependencies from the npm registry or its local cache), then there:
//   - runs test/tarball/consumer.mjs with plain Node: `omadm` from the installed package, a DmClient session
//     against it, @omadm/server's API (see the file);
//   - type-checks test/tarball/consumer.ts against the shipped .d.ts with the workspace's tsc (skipLibCheck off,
//     so the shipped declarations themselves are checked too).
// better-sqlite3 is installed without its install script, and the add-on the workspace's `npm ci` compiled is
// copied in: compiling it again would take minutes and tests better-sqlite3, not our packages.
// Exits non-zero, naming the step, on any failure. OMADM_TARBALL_KEEP=1 keeps the temp dir.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const work = mkdtempSync(join(tmpdir(), "omadm-tarball-"));
const app = join(work, "app");
const started = performance.now();
const timings = [];

function step(name, body) {
  const t0 = performance.now();
  process.stdout.write(`== ${name}\n`);
  try {
    return body();
  } catch (error) {
    // A failed command: its own output says why (execFileSync's message repeats its stderr).
    const output = [error.stdout, error.stderr].filter(Boolean).join("\n").trim();
    const why = error.status !== undefined && output !== "" ? `exit code ${error.status}\n${output}` : error.message;
    throw new Error(`${name} failed: ${why}`, { cause: error });
  } finally {
    timings.push(`${name} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}

/** Runs a command, its output shown only when it fails (then in the error). */
function quiet(file, args, cwd) {
  return execFileSync(file, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 240_000 });
}

try {
  step("build", () => quiet(npm, ["run", "build", "--silent"], root));

  const packed = step("npm pack (every workspace package)", () => {
    const out = quiet(npm, ["pack", "--workspaces", "--json", "--pack-destination", work], root);
    return JSON.parse(out).map((p) => ({ name: p.name, file: join(work, p.filename) }));
  });
  for (const p of packed) process.stdout.write(`   ${p.name}: ${p.file}\n`);

  step("install the tarballs into a fresh project", () => {
    mkdirSync(app);
    const tarballs = Object.fromEntries(packed.map((p) => [p.name, `file:${p.file}`]));
    const addon = join("node_modules", "better-sqlite3", "build");
    const sqliteVersion = (dir) =>
      JSON.parse(readFileSync(join(dir, "node_modules", "better-sqlite3", "package.json"), "utf8")).version;
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify(
        {
          name: "omadm-tarball-consumer",
          private: true,
          type: "module",
          dependencies: tarballs,
          // The packages depend on each other by version: these overrides make that the tarball too, never a
          // registry package of the same name. better-sqlite3 is held to the workspace's version, whose compiled
          // add-on is copied in below.
          overrides: { ...tarballs, "better-sqlite3": sqliteVersion(root) },
        },
        null,
        2,
      ),
    );
    quiet(npm, ["install", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"], app);
    for (const tool of ["typescript", "tsx", "esbuild"]) {
      if (existsSync(join(app, "node_modules", tool)))
        throw new Error(`${tool} was installed: the packages need no TypeScript tooling`);
    }
    if (sqliteVersion(root) !== sqliteVersion(app))
      throw new Error(`better-sqlite3 ${sqliteVersion(app)} installed, the workspace has ${sqliteVersion(root)}`);
    cpSync(join(root, addon), join(app, addon), { recursive: true });
  });

  step("plain Node ESM: omadm server, a DmClient session, @omadm/server's API", () => {
    cpSync(join(root, "test", "tarball", "consumer.mjs"), join(app, "consumer.mjs"));
    process.stdout.write(quiet(process.execPath, ["consumer.mjs"], app));
  });

  step("type-check a consumer against the shipped .d.ts", () => {
    cpSync(join(root, "test", "tarball", "consumer.ts"), join(app, "consumer.ts"));
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2023"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          // Node's types come from the workspace, as a consumer's own @types/node would.
          typeRoots: [join(root, "node_modules", "@types")],
          types: ["node"],
        },
        files: ["consumer.ts"],
      }),
    );
    quiet(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], app);
  });

  const total = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`tarball test: passed in ${total} s (${timings.join(", ")})\n`);
} catch (error) {
  process.stderr.write(`tarball test: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  if (process.env.OMADM_TARBALL_KEEP === "1") process.stdout.write(`kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}
