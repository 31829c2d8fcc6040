// The DM session log: one info line when a session starts and one when it ends (device, session, packages,
// commands, outcome, duration), and a debug line per command state change, each with deviceId, sessionId and
// commandId where there is one, so that a session's lines can be picked out of the log and joined with the
// client's (the client logs the server's session id it gets in the OMADM-Session-Id header).
//
// Fed by the event bus. The commands counted for a session are those this node sent in it; a session whose
// packages went to several nodes is counted on each.
import type { EventBus } from "./event-bus.js";
import { ServerEventKind, type NewServerEvent } from "./event-types.js";

export interface SessionLogger {
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
  /** pino's level check: when present, the debug line of a command state change is built only if it is logged. */
  isLevelEnabled?(level: string): boolean;
}

interface Tally {
  commands: number;
  failed: number;
}

/** Subscribes the session log to `bus`; returns the unsubscribe function. */
export function attachSessionLog(bus: EventBus, logger: SessionLogger): () => void {
  const tallies = new Map<string, Tally>();
  return bus.subscribe((event: NewServerEvent) => {
    switch (event.kind) {
      case ServerEventKind.SessionStarted:
        tallies.set(event.sessionId ?? "", { commands: 0, failed: 0 });
        logger.info({ deviceId: event.deviceId, sessionId: event.sessionId }, "DM session started");
        return;
      case ServerEventKind.SessionEnded: {
        const data = asRecord(event.data);
        const tally = tallies.get(event.sessionId ?? "") ?? { commands: 0, failed: 0 };
        tallies.delete(event.sessionId ?? "");
        logger.info(
          {
            deviceId: event.deviceId,
            sessionId: event.sessionId,
            outcome: data["status"],
            packages: data["packageNo"],
            commands: tally.commands,
            failedCommands: tally.failed,
            durationMs: data["durationMs"],
          },
          "DM session ended",
        );
        return;
      }
      case ServerEventKind.CommandState: {
        const data = asRecord(event.data);
        const tally = event.sessionId === null ? undefined : tallies.get(event.sessionId);
        if (tally !== undefined && data["state"] === "sent") tally.commands++;
        if (tally !== undefined && data["state"] === "failed") tally.failed++;
        // Several per session and off at the default level: not built unless logged.
        if (logger.isLevelEnabled?.("debug") === false) return;
        logger.debug(
          {
            deviceId: event.deviceId,
            sessionId: event.sessionId,
            commandId: event.commandId,
            command: data["name"],
            state: data["state"],
            status: data["statusCode"],
          },
          "command state changed",
        );
        return;
      }
      default:
        return;
    }
  });
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
