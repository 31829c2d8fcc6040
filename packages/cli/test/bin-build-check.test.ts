// bin/build-check.mjs: in a git checkout, `omadm` rebuilds before running when a package's dist is missing or
// older than its sources (a `git pull`, an edit), rather than running stale code or failing to import.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BUILD_INFO, checkBuild, CONSOLE_BUILT, CONSOLE_SOURCE } from "../bin/build-check.mjs";

function workspace(): { readonly root: string; readonly remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), "omadm-build-check-"));
  writeFileSync(join(root, "package.json"), JSON.stringify({ workspaces: ["packages/a", "packages/docs"] }));
  mkdirSync(join(root, "packages", "a", "src", "deep"), { recursive: true });
  writeFileSync(join(root, "packages", "a", "tsconfig.build.json"), "{}");
  writeFileSync(join(root, "packages", "a", "src", "deep", "x.ts"), "export {};");
  // A workspace without tsconfig.build.json is not built, so never checked.
  mkdirSync(join(root, "packages", "docs"), { recursive: true });
  return {
    root,
    remove: () => {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function setTime(path: string, seconds: number): void {
  utimesSync(path, seconds, seconds);
}

test("a package without dist/ is reported missing", (t) => {
  const ws = workspace();
  t.after(ws.remove);
  assert.deepEqual(checkBuild(ws.root), { ok: false, reason: "packages/a/dist is missing" });
});

test("a build newer than every source is fresh; a source edited after it (at any depth) is stale", (t) => {
  const ws = workspace();
  t.after(ws.remove);
  const pkg = join(ws.root, "packages", "a");
  mkdirSync(join(pkg, "dist"));
  writeFileSync(join(pkg, BUILD_INFO), "{}");
  for (const p of ["tsconfig.build.json", "src/deep/x.ts", "src/deep", "src"]) setTime(join(pkg, p), 1_000);
  setTime(join(pkg, BUILD_INFO), 2_000);
  assert.deepEqual(checkBuild(ws.root), { ok: true });

  setTime(join(pkg, "src", "deep", "x.ts"), 3_000);
  assert.deepEqual(checkBuild(ws.root), { ok: false, reason: "packages/a/src changed after the last build" });
});

test("a changed tsconfig.build.json or shared tsconfig.package.json makes the build stale", (t) => {
  const ws = workspace();
  t.after(ws.remove);
  const pkg = join(ws.root, "packages", "a");
  mkdirSync(join(pkg, "dist"));
  writeFileSync(join(pkg, BUILD_INFO), "{}");
  for (const p of ["src/deep/x.ts", "src/deep", "src"]) setTime(join(pkg, p), 1_000);
  setTime(join(pkg, BUILD_INFO), 2_000);
  setTime(join(pkg, "tsconfig.build.json"), 1_000);
  writeFileSync(join(ws.root, "tsconfig.package.json"), "{}");
  setTime(join(ws.root, "tsconfig.package.json"), 1_500);
  assert.deepEqual(checkBuild(ws.root), { ok: true });

  setTime(join(ws.root, "tsconfig.package.json"), 3_000);
  assert.equal(checkBuild(ws.root).ok, false);
  setTime(join(ws.root, "tsconfig.package.json"), 1_500);
  setTime(join(pkg, "tsconfig.build.json"), 3_000);
  assert.equal(checkBuild(ws.root).ok, false);
});

test("the web console's bundle is stale when a console source is newer, and missing when never built", (t) => {
  const ws = workspace();
  t.after(ws.remove);
  const pkg = join(ws.root, "packages", "a");
  mkdirSync(join(pkg, "dist"));
  writeFileSync(join(pkg, BUILD_INFO), "{}");
  for (const p of ["tsconfig.build.json", "src/deep/x.ts", "src/deep", "src"]) setTime(join(pkg, p), 1_000);
  setTime(join(pkg, BUILD_INFO), 2_000);
  const source = join(ws.root, CONSOLE_SOURCE);
  mkdirSync(source, { recursive: true });
  writeFileSync(join(source, "main.tsx"), "");
  setTime(join(source, "main.tsx"), 1_000);
  setTime(source, 1_000);
  const stale = { ok: false, reason: `${CONSOLE_SOURCE} changed after the last build` };
  assert.deepEqual(checkBuild(ws.root), stale);

  const built = join(ws.root, CONSOLE_BUILT);
  mkdirSync(join(built, ".."), { recursive: true });
  writeFileSync(built, "");
  setTime(built, 2_000);
  assert.deepEqual(checkBuild(ws.root), { ok: true });
  setTime(join(source, "main.tsx"), 3_000);
  assert.deepEqual(checkBuild(ws.root), stale);
});
