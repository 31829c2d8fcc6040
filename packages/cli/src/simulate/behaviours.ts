// What a simulated device does beyond answering the server's commands from its DM Tree: a behaviour gets each
// device once, before it listens, and may register EXEC handlers, change leaves, or raise alerts (a firmware
// update behaviour implements FUMO this way). The device config's own EXEC behaviours apply to every device.
import type { DmClient } from "@omadm/client";

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
}

/** Answers from the tree and the config's EXEC behaviours, nothing more. */
export const standardBehaviour: DeviceBehaviour = {
  name: "standard",
  description: "answers every command from its DM Tree and the template's EXEC behaviours",
  setup: () => undefined,
};

/** The behaviours `--behaviour` can name. */
export const DEVICE_BEHAVIOURS: readonly DeviceBehaviour[] = [standardBehaviour];

export function findBehaviour(name: string): DeviceBehaviour | undefined {
  return DEVICE_BEHAVIOURS.find((b) => b.name === name);
}
