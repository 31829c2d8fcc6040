// `omadm simulate --behaviour fumo`: every device has a FUMO instance (docs/firmware.md) and updates its firmware
// when the server EXECs it: download (resumed after a cut, digest checked), State walk, result alert, a simulated
// reboot, then the new DevInfo/FwV. Failure injection for campaign tests: a fraction of the devices, spread evenly
// over the fleet by index (so the same devices fail in every run), answer a chosen FUMO result code instead of
// installing (410 Update failed by default; 402 reports a corrupted package).
import { registerFumo, type FumoHandle } from "@omadm/client";
import { FumoResult, isFumoSuccess } from "@omadm/protocol";
import type { DeviceBehaviour, SimulatedDevice } from "./behaviour-types.js";

export interface FumoBehaviourOptions {
  /** Fraction of the devices (0–1) whose update fails (default 0). */
  readonly failRate?: number;
  /** The FUMO result code they report (default 410). */
  readonly failResult?: number;
  /** The simulated reboot, ms (default 50). */
  readonly rebootMs?: number;
}

/** Whether device `index` is one of the `rate` share that fails: exactly floor(n × rate) of the first n do. */
export function failsAt(index: number, rate: number): boolean {
  return Math.floor((index + 1) * rate) > Math.floor(index * rate);
}

export function fumoBehaviour(options: FumoBehaviourOptions = {}): DeviceBehaviour {
  const rate = options.failRate ?? 0;
  const failResult = options.failResult ?? FumoResult.UPDATE_FAILED;
  if (!(rate >= 0 && rate <= 1)) throw new RangeError("the fail rate is a fraction from 0 to 1");
  if (isFumoSuccess(failResult)) throw new RangeError(`${failResult} is a FUMO success code, not a failure`);
  // From a device's setup to its start only: a simulated device's client is set up again each time it wakes.
  const handles = new Map<number, FumoHandle>();
  return {
    name: "fumo",
    description: "firmware updates by FUMO",
    setup(device: SimulatedDevice) {
      const fails = failsAt(device.index, rate);
      handles.set(
        device.index,
        registerFumo(device.client, {
          rebootMs: options.rebootMs ?? 50,
          ...(fails ? { install: () => failResult } : {}),
        }),
      );
    },
    started(device: SimulatedDevice) {
      const made = handles.get(device.index)?.ensureInstance();
      handles.delete(device.index);
      if (made !== undefined && !made.ok) throw made.error;
    },
  };
}
