// What a simulated device does beyond answering the server's commands from its DM Tree: a behaviour gets each
// device once, before it listens, and may register EXEC handlers, change leaves, or raise alerts; `started` runs
// once the device's tree is built. The device config's own EXEC behaviours apply to every device.
import type { DmClient } from "@omadm/client";
import { fumoBehaviour, type FumoBehaviourOptions } from "./fumo-behaviour.js";

export interface SimulatedDevice {
  /** 0-based position in the fleet. */
  readonly index: number;
  /** The number the DevID pattern was given. */
  readonly number: number;
  readonly devId: string;
  readonly client: DmClient;
}

export interface DeviceBehaviour {
  readonly name: string;
  readonly description: string;
  /** Sets up one device; called for every device before any listens. */
  setup(device: SimulatedDevice): void | Promise<void>;
  /** After the device started (its tree exists), before it listens for notifications. */
  started?(device: SimulatedDevice): void | Promise<void>;
  /** Releases what the behaviour holds (connections), after every device stopped. */
  close?(): Promise<void>;
}

/** Answers from the tree and the config's EXEC behaviours, nothing more. */
export const standardBehaviour: DeviceBehaviour = {
  name: "standard",
  description: "answers every command from its DM Tree and the template's EXEC behaviours",
  setup: () => undefined,
};

/** Options some behaviours take (`omadm simulate --fail-rate/--fail-result`). */
export type BehaviourOptions = FumoBehaviourOptions;

const BEHAVIOURS: readonly {
  readonly name: string;
  readonly description: string;
  make(o: BehaviourOptions): DeviceBehaviour;
}[] = [
  { name: standardBehaviour.name, description: standardBehaviour.description, make: () => standardBehaviour },
  {
    name: "fumo",
    description: "standard, plus firmware updates by FUMO (docs/firmware.md); --fail-rate injects failures",
    make: (o) => fumoBehaviour(o),
  },
];

/** The behaviours `--behaviour` can name. */
export const DEVICE_BEHAVIOUR_NAMES: readonly string[] = BEHAVIOURS.map((b) => b.name);

export function findBehaviour(name: string, options: BehaviourOptions = {}): DeviceBehaviour | undefined {
  return BEHAVIOURS.find((b) => b.name === name)?.make(options);
}
