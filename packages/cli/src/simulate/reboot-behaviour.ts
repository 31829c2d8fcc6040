// A simulator behaviour for campaigns with generic steps (docs/campaigns.md; used by the campaign tests and bench): EXEC on the gateway MO's
// Ops/Reboot reports asynchronously (202 now, an ExecComplete alert after `delayMs`, docs/protocol.md §4.12), so
// a campaign step completes only when its alert arrives; the devices `fails(devId)` picks answer 500 at once.
import type { DeviceBehaviour } from "./behaviour-types.js";

export const GATEWAY_MOID = "urn:oma:mo:x-omadm-gateway:1.0";

export interface RebootBehaviourOptions {
  /** How long the simulated reboot takes (default 50 ms). */
  readonly delayMs?: number;
  /** What each reboot also waits for before it reports (tests hold results back across a server stop). */
  readonly until?: (devId: string) => Promise<void>;
  /** Which devices fail their reboot (default none). */
  readonly fails?: (devId: string) => boolean;
}

export function rebootBehaviour(options: RebootBehaviourOptions = {}): DeviceBehaviour {
  const delayMs = options.delayMs ?? 50;
  const fails = options.fails ?? (() => false);
  return {
    name: "reboot",
    description: "EXEC Ops/Reboot of the gateway MO reports its result asynchronously after 50 ms",
    setup(device) {
      device.client.registerExec(GATEWAY_MOID, "Ops/Reboot", () => {
        if (fails(device.devId)) return { sc: 500 };
        return {
          async: new Promise<void>((resolve) => {
            setTimeout(resolve, delayMs).unref();
          })
            .then(() => options.until?.(device.devId))
            .then(() => ({ sc: 200 })),
        };
      });
    },
  };
}
