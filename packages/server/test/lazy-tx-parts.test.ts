// The store wrappers' lazy transaction parts (src/lazy-tx-parts.ts): a part is made when first read, once, and
// only the parts read are made; every part of StoreParts can be read.
import assert from "node:assert/strict";
import { test } from "node:test";
import { lazyTxParts } from "../src/store/transaction-support.js";
import type { StoreParts } from "../src/store/store.js";

test("makes each part at its first read, once, and no other part", () => {
  const made: string[] = [];
  const tx = lazyTxParts((name) => {
    made.push(name);
    return { name } as unknown as StoreParts[typeof name];
  });
  assert.deepEqual(made, []);
  const first = tx.commands;
  assert.equal(tx.commands, first);
  assert.deepEqual(made, ["commands"]);
  assert.equal((tx.sessions as unknown as { name: string }).name, "sessions");
  assert.deepEqual(made, ["commands", "sessions"]);
});

test("answers every part name of StoreParts, each from its own instance", () => {
  const names: (keyof StoreParts)[] = [
    "devices",
    "commands",
    "sessions",
    "alerts",
    "notifications",
    "repository",
    "uiSessions",
    "apiTokens",
    "bootstrap",
    "groups",
    "capabilities",
    "audit",
    "firmware",
    "campaigns",
    "consoleSignIns",
  ];
  const a = lazyTxParts((name) => ({ name, of: "a" }) as unknown as StoreParts[typeof name]);
  const b = lazyTxParts((name) => ({ name, of: "b" }) as unknown as StoreParts[typeof name]);
  for (const name of names) {
    assert.deepEqual(a[name], { name, of: "a" });
    assert.deepEqual(b[name], { name, of: "b" });
  }
});
