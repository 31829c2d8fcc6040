// EXEC (docs/protocol.md §4.4, §4.12):
// - The ClientURI must name exactly one node: several → 400, none → 404. No Exec right or MOID not provisioned →
//   403; no Exec in the DDF AccessType, or no handler registered for the node → 405.
// - With a ServerURI the reporting is asynchronous whatever the handler does: 202 now, and when the operation
//   completes a Generic Alert goes to the outbox with `targetUri` = that ServerURI (sent in a new DM session to
//   it, §4.4).
// - Without: the handler decides. A synchronous answer is the final sc; an asynchronous one is 202 and the alert
//   goes to the account's SrvURI.
// - The alert: the handler's MO-defined type and data, else `urn:oma:at:dm:2.0:ExecComplete` with {"sc": …}
//   (§3.5, omadm's choice); SourceURI = the executed ClientURI in every case (docs/protocol.md §3.4).
import {
  errorMessage,
  type GenericAlert,
  Status,
  type StatusItem,
  execCompleteAlert,
  isValidStatusCode,
  parseServerUri,
} from "@omadm/protocol";
import type { CommandEnv } from "./command-env.js";
import { parseTarget, resolveAllowed } from "./targets.js";
import type { AlertOutbox, CommandContext, OutboxAlert } from "../session/contracts.js";
import type { ExecCompletion, ExecRegistry, ExecRequest, ExecResult } from "./exec-registry.js";

export interface ExecDeps {
  readonly registry: ExecRegistry;
  readonly outbox: AlertOutbox;
  /** Told about every asynchronous result put in the outbox (e.g. to open a session to its targetUri). */
  readonly onAsyncReport?: (entry: OutboxAlert) => void;
  /** Keeps the in-flight operations, so `whenIdle` can wait for them. */
  readonly inFlight: Set<Promise<void>>;
}

/** A handler's final result as a Generic Alert (docs/protocol.md §3.4, §3.5). */
export function completionAlert(clientUri: string, c: ExecCompletion): GenericAlert {
  if (c.alertType === undefined) return execCompleteAlert(clientUri, c.sc, c.mark);
  return {
    AlertType: c.alertType,
    SourceURI: clientUri,
    ...(c.mark === undefined ? {} : { Mark: c.mark }),
    DataType: c.dataType ?? "application/json",
    Data: c.data ?? { sc: c.sc },
  };
}

function checked(env: CommandEnv, c: ExecCompletion, clientUri: string): ExecCompletion {
  if (isValidStatusCode(c.sc)) return c;
  env.logger.warn({ clientUri, sc: c.sc }, "EXEC handler gave an invalid status code; reporting 500");
  return { sc: Status.COMMAND_FAILED };
}

function isAsync(r: ExecResult): r is { readonly async: Promise<ExecCompletion> } {
  return "async" in r;
}

export async function performExec(
  env: CommandEnv,
  deps: ExecDeps,
  ctx: CommandContext,
  command: { readonly clientUri: string; readonly serverUri?: string },
): Promise<{ readonly status: StatusItem; readonly message?: string }> {
  const uri = parseTarget(command.clientUri);
  if (!uri.ok) return { status: { sc: uri.sc }, message: uri.message };
  if (command.serverUri !== undefined) {
    const url = parseServerUri(command.serverUri, { allowHttp: env.allowHttp });
    if (!url.ok) return { status: { sc: Status.BAD_REQUEST }, message: url.error.message };
  }
  const nodes = resolveAllowed(env, ctx.serverId, "EXEC", uri.value, { single: true, strict: true });
  if (!nodes.ok) return { status: { sc: nodes.sc }, message: nodes.message };
  const [node] = nodes.value;
  if (node === undefined) return { status: { sc: Status.NOT_FOUND }, message: "the ClientURI names no node" };
  const handler = deps.registry.lookup(node.moid, node.path);
  if (handler === undefined) {
    return {
      status: { sc: Status.COMMAND_NOT_ALLOWED },
      message: `no EXEC handler is registered for ${node.clientUri}`,
    };
  }
  const request: ExecRequest = {
    moid: node.moid,
    miid: node.miid,
    path: node.path,
    clientUri: node.clientUri,
    serverId: ctx.serverId,
    sessionId: ctx.sessionId,
    ...(command.serverUri === undefined ? {} : { serverUri: command.serverUri }),
    asyncRequired: command.serverUri !== undefined,
    signal: ctx.signal,
  };
  let result: ExecResult;
  try {
    result = await handler(request);
  } catch (error) {
    env.logger.warn({ clientUri: node.clientUri, error: errorMessage(error) }, "EXEC handler threw");
    result = { sc: Status.COMMAND_FAILED };
  }
  if (!isAsync(result) && command.serverUri === undefined) {
    return { status: { sc: checked(env, result, node.clientUri).sc } };
  }
  const completion = isAsync(result) ? result.async : Promise.resolve(result);
  const report = (c: ExecCompletion): void => {
    const alert = completionAlert(node.clientUri, checked(env, c, node.clientUri));
    const entry = deps.outbox.add(
      ctx.serverId,
      alert,
      command.serverUri === undefined ? undefined : { targetUri: command.serverUri },
    );
    env.logger.info?.({ clientUri: node.clientUri, targetUri: command.serverUri }, "EXEC result queued");
    try {
      deps.onAsyncReport?.(entry);
    } catch (error) {
      env.logger.warn({ error: errorMessage(error) }, "onAsyncReport listener threw");
    }
  };
  const done: Promise<void> = completion
    .then(report, (error: unknown) => {
      env.logger.warn({ clientUri: node.clientUri, error: errorMessage(error) }, "asynchronous EXEC failed");
      report({ sc: Status.COMMAND_FAILED });
    })
    .catch((error: unknown) => {
      env.logger.warn({ clientUri: node.clientUri, error: errorMessage(error) }, "EXEC result could not be queued");
    });
  const tracked = done.finally(() => deps.inFlight.delete(tracked));
  deps.inFlight.add(tracked);
  // docs/protocol.md §4.4 (omadm's choice): a node named otherwise than by its concrete ClientURI (an empty
  // mo-inst, an x-name) is named in the 202's URI, so the server can match the later alert's SourceURI to it.
  const named = node.clientUri === command.clientUri ? {} : { URI: [node.clientUri] };
  return { status: { sc: Status.ACCEPTED, ...named } };
}
