// Which bootstrap rule applies, and when the bootstrap server must ask a first-contact device for its DevInfo
// before choosing (docs/bootstrap.md "Rules"). Pure functions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseRule, needsDevInfo, type DeviceFacts } from "../src/bootstrap/rule-match.js";
import type { BootstrapRule } from "../src/store/types-bootstrap.js";

const rule = (id: string, over: Partial<BootstrapRule> = {}): BootstrapRule => ({
  id,
  priority: 0,
  devIdPattern: null,
  labels: {},
  devInfo: {},
  targets: [],
  createdAt: 0,
  updatedAt: 0,
  ...over,
});
const facts = (over: Partial<DeviceFacts> = {}): DeviceFacts => ({
  devId: "IMEI:1",
  labels: {},
  devInfo: null,
  ...over,
});

test("DevInfo is needed only when a DevInfo rule whose other criteria match comes before any plain match", () => {
  const byModel = rule("m", { devInfo: { Mod: "HG-1" }, devIdPattern: "IMEI:*" });
  const plain = rule("p", { devIdPattern: "IMEI:*" });
  const otherFleet = rule("o", { devInfo: { Mod: "HG-1" }, devIdPattern: "MAC:*" });
  assert.equal(needsDevInfo([byModel, plain], null, facts()), true);
  assert.equal(needsDevInfo([plain, byModel], null, facts()), false, "a plain rule wins first");
  assert.equal(needsDevInfo([otherFleet, plain], null, facts()), false, "the DevInfo rule cannot match anyway");
  assert.equal(needsDevInfo([byModel, plain], null, facts({ devInfo: { Mod: "X" } })), false, "already known");
  assert.equal(needsDevInfo([byModel, plain], "p", facts()), false, "a pinned rule needs nothing");
  assert.equal(needsDevInfo([byModel, plain], "gone", facts()), true, "a pin to a deleted rule is ignored");
  assert.equal(needsDevInfo([rule("l", { devInfo: { Mod: "HG-1" }, labels: { a: "1" } })], null, facts()), false);
});

test("rules match DevInfo values as strings, all of them", () => {
  const rules = [rule("a", { devInfo: { Man: "acme", FwV: "2" } }), rule("b")];
  assert.equal(chooseRule(rules, null, facts({ devInfo: { Man: "acme", FwV: 2 } }))?.id, "a");
  assert.equal(chooseRule(rules, null, facts({ devInfo: { Man: "acme", FwV: "3" } }))?.id, "b");
  assert.equal(chooseRule(rules, null, facts())?.id, "b");
});
