// How every workspace package is built and published (ARCHITECTURE.md "Build and packages"): a
// tsconfig.build.json that extends tsconfig.package.json and references the workspace packages it depends on,
// one line in the root tsconfig.build.json, exports with the "@omadm/source" condition first and dist behind
// it, engines, and no TypeScript tooling at run time. A new package that misses a piece fails here, naming it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

interface Manifest {
  readonly name: string;
  readonly workspaces?: readonly string[];
  readonly engines?: Record<string, string>;
  readonly exports?: Record<string, unknown>;
  readonly files?: readonly string[];
  readonly bin?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
}

interface BuildConfig {
  readonly extends?: string;
  readonly references?: readonly { readonly path: string }[];
  readonly compilerOptions?: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape
const readJson = <T>(path: string): T => JSON.parse(readFileSync(join(root, path), "utf8")) as T;

const workspaces = readJson<Manifest>("package.json").workspaces ?? [];
const packages = workspaces.map((dir) => ({ dir, manifest: readJson<Manifest>(join(dir, "package.json")) }));
const dirOf = new Map(packages.map((p) => [p.manifest.name, p.dir]));

test("the root build lists every workspace package, each once", () => {
  const listed = (readJson<BuildConfig>("tsconfig.build.json").references ?? []).map((r) => r.path);
  assert.deepEqual(
    [...listed].sort(),
    workspaces.map((dir) => `${dir}/tsconfig.build.json`).sort(),
    "tsconfig.build.json references packages/<name>/tsconfig.build.json for each workspace",
  );
});

for (const { dir, manifest } of packages) {
  test(`${manifest.name} (${dir}) is built from src/ into dist/ after the packages it depends on`, () => {
    const config = readJson<BuildConfig>(join(dir, "tsconfig.build.json"));
    assert.equal(config.extends, "../../tsconfig.package.json");
    assert.equal(config.compilerOptions, undefined, "options belong in tsconfig.package.json, for every package");
    const workspaceDeps = Object.keys(manifest.dependencies ?? {}).filter((d) => dirOf.has(d));
    const expected = workspaceDeps.map((d) => `../${(dirOf.get(d) ?? "").split("/").pop() ?? ""}/tsconfig.build.json`);
    assert.deepEqual(
      (config.references ?? []).map((r) => r.path).sort(),
      expected.sort(),
      "references: exactly the workspace packages in dependencies",
    );
  });

  test(`${manifest.name} publishes dist with types, runs on Node 20, needs no TypeScript tooling`, () => {
    assert.equal(manifest.engines?.["node"], ">=20");
    const files = manifest.files ?? [];
    assert.ok(files.includes("dist"), "files include dist");
    assert.ok(files.includes("!dist/tsconfig.build.tsbuildinfo"), "the build info stays out of the tarball");
    for (const tool of ["tsx", "typescript", "ts-node"]) {
      assert.equal(manifest.dependencies?.[tool], undefined, `${tool} is a development tool, not a dependency`);
    }
    if (manifest.exports?.["."] === undefined) {
      assert.ok(manifest.bin !== undefined, "a package without a main export is a command");
    }
    for (const [entry, target] of Object.entries(manifest.exports ?? {})) {
      if (typeof target === "string") continue; // a plain file export, e.g. "./ddf/*"
      const source = (target as Record<string, string>)["@omadm/source"] ?? "";
      const built = /^\.\/src\/(.+)\.ts$/.exec(source)?.[1];
      assert.ok(built !== undefined, `exports["${entry}"]: "@omadm/source" is a file in src/, got ${source}`);
      assert.deepEqual(
        Object.entries(target as Record<string, string>),
        [
          ["@omadm/source", source],
          ["types", `./dist/${built}.d.ts`],
          ["default", `./dist/${built}.js`],
        ],
        `exports["${entry}"]: the source condition first (tests, tsx, the root typecheck), then dist for everyone else`,
      );
    }
  });
}

test("the root typecheck and the tests resolve the workspace packages to their sources", () => {
  const config = readJson<BuildConfig>("tsconfig.json");
  assert.deepEqual(config.compilerOptions?.["customConditions"], ["@omadm/source"]);
  assert.match(readFileSync(join(root, "scripts", "run-tests.mjs"), "utf8"), /--conditions=@omadm\/source/);
});
