// What `omadm client set|alert|tree` do to a device, as operations on a started DmClient that return the lines to
// print: run in the command's own process when no daemon runs (under the state lock), or inside the daemon when
// one runs (asked over its control socket, docs/client-state.md), so both give the same output and errors.
// Arguments arrive as JSON from the socket: each operation checks its own and refuses bad ones with
// CONTROL_REQUEST (exit code 2, like a usage error), before changing anything.
import { type DmClient, DmClientError, DmClientErrorCode } from "@omadm/client";
import { formatMoData, formatTree, scalar } from "./format.js";

export interface OpResult {
  readonly lines: readonly string[];
  /** 0 done, 1 the device refused or the session did not deliver. */
  readonly exitCode: number;
}

export type DeviceOp = (client: DmClient, args: Record<string, unknown>) => Promise<OpResult>;

function bad(message: string): DmClientError {
  return new DmClientError(DmClientErrorCode.CONTROL_REQUEST, message);
}

function failed(message: string): DmClientError {
  return new DmClientError(DmClientErrorCode.CONTROL_FAILED, message);
}

function str(args: Record<string, unknown>, key: string): string {
  const v = args[key];
  if (typeof v !== "string") throw bad(`"${key}" must be a string`);
  return v;
}

function optStr(args: Record<string, unknown>, key: string): string | undefined {
  return args[key] === undefined ? undefined : str(args, key);
}

/** The account an operation is for: the one named, else the only one. */
function serverOf(client: DmClient, named: string | undefined): string {
  const ids = client.accounts().map((a) => a.srvId);
  if (named !== undefined) {
    if (!ids.includes(named)) throw bad(`no account with SrvID "${named}" (accounts: ${ids.join(", ")})`);
    return named;
  }
  const [only, ...more] = ids;
  if (only === undefined) throw bad("the device has no DM Account");
  if (more.length > 0) throw bad(`several accounts (${ids.join(", ")}): choose one with --server`);
  return only;
}

const tree: DeviceOp = (client, args) => {
  const uri = optStr(args, "uri");
  if (uri === undefined) return Promise.resolve({ lines: formatTree(client.tree), exitCode: 0 });
  const nodes = client.read(uri);
  if (!nodes.ok) throw failed(nodes.error.message);
  if (nodes.value.length === 0) throw failed(`${uri} selects no node`);
  const lines: string[] = [];
  for (const n of nodes.value) {
    const data = client.tree.read(n.moid, n.miid, n.path);
    if (!data.ok) continue;
    const value = Object.values(data.value)[0] ?? null;
    if (value !== null && typeof value === "object") lines.push(n.clientUri, ...formatMoData(value));
    else lines.push(`${n.clientUri} = ${scalar(value)}`);
  }
  return Promise.resolve({ lines, exitCode: 0 });
};

const set: DeviceOp = async (client, args) => {
  const uri = str(args, "uri");
  const value = str(args, "value");
  const r = await client.setValue(uri, value);
  if (!r.ok) throw failed(r.error.message);
  const now = client.getValue(uri);
  const shown = now.ok ? (now.value instanceof Uint8Array ? `${now.value.length} bytes` : String(now.value)) : value;
  // Subscribers hear about the change now (§4.10), with the value the device really has.
  await client.flushSubscriptions();
  return { lines: [`${uri} = ${shown}${r.value.changed ? "" : " (unchanged)"}`], exitCode: 0 };
};

function parseData(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const alert: DeviceOp = async (client, args) => {
  const alertType = str(args, "alertType");
  const [source, target, mark, dataType, data] = ["source", "target", "mark", "dataType", "data"].map((k) =>
    optStr(args, k),
  );
  if (data !== undefined && dataType === undefined) {
    throw bad("--data needs --data-type (a Generic Alert with Data MUST have a DataType)");
  }
  if (args.now !== undefined && typeof args.now !== "boolean") throw bad('"now" must be a boolean');
  const serverId = serverOf(client, optStr(args, "server"));
  const r = await client.raiseAlert(serverId, {
    AlertType: alertType,
    ...(source === undefined ? {} : { SourceURI: source }),
    ...(target === undefined ? {} : { TargetURI: target }),
    ...(mark === undefined ? {} : { Mark: mark as "informational" }),
    ...(dataType === undefined ? {} : { DataType: dataType }),
    ...(data === undefined ? {} : { Data: parseData(data) }),
  });
  if (!r.ok) throw bad(`the alert is not valid: ${r.error.message}`);
  if (args.now !== true) {
    return { lines: [`alert ${r.value.id} queued for ${serverId}; it goes with the next session`], exitCode: 0 };
  }
  const outcome = await client.runSession(serverId);
  const sent = outcome.deliveredAlertIds.includes(r.value.id);
  return {
    lines: [sent ? `alert ${r.value.id} sent to ${serverId}` : `alert ${r.value.id} stays queued for ${serverId}`],
    exitCode: sent ? 0 : 1,
  };
};

export const DEVICE_OPS: Readonly<Record<string, DeviceOp>> = { tree, set, alert };

/** Runs one of DEVICE_OPS by name; an unknown name is CONTROL_REQUEST. */
export function runOp(op: string, client: DmClient, args: Record<string, unknown>): Promise<OpResult> {
  const run = Object.hasOwn(DEVICE_OPS, op) ? DEVICE_OPS[op] : undefined;
  if (run === undefined)
    return Promise.reject(bad(`unknown operation "${op}" (${Object.keys(DEVICE_OPS).join(", ")})`));
  return run(client, args);
}

/** The daemon's control-socket handler: one of DEVICE_OPS on its running client. */
export function deviceOpHandler(client: DmClient): (op: string, args: Record<string, unknown>) => Promise<OpResult> {
  return (op, args) => runOp(op, client, args);
}

/** An answer from the socket read back as an OpResult (a daemon of another version could send anything). */
export function asOpResult(value: unknown): OpResult {
  const o = (typeof value === "object" && value !== null ? value : {}) as { lines?: unknown; exitCode?: unknown };
  const lines = Array.isArray(o.lines) ? o.lines.filter((l): l is string => typeof l === "string") : [];
  return { lines, exitCode: typeof o.exitCode === "number" ? o.exitCode : 1 };
}
