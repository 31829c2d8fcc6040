// Turns the store changes made through this server into server events: a store wrapper (like
// tls/psk-key-sync.ts) whose command, session, alert and device-contact methods report what changed once it
// has committed. The DM endpoint, the REST API, the sweeper and the alert intake all write through the wrapped
// store, so every producer is covered without knowing about events.
//
// Inside `store.transaction(fn)` the events are collected and published only after the commit, in the order
// the changes were made (a rolled-back change publishes nothing). Changes made by another server node are
// published by that node. `commands.expireDue` returns only a count, so commands expiring in the queue have
// no event (the command's own record shows it).
import type { CommandStore, DeviceStore, SessionStore, AlertStore, Store, StoreParts } from "../store/store.js";
import type { Clock, Command } from "../store/types.js";
import { SessionStatus, type Session, type StoredAlert } from "../store/types-session.js";
import { lazyTxParts } from "../store/transaction-support.js";
import { ServerEventKind, type NewServerEvent } from "./event-types.js";

type Emit = (event: NewServerEvent) => void;

/** `store` with its changes published to `publish`. Everything else is passed through unchanged. */
export function withEvents(store: Store, publish: Emit, clock: Clock): Store {
  const make = eventMaker(clock);
  return {
    ...store,
    ...observed(store, publish, make),
    async transaction<T>(fn: (tx: StoreParts) => Promise<T>): Promise<T> {
      const pending: NewServerEvent[] = [];
      const result = await store.transaction((tx) => fn(observedTx(tx, (e) => pending.push(e), make)));
      pending.forEach(publish);
      return result;
    },
    close: () => store.close(),
  };
}

type Make = ReturnType<typeof eventMaker>;

function eventMaker(clock: Clock) {
  return {
    command: (c: Command, extra?: Record<string, string | number | boolean>): NewServerEvent => {
      const data = { name: c.name, state: c.state, statusCode: c.statusCode, attempts: c.attempts };
      return {
        kind: ServerEventKind.CommandState,
        deviceId: c.deviceId,
        sessionId: c.sessionId,
        commandId: c.id,
        data: extra === undefined ? data : { ...data, ...extra },
        at: clock.now(),
      };
    },
    session: (s: Session): NewServerEvent => {
      const started = s.status === SessionStatus.Open;
      return {
        kind: started ? ServerEventKind.SessionStarted : ServerEventKind.SessionEnded,
        deviceId: s.deviceId,
        sessionId: s.id,
        commandId: null,
        data: started
          ? { status: s.status }
          : { status: s.status, packageNo: s.packageNo, durationMs: (s.endedAt ?? clock.now()) - s.createdAt },
        at: clock.now(),
      };
    },
    alert: (a: StoredAlert): NewServerEvent => ({
      kind: ServerEventKind.Alert,
      deviceId: a.deviceId,
      sessionId: a.sessionId,
      commandId: a.matchedCommandId,
      data: { alertId: a.id, alertType: a.alertType, sourceUri: a.sourceUri },
      at: clock.now(),
    }),
  };
}

/** A transaction's parts, the four that report changes observed, each made at its first use. */
function observedTx(tx: StoreParts, emit: Emit, make: Make): StoreParts {
  return lazyTxParts((name) => {
    switch (name) {
      case "devices":
        return observedDevices(tx.devices, emit) as StoreParts[typeof name];
      case "commands":
        return observedCommands(tx.commands, emit, make) as StoreParts[typeof name];
      case "sessions":
        return observedSessions(tx.sessions, emit, make) as StoreParts[typeof name];
      case "alerts":
        return observedAlerts(tx.alerts, emit, make) as StoreParts[typeof name];
      default:
        return tx[name];
    }
  });
}

function observed(
  parts: StoreParts,
  emit: Emit,
  make: Make,
): Pick<StoreParts, "devices" | "commands" | "sessions" | "alerts"> {
  return {
    devices: observedDevices(parts.devices, emit),
    commands: observedCommands(parts.commands, emit, make),
    sessions: observedSessions(parts.sessions, emit, make),
    alerts: observedAlerts(parts.alerts, emit, make),
  };
}

function observedDevices(devices: DeviceStore, emit: Emit): DeviceStore {
  return {
    ...devices,
    async recordContact(id, options) {
      const device = await devices.recordContact(id, options);
      // The first contact stamps both times at once; every later one moves only lastContactAt.
      if (device !== null && device.firstContactAt !== null && device.firstContactAt === device.lastContactAt) {
        emit({
          kind: ServerEventKind.DeviceRegistered,
          deviceId: device.id,
          sessionId: null,
          commandId: null,
          data: { state: device.state },
          at: device.firstContactAt,
        });
      }
      return device;
    },
  };
}

function observedEnqueueMany(
  enqueueMany: NonNullable<CommandStore["enqueueMany"]>,
  emit: Emit,
  make: Make,
): NonNullable<CommandStore["enqueueMany"]> {
  return async (inputs) => {
    const results = await enqueueMany(inputs);
    for (const r of results) if ("created" in r && r.created) emit(make.command(r.command));
    return results;
  };
}

/** What a requeued command's event adds to its data. */
const REQUEUED = { requeued: true } as const;

// A module function, not a closure per wrapped part: every transaction wraps the parts it uses again.
function emitEach(list: readonly Command[], emit: Emit, make: Make, extra?: typeof REQUEUED): void {
  for (const c of list) emit(make.command(c, extra));
}

function observedCommands(commands: CommandStore, emit: Emit, make: Make): CommandStore {
  return {
    ...commands,
    async enqueue(input) {
      const result = await commands.enqueue(input);
      if (result.created) emit(make.command(result.command));
      return result;
    },
    ...(commands.enqueueMany === undefined
      ? {}
      : { enqueueMany: observedEnqueueMany(commands.enqueueMany.bind(commands), emit, make) }),
    async takeBatch(input) {
      const taken = await commands.takeBatch(input);
      emitEach(taken, emit, make);
      return taken;
    },
    async recordResults(sessionId, results) {
      const done = await commands.recordResults(sessionId, results);
      emitEach(done, emit, make);
      return done;
    },
    async completeAccepted(selector, completion) {
      const done = await commands.completeAccepted(selector, completion);
      if (done !== null) emit(make.command(done));
      return done;
    },
    async requeueSession(sessionId) {
      const requeued = await commands.requeueSession(sessionId);
      emitEach(requeued, emit, make, REQUEUED);
      return requeued;
    },
    async cancel(id) {
      const cancelled = await commands.cancel(id);
      emit(make.command(cancelled));
      return cancelled;
    },
  };
}

function observedSessions(sessions: SessionStore, emit: Emit, make: Make): SessionStore {
  return {
    ...sessions,
    async open(input) {
      const opened = await sessions.open(input);
      if (opened.superseded !== null) emit(make.session(opened.superseded));
      emitEach(opened.requeued, emit, make, REQUEUED);
      emit(make.session(opened.session));
      return opened;
    },
    async close(id, reason, options) {
      const closed = await sessions.close(id, reason, options);
      emit(make.session(closed.session));
      emitEach(closed.requeued, emit, make, REQUEUED);
      return closed;
    },
    async expireIdle(options) {
      const expired = await sessions.expireIdle(options);
      for (const closed of expired) {
        emit(make.session(closed.session));
        emitEach(closed.requeued, emit, make, REQUEUED);
      }
      return expired;
    },
  };
}

function observedAlerts(alerts: AlertStore, emit: Emit, make: Make): AlertStore {
  return {
    ...alerts,
    async record(list) {
      const stored = await alerts.record(list);
      for (const a of stored) emit(make.alert(a));
      return stored;
    },
  };
}
