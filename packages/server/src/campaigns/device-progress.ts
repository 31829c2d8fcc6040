// Where one started device of a campaign stands (docs/campaigns.md "Device states"), read from the records the
// DM endpoint keeps: its step commands' states (a step is done when its command is `done`; an EXEC with
// asynchronous reporting gets there when its alert arrives, `completeAccepted`) and, for a bulk wake, its last
// contact. Returns what to change; the driver applies it. Reads only.
import type { Command, Device } from "../store/types.js";
import { CommandState } from "../store/types.js";
import {
  CampaignDeviceState,
  type Campaign,
  type CampaignDevice,
  type CampaignDevicePatch,
} from "../store/types-campaign.js";

export interface ProgressLookups {
  command(id: string): Promise<Command | null>;
  device(id: string): Promise<Device | null>;
}

/** What the driver does for one device. */
export interface DeviceAction {
  readonly patch: CampaignDevicePatch | null;
  /** Queue the steps from this index (through the next EXEC) and wake the device. */
  readonly enqueueFrom?: number;
  /** Send another Package#0. */
  readonly wake?: boolean;
  /** Commands to cancel (the device failed, timed out or is unreachable). */
  readonly cancel?: readonly string[];
}

/** The steps queued together from `from`: up to and including the next EXEC (its result may come later). */
export function batchEnd(campaign: Campaign, from: number): number {
  for (let i = from; i < campaign.steps.length; i++) {
    if (campaign.steps[i]?.command[0] === "EXEC") return i + 1;
  }
  return campaign.steps.length;
}

function liveCommands(d: CampaignDevice, from: number): string[] {
  return d.commandIds.slice(from).filter((id): id is string => id !== null);
}

/** The device failed at `step`: tried again after a back-off while retries remain, else `failed`. */
export function failure(c: Campaign, d: CampaignDevice, step: number, reason: string, now: number): DeviceAction {
  const cancel = liveCommands(d, step);
  if (d.attempts < c.plan.retryLimit) {
    return {
      patch: {
        deviceId: d.deviceId,
        state: CampaignDeviceState.Pending,
        step,
        reason,
        attempts: d.attempts + 1,
        commandIds: d.commandIds.slice(0, step),
        dueAt: now + c.plan.retryBackoffMs * 2 ** d.attempts,
      },
      cancel,
    };
  }
  return { patch: { deviceId: d.deviceId, state: CampaignDeviceState.Failed, step, reason, dueAt: null }, cancel };
}

/** Not seen since its Package#0: wake again, or give it up as unreachable. */
function notSeen(c: Campaign, d: CampaignDevice, now: number): DeviceAction {
  if (d.dueAt !== null && now < d.dueAt) return { patch: null };
  if (d.wakes < c.plan.maxWakes) {
    return {
      patch: { deviceId: d.deviceId, wakes: d.wakes + 1, wokenAt: now, dueAt: now + c.plan.wakeTimeoutMs },
      wake: true,
    };
  }
  return {
    patch: {
      deviceId: d.deviceId,
      state: CampaignDeviceState.Unreachable,
      reason: `no session after ${d.wakes} wake-ups`,
      dueAt: null,
    },
    cancel: liveCommands(d, d.step),
  };
}

function stalled(c: Campaign, d: CampaignDevice, step: number, name: string, now: number): DeviceAction {
  if (d.dueAt !== null && now < d.dueAt) return { patch: null };
  if (d.wakes < c.plan.maxWakes) {
    return {
      patch: { deviceId: d.deviceId, wakes: d.wakes + 1, wokenAt: now, dueAt: now + c.plan.wakeTimeoutMs },
      wake: true,
    };
  }
  return failure(c, d, step, `step ${step + 1} (${name}): no answer after ${d.wakes} wake-ups`, now);
}

/**
 * In session, its EXEC answered 202 and its alert not in yet. An EXEC accepted before this node took the campaign
 * over (a restart, another node's death) was answered in a session the stop may have cut just before the device
 * sent its alert: the device then holds the alert until its next session with the server (an EXEC without a
 * ServerURI, docs/protocol.md §4.4) or for its report back-off, which can be minutes. So after `wakeTimeoutMs`
 * without it the device is woken again (at most `maxWakes` times): the session it opens supersedes the cut one
 * and carries what the device holds for the server. The command itself is never sent again (docs/delivery.md):
 * only its alert, or the step time-out, ends the step.
 */
function awaitingAlert(c: Campaign, d: CampaignDevice, command: Command, now: number, takenAt: number): DeviceAction {
  if (command.updatedAt >= takenAt) return { patch: null };
  const since = Math.max(takenAt, d.wokenAt ?? 0);
  if (now < since + c.plan.wakeTimeoutMs || d.wakes >= c.plan.maxWakes) return { patch: null };
  return { patch: { deviceId: d.deviceId, wakes: d.wakes + 1, wokenAt: now }, wake: true };
}

/**
 * Where `d` stands. `takenAt` is when this node took the campaign over (its lease): what happened before it may
 * have been cut by a restart.
 */
export async function progressOf(
  c: Campaign,
  d: CampaignDevice,
  now: number,
  look: ProgressLookups,
  takenAt = Number.NEGATIVE_INFINITY,
): Promise<DeviceAction> {
  if (c.steps.length === 0) {
    const device = await look.device(d.deviceId);
    const seen = device?.lastContactAt ?? null;
    if (seen !== null && d.wokenAt !== null && seen >= d.wokenAt) {
      return { patch: { deviceId: d.deviceId, state: CampaignDeviceState.Done, reason: null, dueAt: null } };
    }
    return notSeen(c, d, now);
  }
  let step = d.step;
  while (step < c.steps.length) {
    const id = d.commandIds[step] ?? null;
    if (id === null) {
      // The previous batch ended with an EXEC: the next steps need a session of their own.
      return {
        patch: { deviceId: d.deviceId, state: CampaignDeviceState.Waking, step, wakes: 1, wokenAt: now },
        enqueueFrom: step,
      };
    }
    const command = await look.command(id);
    const name = c.steps[step]?.name ?? "step";
    if (command === null) return failure(c, d, step, `step ${step + 1} (${name}): its command was deleted`, now);
    if (command.state === CommandState.Done) {
      step++;
      continue;
    }
    const advanced = step > d.step;
    const entering = d.state === CampaignDeviceState.Waking || advanced;
    if (command.state === CommandState.Accepted) {
      // Executing on the device: its alert completes the step (or the step time-out fails it).
      if (now - command.updatedAt >= c.plan.stepTimeoutMs) {
        return failure(c, d, step, `step ${step + 1} (${name}) timed out`, now);
      }
      if (!entering) return awaitingAlert(c, d, command, now, takenAt);
      return {
        patch: { deviceId: d.deviceId, state: CampaignDeviceState.InSession, step, dueAt: null },
      };
    }
    if (entering && (command.state === CommandState.Sent || advanced)) {
      return {
        patch: {
          deviceId: d.deviceId,
          state: CampaignDeviceState.InSession,
          step,
          dueAt: now + c.plan.wakeTimeoutMs,
        },
      };
    }
    if (command.state === CommandState.Sent || command.state === CommandState.Queued) {
      if (d.state === CampaignDeviceState.Waking) return notSeen(c, d, now);
      // In session, but its command waits: the session was cut (a server restart, a lost Package#3), so the
      // device is woken again for a session that serves it (the old one is superseded, docs/delivery.md).
      return stalled(c, d, step, name, now);
    }
    const status = command.statusCode === null ? "" : ` with status ${command.statusCode}`;
    return failure(c, d, step, `step ${step + 1} (${name}) ${command.state}${status}`, now);
  }
  return {
    patch: { deviceId: d.deviceId, state: CampaignDeviceState.Done, step, reason: null, dueAt: null },
  };
}
