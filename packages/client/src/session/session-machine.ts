// The DM Client session as a pure state machine (ARCHITECTURE.md invariant 4): `step(state, event) → { state, actions }`.
// It knows the package flow (docs/protocol.md §1.2): Package#1 → Package#2 → commands in order →
// Package#3 → … until a Package#2 holds END. It never touches sockets, clocks or randomness: the runner performs
// the actions (POST, execute a command, read the outbox) and feeds the results back as events.
import {
  MT_P1,
  MT_P2,
  MT_P3,
  clientInitiatedAlert,
  bootstrapCompleteAlert,
  serverInitiatedAlert,
  AT_SERVER_INIT,
  ErrorCode,
  ProtocolError,
  err,
  ok,
  mediaTypeEssence,
  parsePackage2,
  serializePackage1,
  serializePackage3,
  validateCommand,
  type Command,
  type GenericAlert,
  type Package1,
  type Package3,
  type Result,
  type StatusItem,
} from "@omadm/protocol";
import type { OutboxAlert } from "./contracts.js";
import {
  ActionKind,
  EventKind,
  StateKind,
  type MachineOptions,
  type PlannedItem,
  type PostAction,
  type SessionAction,
  type SessionContext,
  type SessionEvent,
  type SessionState,
  type Transition,
} from "./session-states.js";
import {
  AbortCode,
  OutcomeKind,
  TriggerKind,
  triggerWantsMos,
  type AbortReason,
  type CommandRecord,
  type SessionOutcome,
  type SessionTrigger,
} from "./session-types.js";

// The vocabulary is re-exported so callers import the machine from one place.

export function initialState(options: MachineOptions): SessionState {
  return { kind: StateKind.Idle, options };
}

/** The one transition function. An event the state does not accept is SESSION_ILLEGAL_TRANSITION. */
export function step(state: SessionState, event: SessionEvent): Result<Transition> {
  // Any active state can be cancelled by the caller or failed by the runner.
  if (event.kind === EventKind.Cancel && "ctx" in state) {
    return ok(abort(state.ctx, { code: AbortCode.CANCELLED, message: event.message }));
  }
  if (event.kind === EventKind.Fail && "ctx" in state) return ok(abort(state.ctx, event.reason));
  switch (state.kind) {
    case StateKind.Idle:
      if (event.kind === EventKind.Start) return ok(start(state.options, event));
      break;
    case StateKind.AwaitingPackage2:
      if (event.kind === EventKind.Response) return ok(onResponse(state, event));
      if (event.kind === EventKind.TransportFailed) {
        return ok(
          abort(state.ctx, {
            code: event.timeout ? AbortCode.TIMEOUT : AbortCode.TRANSPORT,
            // §1.5: a request that expires or fails aborts the session; no retry.
            message: `${state.request.packageKind} to ${state.request.url} failed: ${event.message}`,
            transportCode: event.code,
            url: state.request.url,
          }),
        );
      }
      if (event.kind === EventKind.AuthUnavailable) {
        return ok(
          abort(state.ctx, {
            code: AbortCode.AUTH_UNAVAILABLE,
            message: `401 from ${state.request.url} cannot be answered: ${event.message}`,
            httpStatus: 401,
            url: state.request.url,
          }),
        );
      }
      break;
    case StateKind.Executing:
      if (event.kind === EventKind.CommandExecuted) return ok(onExecuted(state, event.status));
      break;
    case StateKind.GatheringAlerts:
      if (event.kind === EventKind.AlertsGathered) return ok(postPackage3(state.ctx, state.statuses, event.alerts));
      break;
    case StateKind.Completed:
    case StateKind.Aborted:
      break;
  }
  return err(
    new ProtocolError(
      ErrorCode.SESSION_ILLEGAL_TRANSITION,
      `session in state "${state.kind}" cannot take event "${event.kind}"`,
    ),
  );
}

/** docs/protocol.md §3.1: the session-type alert, then the pending alerts; MOS when REQ-MOS asked or after bootstrap. */
function start(options: MachineOptions, e: Extract<SessionEvent, { kind: "start" }>): Transition {
  const url = e.trigger.kind === TriggerKind.AsyncReport ? e.trigger.targetUri : e.srvUri;
  const ctx: SessionContext = {
    options,
    sessionId: e.sessionId,
    serverId: e.serverId,
    trigger: e.trigger,
    url,
    packageNumber: 0,
    commands: [],
    packagesAcknowledged: 0,
    deliveredAlertIds: [],
  };
  const p1: Package1 = {};
  if (triggerWantsMos(e.trigger)) p1.MOS = [...(e.mos ?? [])];
  p1.Alert = [sessionAlert(e.trigger), ...e.pendingAlerts.map((a) => a.alert)];
  const request: PostAction = {
    kind: ActionKind.Post,
    url,
    packageKind: "P1",
    contentType: MT_P1,
    body: serializePackage1(p1),
  };
  return {
    state: {
      kind: StateKind.AwaitingPackage2,
      ctx,
      request,
      carriedAlertIds: e.pendingAlerts.map((a) => a.id),
      authAnswered: false,
    },
    actions: [request],
  };
}

function sessionAlert(trigger: SessionTrigger): GenericAlert {
  switch (trigger.kind) {
    case TriggerKind.ServerInitiated:
      return trigger.notificationId === undefined
        ? { AlertType: AT_SERVER_INIT }
        : serverInitiatedAlert(trigger.notificationId);
    case TriggerKind.BootstrapComplete:
      return bootstrapCompleteAlert();
    case TriggerKind.ClientInitiated:
    case TriggerKind.AsyncReport:
      // An async report opens a session of the client's own accord (§4.4): ClientInitiatedMgmt.
      return clientInitiatedAlert();
  }
}

function onResponse(
  state: Extract<SessionState, { kind: "awaiting-package2" }>,
  e: Extract<SessionEvent, { kind: "response" }>,
): Transition {
  const { ctx, request } = state;
  if (e.status === 401) {
    if (!state.authAnswered && e.wwwAuthenticate.length > 0) {
      // §1.5 (omadm's choice): a 401 with a challenge is recoverable once; the same package goes again, answered.
      const retry: PostAction = { ...request, answerChallenges: e.wwwAuthenticate };
      return { state: { ...state, request: retry, authAnswered: true }, actions: [retry] };
    }
    return abort(ctx, {
      code: state.authAnswered ? AbortCode.AUTH_REJECTED : AbortCode.AUTH_UNAVAILABLE,
      message: state.authAnswered
        ? `${request.url} answered 401 again after the credentials were sent`
        : `${request.url} answered 401 without a WWW-Authenticate challenge`,
      httpStatus: 401,
      url: request.url,
    });
  }
  if (e.status !== 200) {
    // docs/protocol.md §1.5: a 4xx the client cannot recover from, or a 5xx, aborts the session; the client MUST NOT retry.
    return abort(ctx, {
      code: AbortCode.HTTP_STATUS,
      message: `${request.packageKind} to ${request.url} answered HTTP ${e.status}; session aborted, no retry (docs/protocol.md §1.5)`,
      httpStatus: e.status,
      url: request.url,
    });
  }
  // The usual answer names the type exactly: no parse needed (a fleet of simulated devices reads many).
  const essence =
    e.contentType === undefined || e.contentType === MT_P2 ? e.contentType : mediaTypeEssence(e.contentType);
  if (essence !== MT_P2) {
    return abort(ctx, {
      code: AbortCode.BAD_CONTENT_TYPE,
      message: `${request.url} answered 200 with Content-Type ${e.contentType === undefined ? "(none)" : JSON.stringify(e.contentType)}; a Package#2 is ${MT_P2}`,
      httpStatus: 200,
      url: request.url,
    });
  }
  const p2 = parsePackage2(e.body);
  if (!p2.ok) {
    // docs/protocol.md §3.2 (omadm's choice): an unparseable Package#2 aborts the session silently (no Package#3).
    return abort(ctx, {
      code: AbortCode.BAD_PACKAGE2,
      message: `unusable Package#2 from ${request.url}: ${p2.error.message}`,
      httpStatus: 200,
      url: request.url,
    });
  }
  const packageNumber = ctx.packageNumber + 1;
  const acked: SessionContext = {
    ...ctx,
    packageNumber,
    packagesAcknowledged: ctx.packagesAcknowledged + 1,
    deliveredAlertIds: [...ctx.deliveredAlertIds, ...state.carriedAlertIds],
    // The statuses of the previous Package#2 rode in the package just answered: they reached the server.
    commands: ctx.commands.map((c) => (c.packageNumber === ctx.packageNumber ? { ...c, reported: true } : c)),
  };
  const items: PlannedItem[] = p2.value.CMD.map((item, i) => ({
    item,
    command: validateCommand(item, { allowHttp: ctx.options.allowHttp, path: `$.CMD[${i}]` }),
  }));
  // §4.8: END anywhere in the package means every command runs and no Package#3 follows.
  const end = items.some((p) => p.command.ok && p.command.value.name === "END");
  const acknowledge: SessionAction[] =
    state.carriedAlertIds.length > 0 ? [{ kind: ActionKind.Acknowledge, alertIds: state.carriedAlertIds }] : [];
  const next = advance({ kind: StateKind.Executing, ctx: acked, items, next: 0, statuses: [], end });
  return { state: next.state, actions: [...acknowledge, ...next.actions] };
}

function onExecuted(state: Extract<SessionState, { kind: "executing" }>, status: StatusItem): Transition {
  const planned = state.items[state.next];
  if (planned === undefined || !planned.command.ok) {
    // advance() only ever stops on a valid command; anything else is a runner bug.
    return abort(state.ctx, { code: AbortCode.INTERNAL, message: "command result for no command in progress" });
  }
  const ctx = record(state.ctx, state.next, planned.item, planned.command.value, status);
  return advance({ ...state, ctx, next: state.next + 1, statuses: [...state.statuses, status] });
}

/**
 * Runs the package from `state.next` on: the runner's own commands (CONT, END) and invalid items get their
 * status here; the first command for the executor stops the loop with an Execute action.
 */
function advance(state: Extract<SessionState, { kind: "executing" }>): Transition {
  let { ctx } = state;
  const statuses = [...state.statuses];
  for (let i = state.next; i < state.items.length; i++) {
    const planned = state.items[i];
    if (planned === undefined) break;
    const { item, command } = planned;
    if (!command.ok) {
      // §3.2 (omadm's choice): an unknown command (501) or bad parameters (400) cost only this item's status.
      const status = { sc: command.error.status };
      ctx = record(ctx, i, item, undefined, status);
      statuses.push(status);
      continue;
    }
    const cmd = command.value;
    if (cmd.name === "CONT") {
      // §4.7: every later Package#3 of this session goes to the new ServerURI, including the one with this 200.
      ctx = record({ ...ctx, url: cmd.serverUri }, i, item, cmd, { sc: 200 });
      statuses.push({ sc: 200 });
      continue;
    }
    if (cmd.name === "END") {
      ctx = record(ctx, i, item, cmd, { sc: 200 });
      statuses.push({ sc: 200 });
      continue;
    }
    return {
      state: { ...state, ctx, next: i, statuses },
      actions: [{ kind: ActionKind.Execute, command: cmd, packageNumber: ctx.packageNumber, index: i }],
    };
  }
  if (state.end) {
    // §4.8: the session is over; the statuses of this package are never sent.
    const outcome = buildOutcome(ctx, undefined);
    return { state: { kind: StateKind.Completed, outcome }, actions: [{ kind: ActionKind.Finish, outcome }] };
  }
  const targetUri = ctx.trigger.kind === TriggerKind.AsyncReport ? ctx.trigger.targetUri : undefined;
  return {
    state: { kind: StateKind.GatheringAlerts, ctx, statuses },
    actions: [
      { kind: ActionKind.GatherAlerts, serverId: ctx.serverId, ...(targetUri === undefined ? {} : { targetUri }) },
    ],
  };
}

/** docs/protocol.md §3.3: one status per command of the Package#2, plus the alerts raised meanwhile. */
function postPackage3(
  ctx: SessionContext,
  statuses: readonly StatusItem[],
  alerts: readonly OutboxAlert[],
): Transition {
  const p3: Package3 = { Status: [...statuses] };
  if (alerts.length > 0) p3.Alert = alerts.map((a) => a.alert);
  const request: PostAction = {
    kind: ActionKind.Post,
    url: ctx.url,
    packageKind: "P3",
    contentType: MT_P3,
    body: serializePackage3(p3),
  };
  return {
    state: {
      kind: StateKind.AwaitingPackage2,
      ctx,
      request,
      carriedAlertIds: alerts.map((a) => a.id),
      authAnswered: false,
    },
    actions: [request],
  };
}

function record(
  ctx: SessionContext,
  index: number,
  item: readonly string[],
  command: Command | undefined,
  status: StatusItem,
): SessionContext {
  const rec: CommandRecord = {
    packageNumber: ctx.packageNumber,
    index,
    item,
    ...(command === undefined ? {} : { command }),
    status,
    reported: false,
  };
  return { ...ctx, commands: [...ctx.commands, rec] };
}

function abort(ctx: SessionContext, reason: AbortReason): Transition {
  const outcome = buildOutcome(ctx, reason);
  return { state: { kind: StateKind.Aborted, outcome }, actions: [{ kind: ActionKind.Finish, outcome }] };
}

function buildOutcome(ctx: SessionContext, reason: AbortReason | undefined): SessionOutcome {
  const base = {
    sessionId: ctx.sessionId,
    serverId: ctx.serverId,
    trigger: ctx.trigger,
    commands: ctx.commands,
    packagesAcknowledged: ctx.packagesAcknowledged,
    deliveredAlertIds: ctx.deliveredAlertIds,
    lastUrl: ctx.url,
  };
  return reason === undefined
    ? { ...base, kind: OutcomeKind.Completed }
    : { ...base, kind: OutcomeKind.Aborted, reason };
}
