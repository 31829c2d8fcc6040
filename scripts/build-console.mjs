#!/usr/bin/env node
// Builds the web console (docs/console.md): esbuild bundles packages/server/console/main.tsx (Preact) into one
// minified ES module and one stylesheet with content-hashed names, and writes index.html naming them, all into
// packages/server/dist/console-app/, which ships in @omadm/server's tarball with the rest of dist/. Part of
// `npm run build`. Prints the page weight (bytes and gzip) so a change that bloats it shows.
import { build } from "esbuild";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));
const source = join(root, "packages", "server", "console");
const out = join(root, "packages", "server", "dist", "console-app");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: { app: join(source, "main.tsx"), style: join(source, "style.css") },
  outdir: out,
  entryNames: "[name]-[hash]",
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2022", "chrome110", "firefox110", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  tsconfig: join(source, "tsconfig.json"),
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
});
const outputs = Object.keys(result.metafile.outputs).map((p) => p.split("/").at(-1));
const js = outputs.find((name) => name.endsWith(".js"));
const css = outputs.find((name) => name.endsWith(".css"));
if (js === undefined || css === undefined) throw new Error(`console build: no .js or .css among ${outputs.join(", ")}`);
const html = readFileSync(join(source, "index.html"), "utf8").replace("%JS%", js).replace("%CSS%", css);
writeFileSync(join(out, "index.html"), html);

let raw = 0;
let gzip = 0;
for (const name of readdirSync(out)) {
  const body = readFileSync(join(out, name));
  raw += body.length;
  gzip += gzipSync(body, { level: 9 }).length;
}
if (process.env["OMADM_QUIET_BUILD"] !== "1") {
  process.stdout.write(`console: ${readdirSync(out).join(", ")}: ${raw} bytes, ${gzip} bytes gzip\n`);
}
