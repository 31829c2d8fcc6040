// What a simulated device does beyond answering the server's commands from its DM Tree: a behaviour gets each
// device's client whenever it comes to life, before it starts, and may register EXEC handlers, change leaves, or
// raise alerts; `started` runs once the client's tree is built. The device config's own EXEC behaviours apply to every device.
import type { DeviceBehaviour } from "./behaviour-types.js";
import { fumoBehaviour, type FumoBehaviourOptions } from "./fumo-behaviour.js";

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
