// Bearer choice for a notified session (docs/protocol.md §2.3 PREFERRED-CON-TYPE; §2.4, §2.7 step 2):
// "The DM Client SHOULD use the preferred connections with higher priority first if they are available. If none
// of indicated preferred connections is available, the DM Client SHOULD wait until one of them becomes available
// unless ANY_AVAILABLE is used." Which bearers a device has right now is injected (BearerAvailability), so the
// choice itself is pure.
import { ConType } from "@omadm/protocol";

/** The device's bearers as the platform reports them (cellular modem, Wi-Fi, Ethernet …). */
export interface BearerAvailability {
  /** The bearers usable right now (codes 1 CELLULAR, 2 WLAN, 3 WIRELINE), best first. */
  available(): readonly ConType[];
  /** Called whenever the set of available bearers may have changed; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** What to do about the bearer of one notification. */
export type BearerChoice =
  | { readonly kind: "use"; readonly bearer: ConType }
  /** None of the preferred bearers is up and ANY_AVAILABLE was not offered: wait for a change (§2.4). */
  | { readonly kind: "wait"; readonly preferred: readonly ConType[] };

/**
 * Picks the bearer for a session. Without PREFERRED-CON-TYPE (or with only ANY_AVAILABLE) any available bearer
 * is used. With nothing available at all there is no bearer to open a session on, so the answer is to wait.
 */
export function chooseBearer(preferred: readonly ConType[] | undefined, available: readonly ConType[]): BearerChoice {
  const up = available.filter((b) => b !== ConType.ANY_AVAILABLE);
  const order = preferred === undefined || preferred.length === 0 ? [ConType.ANY_AVAILABLE] : preferred;
  for (const wanted of order) {
    if (wanted === ConType.ANY_AVAILABLE) {
      // §2.4: ANY_AVAILABLE is last; it means "whatever is currently available".
      const any = up[0];
      if (any !== undefined) return { kind: "use", bearer: any };
    } else if (up.includes(wanted)) {
      return { kind: "use", bearer: wanted };
    }
  }
  return { kind: "wait", preferred: order };
}

/** A fixed set of bearers (a simulator, a device with one wired link). */
export function staticBearerAvailability(bearers: readonly ConType[]): BearerAvailability {
  const list = [...bearers];
  return { available: () => list, onChange: () => () => undefined };
}

/** A settable availability: `set(...)` changes the bearers and tells the listeners (tests, the simulator). */
export interface MutableBearerAvailability extends BearerAvailability {
  set(bearers: readonly ConType[]): void;
}

export function mutableBearerAvailability(initial: readonly ConType[] = []): MutableBearerAvailability {
  let list: readonly ConType[] = [...initial];
  const listeners = new Set<() => void>();
  return {
    available: () => list,
    onChange(listener) {
      const wrapped = (): void => {
        listener();
      };
      listeners.add(wrapped);
      return () => listeners.delete(wrapped);
    },
    set(bearers) {
      list = [...bearers];
      for (const l of [...listeners]) l();
    },
  };
}
