#!/usr/bin/env node
// Runs every package's tests with node:test under tsx. Node 20 has no glob support in `--test`,
// so the files are collected here. Optional arguments narrow the run to paths containing them.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules") continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (name.endsWith(".test.ts")) out.push(full);
  }
  return out;
}

const files = [];
walk(join(root, "test"), files);
for (const pkg of readdirSync(join(root, "packages"))) {
  const testDir = join(root, "packages", pkg, "test");
  try {
    if (statSync(testDir).isDirectory()) walk(testDir, files);
  } catch {
    // a package without tests yet
  }
}
const chosen = filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
if (chosen.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
chosen.sort();
const concurrency = process.env.OMADM_TEST_CONCURRENCY ?? "2";
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--conditions=@omadm/source", "--test", `--test-concurrency=${concurrency}`, ...chosen],
  { stdio: "inherit", cwd: root },
);
process.exit(result.status ?? 1);
