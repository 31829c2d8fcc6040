// The repository stands alone: nothing in it points at documents outside it (the protocol is cited as
// docs/protocol.md), and comments carry no traces of how the work was organised (tickets, briefs, a design
// document's numbering) — they explain the code in its own terms and cite ARCHITECTURE.md's invariants.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repositoryFiles } from "./repository-files.js";

const root = new URL("..", import.meta.url).pathname;

// Written in pieces so that this file does not match itself.
const FORBIDDEN: readonly [RegExp, string][] = [
  [new RegExp(["\\.\\.", "shared"].join("/")), "a path outside the repository"],
  [new RegExp(["dm2", "reference"].join("-"), "i"), "the external reference document"],
  [new RegExp(`${["seed", "CR"].join(" ")}\\b`, "i"), "the external change request"],
  [new RegExp(["\\[PRO", "POSED"].join("")), "the external reference's tag (write: omadm's choice)"],
  [new RegExp(["issue", "#?[0-9]"].join(" "), "i"), "a ticket number"],
  [new RegExp(["helper", "brief"].join(" "), "i"), "a working brief"],
  [new RegExp(["design", "invariants?"].join(" "), "i"), "a design document's numbering (cite ARCHITECTURE.md)"],
];

test("no file refers to documents outside the repository or to how the work was organised", () => {
  const found: string[] = [];
  for (const file of repositoryFiles(root)) {
    const lines = readFileSync(join(root, file), "utf8").split("\n");
    for (const [i, line] of lines.entries()) {
      for (const [pattern, what] of FORBIDDEN) {
        if (pattern.test(line)) found.push(`${file}:${i + 1}: ${what}: ${line.trim().slice(0, 100)}`);
      }
    }
  }
  assert.deepEqual(found, []);
});
