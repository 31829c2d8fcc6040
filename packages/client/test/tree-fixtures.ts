// Shared fixtures for the DM Tree tests: a hand-built MO modelled on docs/protocol.md §6.1's "acme-sensor" example,
// with one leaf of every format, a permanent node, a write-once group, an open Ext node and a No-Get secret.
import assert from "node:assert/strict";
import type { NodeDefinition, ProtocolError, Result } from "@omadm/protocol";
import { createDmTree, type DmTree } from "../src/tree/dm-tree.js";
import { createMoRegistry, type MoRegistry } from "../src/tree/mo-registry.js";
import { defineInterior, defineLeaf, defineMo } from "../src/tree/define.js";

export const SENSOR = "urn:oma:mo:acme-sensor:1.0";
export const SINGLE = "urn:oma:mo:acme-single:1.0";

const RW = ["Add", "Delete", "Get", "Replace"] as const;
const RWNoDelete = ["Add", "Get", "Replace"] as const;

export function sensorRoot(): NodeDefinition {
  return defineInterior(
    undefined,
    [
      defineLeaf("ID", "chr", { access: RWNoDelete }),
      defineLeaf("Setting", "chr", { access: RW, occurrence: "ZeroOrOne" }),
      defineLeaf("Serial", "chr", { access: ["Get"], scope: "Permanent", occurrence: "ZeroOrOne" }),
      defineLeaf("Mode", "chr", { access: RWNoDelete, defaultValue: "auto" }),
      defineLeaf("Count", "int", { access: RW, occurrence: "ZeroOrOne" }),
      defineLeaf("Ratio", "float", { access: RW, occurrence: "ZeroOrOne" }),
      defineLeaf("Enabled", "bool", { access: RW, occurrence: "ZeroOrOne" }),
      defineLeaf("Blob", "bin", { access: RW, occurrence: "ZeroOrOne" }),
      defineLeaf("Key", "b64", { access: RW, occurrence: "ZeroOrOne" }),
      defineLeaf("Day", "date", { access: RW, occurrence: "ZeroOrOne" }),
      defineLeaf("At", "time", { access: RW, occurrence: "ZeroOrOne" }),
      defineLeaf("Doc", "xml", { access: RW, occurrence: "ZeroOrOne" }),
      defineLeaf("Marker", "null", { access: RW, occurrence: "ZeroOrOne" }),
      defineLeaf("Locked", "chr", { access: ["Get"], occurrence: "ZeroOrOne" }),
      defineLeaf("Secret", "bin", { access: ["Add", "Replace", "Delete"], occurrence: "ZeroOrOne" }),
      defineInterior(
        "Data",
        [
          defineInterior(
            undefined,
            [
              defineLeaf("Date", "chr", { access: RWNoDelete }),
              defineLeaf("Value", "chr", { access: RW, occurrence: "ZeroOrOne" }),
            ],
            { access: RW, occurrence: "ZeroOrMore" },
          ),
        ],
        { access: RW, occurrence: "ZeroOrOne" },
      ),
      defineInterior("Slots", [defineLeaf(undefined, "int", { access: RW, occurrence: { kind: "ZeroOrN", n: 2 } })], {
        access: RW,
        occurrence: "ZeroOrOne",
      }),
      defineInterior(
        "Perm",
        [
          defineInterior(undefined, [defineLeaf("MOID", "chr", { access: ["Add"] })], {
            access: ["Add"],
            occurrence: "OneOrMore",
          }),
        ],
        {
          access: ["Add"],
          occurrence: "ZeroOrOne",
        },
      ),
      defineInterior("Ext", [], { access: RW, occurrence: "ZeroOrOne" }),
    ],
    { access: RW, occurrence: "ZeroOrMore" },
  );
}

/** A single-instance MO with a permanent, Get-only root (like DevInfo). */
export function singleRoot(): NodeDefinition {
  return defineInterior("Single", [defineLeaf("Name", "chr", { access: ["Get"], scope: "Permanent" })], {
    access: ["Get"],
    scope: "Permanent",
  });
}

export function sensorRegistry(): MoRegistry {
  const registry = createMoRegistry();
  const a = registry.register(defineMo(SENSOR, sensorRoot()), { ddfUrl: "https://ddf.example/acme-sensor.ddf" });
  const b = registry.register(defineMo(SINGLE, singleRoot()));
  if (!a.ok || !b.ok) throw new Error("fixture definitions must register");
  return registry;
}

export function sensorTree(): DmTree {
  return createDmTree({ registry: sensorRegistry() });
}

/** Unwraps a Result in tests, failing with the error's message. */
export function must<T>(
  r: { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Error },
): T {
  if (!r.ok) throw r.error;
  return r.value;
}

/** The error of a failed Result (fails the test on success). */
export function errorOf(r: Result<unknown>): ProtocolError {
  if (r.ok) assert.fail("expected an error Result");
  return r.error;
}

/** Asserts a failed Result with this code and DM status. */
export function expectError(r: Result<unknown>, code: string, status: number): void {
  const e = errorOf(r);
  assert.equal(e.code, code, e.message);
  assert.equal(e.status, status, e.message);
}
