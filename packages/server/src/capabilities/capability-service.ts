// Puts per-command capability tokens into the ServerURIs of a Package#2 and checks them when they come back
// (docs/repository.md "Capability URLs"). Minting happens inside the package's store transaction, so a token
// exists exactly when the Package#2 carrying it was committed; the store keeps only its SHA-256. The commands'
// stored params stay as the operator queued them: tokens are never shown through the API.
import type { Package2 } from "@omadm/protocol";
import { normalizeBaseUrl } from "../repository/paths.js";
import type { StoreParts } from "../store/store.js";
import type { Capability, CapabilityKind } from "../store/types-content.js";
import {
  capabilitySlots,
  hashCapabilityToken,
  isCapabilityToken,
  newCapabilityToken,
  withCapability,
} from "./capability-urls.js";

/** One item of an outgoing Package#2 (CMD order): the queued command it carries, or null (CONT, END). */
export interface OutgoingItem {
  readonly commandId: string | null;
}

export interface CapabilityService {
  /** The Package#2 with a fresh token in every ServerURI that addresses this server (capability-urls.ts). */
  attach(
    tx: Pick<StoreParts, "capabilities">,
    input: {
      readonly deviceId: string;
      readonly sessionId: string;
      readonly items: readonly OutgoingItem[];
      readonly package: Package2;
    },
  ): Promise<Package2>;
  /** The capability a presented token stands for, when it is of `kind` and grants `target`; else null. */
  check(
    store: Pick<StoreParts, "capabilities">,
    token: string,
    kind: CapabilityKind,
    target: string,
  ): Promise<Capability | null>;
}

export interface CapabilityServiceDeps {
  /** The base every ServerURI of this server starts with (a function: known at listen). */
  readonly publicBaseUrl: string | (() => string);
  readonly randomBytes?: ((size: number) => Uint8Array) | undefined;
}

export function createCapabilityService(deps: CapabilityServiceDeps): CapabilityService {
  const baseOf = deps.publicBaseUrl;
  // Parsed once per base URL string (it is fixed once the server listens), not once per Package#2.
  let parsed: { readonly text: string; readonly url: URL } | null = null;
  const base = (): URL => {
    const text = typeof baseOf === "string" ? baseOf : baseOf();
    if (parsed?.text !== text) parsed = { text, url: new URL(normalizeBaseUrl(text)) };
    return parsed.url;
  };
  return {
    async attach(tx, input) {
      const origin = base();
      const cmd = input.package.CMD;
      let out: (readonly unknown[])[] | undefined;
      for (const [i, item] of input.items.entries()) {
        const command = cmd[i];
        if (item.commandId === null || command === undefined) continue;
        const [name, ...params] = command as readonly string[];
        const slots = capabilitySlots(String(name), params, origin);
        if (slots.length === 0) continue;
        const next = [...params];
        for (const slot of slots) {
          const token = newCapabilityToken(deps.randomBytes);
          await tx.capabilities.issue({
            tokenHash: hashCapabilityToken(token),
            deviceId: input.deviceId,
            commandId: item.commandId,
            sessionId: input.sessionId,
            kind: slot.kind,
            target: slot.target,
          });
          next[slot.index] = withCapability(params[slot.index] ?? "", token);
        }
        out ??= [...cmd];
        out[i] = [name, ...next];
      }
      return out === undefined ? input.package : ({ ...input.package, CMD: out } as Package2);
    },
    async check(store, token, kind, target) {
      if (!isCapabilityToken(token)) return null;
      const found = await store.capabilities.find(hashCapabilityToken(token));
      return found !== null && found.kind === kind && found.target === target ? found : null;
    },
  };
}
