// Which bootstrap rule applies to a device (docs/bootstrap.md): the rule an operator pinned it to, else the
// first rule by priority whose DevID pattern, labels and DevInfo values all match. Pure.
import { matchesPattern } from "../store/bootstrap-rules.js";
import type { JsonValue } from "../store/types.js";
import type { BootstrapRule } from "../store/types-bootstrap.js";

export interface DeviceFacts {
  readonly devId: string;
  /** The bootstrap credential's labels, overlaid by the registry's (an operator's labels win). */
  readonly labels: Readonly<Record<string, string>>;
  /** What the registry knows of the device's DevInfo (docs/protocol.md §9.1), or null. */
  readonly devInfo: JsonValue | null;
}

function devInfoValue(devInfo: JsonValue | null, name: string): string | undefined {
  if (devInfo === null || typeof devInfo !== "object" || Array.isArray(devInfo)) return undefined;
  const v = (devInfo as Record<string, JsonValue>)[name];
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
}

export function ruleMatches(rule: BootstrapRule, device: DeviceFacts): boolean {
  if (rule.devIdPattern !== null && !matchesPattern(rule.devIdPattern, device.devId)) return false;
  if (!Object.entries(rule.labels).every(([k, v]) => device.labels[k] === v)) return false;
  return Object.entries(rule.devInfo).every(([k, v]) => devInfoValue(device.devInfo, k) === v);
}

/**
 * Whether the rule chosen depends on DevInfo values the registry does not hold yet (a device's first contact:
 * DevInfo is not in Package#1, docs/protocol.md §3.1). True when, in priority order, a rule with DevInfo criteria
 * whose other criteria match comes before any rule that matches without DevInfo. A pinned rule needs nothing.
 */
export function needsDevInfo(rules: readonly BootstrapRule[], pinned: string | null, device: DeviceFacts): boolean {
  if (device.devInfo !== null) return false;
  if (pinned !== null && rules.some((r) => r.id === pinned)) return false;
  for (const rule of rules) {
    if (Object.keys(rule.devInfo).length === 0) {
      if (ruleMatches(rule, device)) return false;
    } else if (ruleMatches({ ...rule, devInfo: {} }, device)) return true;
  }
  return false;
}

/** `rules` in priority order (BootstrapStore.listRules); `pinned` wins when it still exists. */
export function chooseRule(
  rules: readonly BootstrapRule[],
  pinned: string | null,
  device: DeviceFacts,
): BootstrapRule | undefined {
  if (pinned !== null) {
    const rule = rules.find((r) => r.id === pinned);
    if (rule !== undefined) return rule;
  }
  return rules.find((r) => ruleMatches(r, device));
}

/** Whether a credential may bootstrap this DevID: its own device, or a DevID its batch pattern covers. */
export function credentialCovers(
  credential: { readonly deviceId: string | null; readonly devIdPattern: string | null },
  devId: string,
): boolean {
  if (credential.deviceId !== null) return credential.deviceId === devId;
  return credential.devIdPattern !== null && matchesPattern(credential.devIdPattern, devId);
}
