// The public surface of each package is what its src/index.ts lists by name (plus what a light second entry point
// in its package.json `exports` declares, listed with the entry point's path), and it is reviewed: the list of
// public names (with the kind of each declaration) is checked in under test/public-api/<package>.txt, and this
// test fails on any difference, printing what was added and removed, so that a change to the public surface shows
// in review. After an intended change, rewrite the lists with
//   OMADM_TEST_UPDATE_PUBLIC_API=1 node scripts/run-tests.mjs test/public-api
// and commit them with the change. Everything else in a package is internal: no `export *` anywhere in src, and
// only src/index.ts re-exports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";

const root = new URL("..", import.meta.url).pathname;
const update = process.env["OMADM_TEST_UPDATE_PUBLIC_API"] === "1";

/** Packages with a public export list (the cli package is the `omadm` command, not a library). */
const LIBRARIES = ["protocol", "transport", "client", "server"] as const;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) sourceFiles(full, out);
    else if (name.endsWith(".ts")) out.push(full);
  }
  return out;
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
}

function isExported(statement: ts.Statement): boolean {
  return (
    ts.canHaveModifiers(statement) &&
    (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  );
}

/** The kinds of the top-level declarations named `name` in `file` ("const", "type", "function", …). */
function declarationKinds(file: string, name: string): string[] {
  const kinds: string[] = [];
  for (const s of parse(file).statements) {
    if (!isExported(s)) continue;
    if (ts.isVariableStatement(s)) {
      const flags = s.declarationList.flags;
      const kind = flags & ts.NodeFlags.Const ? "const" : "let";
      for (const d of s.declarationList.declarations) if (d.name.getText() === name) kinds.push(kind);
    } else if (ts.isFunctionDeclaration(s) && s.name?.text === name) kinds.push("function");
    else if (ts.isClassDeclaration(s) && s.name?.text === name) kinds.push("class");
    else if (ts.isInterfaceDeclaration(s) && s.name.text === name) kinds.push("interface");
    else if (ts.isTypeAliasDeclaration(s) && s.name.text === name) kinds.push("type");
  }
  return [...new Set(kinds)];
}

/** The source file behind each code entry point of the package other than ".", by its `exports` key. */
function secondEntryPoints(pkg: string): Map<string, string> {
  const dir = join(root, "packages", pkg);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { exports?: Record<string, unknown> };
  const entries = new Map<string, string>();
  for (const [key, target] of Object.entries(manifest.exports ?? {})) {
    const conditions = typeof target === "object" && target !== null ? (target as Record<string, unknown>) : {};
    const path = typeof target === "string" ? target : (conditions["@omadm/source"] ?? conditions["default"]);
    if (key !== "." && typeof path === "string" && path.endsWith(".ts")) entries.set(key, join(dir, path));
  }
  return entries;
}

/** "name kind" for every name the package's index.ts exports, and "./entry name kind" for its other entry points. */
function publicNames(pkg: string): string[] {
  const index = join(root, "packages", pkg, "src", "index.ts");
  const lines: string[] = [];
  for (const s of parse(index).statements) {
    if (!ts.isExportDeclaration(s)) {
      assert.ok(!isExported(s), `${pkg}/src/index.ts declares an export of its own; list names from their files`);
      continue;
    }
    assert.ok(s.exportClause !== undefined && ts.isNamedExports(s.exportClause), `${pkg}/src/index.ts: export *`);
    assert.ok(s.moduleSpecifier !== undefined && ts.isStringLiteral(s.moduleSpecifier));
    const spec = s.moduleSpecifier.text;
    for (const element of s.exportClause.elements) {
      const exported = element.name.text;
      const local = (element.propertyName ?? element.name).getText();
      const typeOnly = s.isTypeOnly || element.isTypeOnly;
      let kind: string;
      if (spec.startsWith(".")) {
        const kinds = declarationKinds(join(dirname(index), spec.replace(/\.js$/, ".ts")), local);
        assert.ok(kinds.length > 0, `${pkg}/src/index.ts: ${local} is not declared in ${spec}`);
        kind = kinds.join("+");
        const values = kinds.filter((k) => !["interface", "type"].includes(k));
        if (typeOnly && values.length > 0) kind = `${kind} (as type)`;
      } else {
        kind = `${typeOnly ? "type " : ""}from ${spec}`;
      }
      lines.push(`${exported} ${kind}`);
    }
  }
  for (const [entry, file] of secondEntryPoints(pkg)) {
    const names = new Set<string>();
    for (const s of parse(file).statements) {
      assert.ok(!ts.isExportDeclaration(s), `${entry} re-exports; an entry point other than index.ts declares`);
      if (!isExported(s)) continue;
      if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) names.add(d.name.getText());
      else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) names.add(s.name.text);
      else if (ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) names.add(s.name.text);
    }
    for (const name of names) lines.push(`${entry} ${name} ${declarationKinds(file, name).join("+")}`);
  }
  return lines.sort((a, b) => a.localeCompare(b, "en"));
}

for (const pkg of LIBRARIES) {
  test(`the public names of packages/${pkg} are the reviewed list test/public-api/${pkg}.txt`, () => {
    const listFile = join(root, "test", "public-api", `${pkg}.txt`);
    const actual = publicNames(pkg);
    const names = actual.filter((l) => !l.startsWith("./")).map((l) => l.split(" ")[0]);
    assert.equal(new Set(names).size, names.length, `${pkg}/src/index.ts exports a name twice`);
    if (update) writeFileSync(listFile, `${actual.join("\n")}\n`);
    const reviewed = readFileSync(listFile, "utf8")
      .split("\n")
      .filter((l) => l !== "");
    const added = actual.filter((l) => !reviewed.includes(l));
    const removed = reviewed.filter((l) => !actual.includes(l));
    assert.ok(
      added.length === 0 && removed.length === 0,
      `the public surface of @omadm/${pkg} changed:\n` +
        added.map((l) => `  + ${l}\n`).join("") +
        removed.map((l) => `  - ${l}\n`).join("") +
        `review the change; if intended: OMADM_TEST_UPDATE_PUBLIC_API=1 node scripts/run-tests.mjs test/public-api`,
    );
  });
}

test("no src file re-exports with export *, and only a package's index.ts re-exports at all", () => {
  const violations: string[] = [];
  for (const pkg of readdirSync(join(root, "packages"))) {
    const src = join(root, "packages", pkg, "src");
    try {
      statSync(src);
    } catch {
      continue;
    }
    for (const file of sourceFiles(src)) {
      const rel = file.slice(root.length);
      for (const s of parse(file).statements) {
        if (!ts.isExportDeclaration(s) || s.moduleSpecifier === undefined) continue;
        if (s.exportClause === undefined) violations.push(`${rel}: ${s.getText()}`);
        else if (file !== join(src, "index.ts")) violations.push(`${rel}: re-exports (${s.getText()})`);
      }
    }
  }
  assert.deepEqual(violations, []);
});
