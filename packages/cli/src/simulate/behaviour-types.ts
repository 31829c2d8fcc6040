// The shape of a simulated device and of a behaviour (behaviours.ts lists them; fleet.ts runs them), in a module
// of its own so that the behaviours and the fleet import it without importing each other.
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
  /**
   * Sets up one device's client (EXEC handlers, listeners): called each time the device's client comes to life,
   * before it starts (a simulated device's client lives only while it works, simulated-client.ts).
   */
  setup(device: SimulatedDevice): void | Promise<void>;
  /** After the device's client started: its tree exists (so a FUMO instance is created here). */
  started?(device: SimulatedDevice): void | Promise<void>;
  /** Releases what the behaviour holds (connections), after every device stopped. */
  close?(): Promise<void>;
}
