// ARCHITECTURE.md invariant 1: the allowed imports between packages. protocol ← transport, protocol + transport ←
// client, protocol + transport ← server, client + server ← cli. The client (and the transport it uses) never
// imports the server or its dependencies, and the reverse; the protocol core imports no I/O module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

const ALLOWED_WORKSPACE_IMPORTS: Record<string, readonly string[]> = {
  protocol: [],
  transport: ["@omadm/protocol"],
  client: ["@omadm/protocol", "@omadm/transport"],
  server: ["@omadm/protocol", "@omadm/transport"],
  cli: ["@omadm/protocol", "@omadm/client", "@omadm/server"],
};

/** Third-party packages only the server may use: the client, and the transports it uses, must stay small. */
const SERVER_ONLY = [
  "fastify",
  "@fastify/",
  "kysely",
  "better-sqlite3",
  "pg",
  "pino",
  "prom-client",
  "playwright-core",
];
/** Libraries only @omadm/transport uses, so that their connect and timeout handling exists once. */
const TRANSPORT_ONLY: readonly string[] = ["mqtt"];
/** Packages a device maker installs with the client: they carry no server-side dependency. */
const CLIENT_SIDE: readonly string[] = ["client", "transport"];
/** Modules the pure protocol core must never import (invariant 2). */
const PROTOCOL_FORBIDDEN = [
  "node:fs",
  "node:net",
  "node:dgram",
  "node:http",
  "node:https",
  "node:tls",
  "node:child_process",
  "node:worker_threads",
  "undici",
  "mqtt",
];

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) sourceFiles(full, out);
    else if (name.endsWith(".ts")) out.push(full);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs: string[] = [];
  const patterns = [
    /(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g, // import x from "m", export * from "m"
    /import\s+["']([^"']+)["']/g, // import "m" (side effects)
    /import\(\s*["']([^"']+)["']\s*\)/g, // import("m")
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) if (m[1] !== undefined) specs.push(m[1]);
  return specs;
}

function packageOf(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? spec);
}

for (const [pkg, allowed] of Object.entries(ALLOWED_WORKSPACE_IMPORTS)) {
  test(`packages/${pkg}/src imports only what the architecture allows`, () => {
    const violations: string[] = [];
    let dir: string;
    try {
      dir = join(root, "packages", pkg, "src");
      statSync(dir);
    } catch {
      return; // package not created yet
    }
    for (const file of sourceFiles(dir)) {
      for (const spec of importsOf(file)) {
        const rel = file.slice(root.length);
        if (spec.startsWith(".")) {
          // relative imports must stay inside the package's own src
          if (!join(file, "..", spec).startsWith(dir))
            violations.push(`${rel}: relative import leaves the package: ${spec}`);
          continue;
        }
        const name = packageOf(spec);
        if (name.startsWith("@omadm/") || name === "omadm") {
          if (!allowed.includes(name)) violations.push(`${rel}: ${pkg} may not import ${name}`);
        }
        if (CLIENT_SIDE.includes(pkg) && SERVER_ONLY.some((s) => name === s || name.startsWith(s))) {
          violations.push(`${rel}: ${pkg} may not depend on server-side package ${name}`);
        }
        if (pkg !== "transport" && TRANSPORT_ONLY.includes(name)) {
          violations.push(`${rel}: ${name} is used through @omadm/transport only`);
        }
        if (pkg === "protocol" && PROTOCOL_FORBIDDEN.some((s) => name === s || spec === s)) {
          violations.push(`${rel}: the pure protocol core may not import ${spec}`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });
}

test("each package.json declares only the workspace dependencies the architecture allows", () => {
  for (const [pkg, allowed] of Object.entries(ALLOWED_WORKSPACE_IMPORTS)) {
    const manifest = JSON.parse(readFileSync(join(root, "packages", pkg, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    const workspaceDeps = Object.keys(manifest.dependencies ?? {}).filter((d) => d.startsWith("@omadm/"));
    for (const dep of workspaceDeps) assert.ok(allowed.includes(dep), `${pkg} must not depend on ${dep}`);
    if (CLIENT_SIDE.includes(pkg)) {
      for (const dep of Object.keys(manifest.dependencies ?? {})) {
        assert.ok(!SERVER_ONLY.some((s) => dep === s || dep.startsWith(s)), `${pkg} must not depend on ${dep}`);
      }
    }
  }
});

const PACKAGE_NAMES: Record<string, string> = {
  protocol: "@omadm/protocol",
  transport: "@omadm/transport",
  client: "@omadm/client",
  server: "@omadm/server",
  cli: "omadm",
};

for (const [pkg, allowed] of Object.entries(ALLOWED_WORKSPACE_IMPORTS)) {
  test(`packages/${pkg}/test reaches only packages the architecture allows ${pkg} to use`, () => {
    const dir = join(root, "packages", pkg, "test");
    const violations: string[] = [];
    for (const file of sourceFiles(dir)) {
      const rel = file.slice(root.length);
      for (const spec of importsOf(file)) {
        // a relative path into another package's sources counts as importing that package
        const target = spec.startsWith(".")
          ? /packages\/([^/]+)\//.exec(join(file, "..", spec).slice(root.length))
          : null;
        const other = target?.[1];
        const name = other !== undefined ? PACKAGE_NAMES[other] : packageOf(spec);
        if (name === undefined || other === pkg) continue;
        if (
          (name.startsWith("@omadm/") || name === "omadm") &&
          name !== PACKAGE_NAMES[pkg] &&
          !allowed.includes(name)
        ) {
          violations.push(`${rel}: ${pkg} tests may not import ${name} (${spec})`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });
}

/** The `src` files each file imports by relative path (type-only imports included: a cycle of types is a tangle too). */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(dir)) {
    const targets = importsOf(file)
      .filter((spec) => spec.startsWith("."))
      .map((spec) => join(dirname(file), spec.replace(/\.js$/, ".ts")));
    graph.set(file, targets);
  }
  return graph;
}

/** Every cycle a depth-first walk meets, each as the files along it, first file repeated at the end. */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    path.push(file);
    onPath.add(file);
    for (const next of graph.get(file) ?? []) {
      if (onPath.has(next)) cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!done.has(next) && graph.has(next)) visit(next);
    }
    path.pop();
    onPath.delete(file);
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) if (!done.has(file)) visit(file);
  return cycles;
}

test("the cycle finder names the files of a cycle in import order", () => {
  const graph = new Map([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["c.ts"]],
    ["c.ts", ["a.ts", "d.ts"]],
    ["d.ts", []],
  ]);
  assert.deepEqual(importCycles(graph), [["a.ts", "b.ts", "c.ts", "a.ts"]]);
  assert.deepEqual(importCycles(new Map([["d.ts", []]])), []);
});

for (const pkg of Object.keys(ALLOWED_WORKSPACE_IMPORTS)) {
  test(`packages/${pkg}/src has no import cycle`, () => {
    const dir = join(root, "packages", pkg, "src");
    const cycles = importCycles(importGraph(dir)).map((cycle) =>
      cycle.map((file) => file.slice(dir.length + 1)).join(" → "),
    );
    assert.deepEqual(cycles, [], `import cycles in packages/${pkg}/src:\n${cycles.join("\n")}`);
  });
}
