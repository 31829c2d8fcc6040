// How an `omadm client` command reaches the device's state without losing anything (docs/client-state.md): when a
// daemon runs on the state directory, `set`, `alert` and `tree` ask it over its control socket (it changes its
// live tree, so SUB subscribers hear the value the device really has, and nothing writes under it); when none
// runs, the command takes the state lock, opens the device itself, and saves before it lets go of the lock.
import { setTimeout as delay } from "node:timers/promises";
import {
  type DeviceConfig,
  DmClientError,
  DmClientErrorCode,
  type StateLock,
  acquireStateLock,
  controlRequest,
  isNoDaemon,
  prepareStateDir,
  stateDirLayout,
} from "@omadm/client";
import { UsageError } from "../cli-errors.js";
import { type Device, type OpenDeviceOptions, openDevice } from "./device.js";
import { type OpResult, asOpResult, runOp } from "./device-ops.js";

/** How long a command waits for a daemon that is starting, or for another command that holds the lock. */
export const LOCK_WAIT_MS = 10_000;
const POLL_MS = 50;

/** Takes the state lock for a command, waiting a little for a short-lived holder; LOCKED after LOCK_WAIT_MS. */
export async function lockForCommand(config: DeviceConfig, waitMs = LOCK_WAIT_MS): Promise<StateLock> {
  const layout = await prepareStateDir(config.stateDir);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await acquireStateLock(layout, "command");
    } catch (error) {
      if (!(error instanceof DmClientError && error.code === DmClientErrorCode.LOCKED) || Date.now() > deadline) {
        throw error;
      }
    }
    await delay(POLL_MS);
  }
}

/** Opens the device under the state lock, runs `body` on it, then saves, closes and unlocks. */
export async function withLockedDevice<T>(
  config: DeviceConfig,
  options: OpenDeviceOptions,
  body: (device: Device) => Promise<T>,
  waitMs = LOCK_WAIT_MS,
): Promise<T> {
  const lock = await lockForCommand(config, waitMs);
  try {
    const device = openDevice(config, options);
    try {
      await device.client.start();
      return await body(device);
    } finally {
      await device.close();
    }
  } finally {
    await lock.release();
  }
}

/**
 * Runs one of DEVICE_OPS: in the daemon if one answers on the control socket, else here under the lock. A daemon
 * that is starting (it holds the lock, its socket is not up yet) is waited for.
 */
export async function runDeviceOp(
  config: DeviceConfig,
  options: OpenDeviceOptions,
  op: "tree" | "set" | "alert",
  args: Record<string, unknown>,
): Promise<OpResult> {
  const { controlSocket } = stateDirLayout(config.stateDir);
  const deadline = Date.now() + LOCK_WAIT_MS;
  try {
    for (;;) {
      try {
        return asOpResult(await controlRequest(controlSocket, op, args));
      } catch (error) {
        if (!isNoDaemon(error)) throw error;
      }
      try {
        // No wait here: a LOCKED holder may be a daemon about to open its socket, which the next round asks.
        return await withLockedDevice(config, options, (device) => runOp(op, device.client, args), 0);
      } catch (error) {
        if (!(error instanceof DmClientError && error.code === DmClientErrorCode.LOCKED) || Date.now() > deadline) {
          throw error;
        }
      }
      await delay(POLL_MS);
    }
  } catch (error) {
    // A request the device refuses as malformed (a bad --data, an unknown --server) is the user's to fix.
    if (error instanceof DmClientError && error.code === DmClientErrorCode.CONTROL_REQUEST) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}
