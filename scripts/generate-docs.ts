// `npm run docs`: regenerates the parts of the documentation that are derived from the code — the command
// tables of docs/commands.md, the key tables of docs/device-config.md and docs/server-config.md, and the JSON
// Schemas in docs/schema/. `--check` writes nothing and exits 1 naming every stale file (test/docs-generated
// .test.ts runs the same comparison).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { generatedFiles } from "./docs/generated-files.js";

const root = new URL("..", import.meta.url).pathname;
const check = process.argv.includes("--check");
const stale: string[] = [];
const read = (path: string): string => {
  const full = join(root, path);
  return existsSync(full) ? readFileSync(full, "utf8") : "";
};
for (const file of await generatedFiles(read)) {
  if (read(file.path) === file.content) continue;
  stale.push(file.path);
  if (check) continue;
  mkdirSync(dirname(join(root, file.path)), { recursive: true });
  writeFileSync(join(root, file.path), file.content);
}
if (check && stale.length > 0) {
  console.error(`stale generated docs (run npm run docs): ${stale.join(", ")}`);
  process.exit(1);
}
console.log(stale.length === 0 ? "docs are up to date" : `${check ? "stale" : "updated"}: ${stale.join(", ")}`);
