// Bytes ⇄ client state document. The decoder is total: any bytes give the document or a typed error
// (STATE_CORRUPT with the JSON path of the first problem, STATE_VERSION for another format or version); it
// checks the shape of everything, the tree restore then checks every value against its MO definition.
// Migration: a version-1 document (before pending notifications and report retries were saved) is read as a
// version-2 one with none of either; the next save writes version 2.
import { ErrorCode, ProtocolError, type GenericAlert, type Result, err, ok, parseGenericAlert } from "@omadm/protocol";
import type { AccessGrant } from "../access/access-control.js";
import { isRight } from "../access/rights.js";
import type { Actor } from "../tree/actor.js";
import type { InstanceSnapshot } from "../tree/tree-snapshot.js";
import type { MoDataValue } from "../tree/leaf-value.js";
import { type ClientStateDocument, STATE_FORMAT, STATE_VERSION } from "./client-state.js";

/** Thrown inside the decoder only; the public functions turn it into a Result. */
class Invalid extends Error {
  readonly path: string;
  readonly what: string;

  constructor(path: string, what: string) {
    super(`${what} (at ${path})`);
    this.path = path;
    this.what = what;
  }
}

function object(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Invalid(path, "must be an object");
  return v as Record<string, unknown>;
}

function array(v: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(v)) throw new Invalid(path, "must be an array");
  return v;
}

function string(v: unknown, path: string): string {
  if (typeof v !== "string") throw new Invalid(path, "must be a string");
  return v;
}

function count(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
    throw new Invalid(path, "must be a non-negative integer");
  return v;
}

function optionalString(v: unknown, path: string): string | undefined {
  return v === undefined ? undefined : string(v, path);
}

function list<T>(v: unknown, path: string, item: (x: Record<string, unknown>, p: string) => T): T[] {
  return array(v, path).map((x, i) => item(object(x, `${path}[${i}]`), `${path}[${i}]`));
}

function actor(v: unknown, path: string): Actor {
  const o = object(v, path);
  if (o.kind === "server") return { kind: "server", srvId: string(o.srvId, `${path}.srvId`) };
  if (o.kind === "local") {
    const app = optionalString(o.app, `${path}.app`);
    return app === undefined ? { kind: "local" } : { kind: "local", app };
  }
  throw new Invalid(`${path}.kind`, 'must be "server" or "local"');
}

function alert(v: unknown, path: string): GenericAlert {
  const parsed = parseGenericAlert(JSON.stringify(object(v, path)));
  if (!parsed.ok) throw new Invalid(path, `is not a Generic Alert: ${parsed.error.message}`);
  return parsed.value;
}

function instance(o: Record<string, unknown>, p: string): InstanceSnapshot {
  if (!("data" in o)) throw new Invalid(`${p}.data`, "is missing");
  return {
    moid: string(o.moid, `${p}.moid`),
    miid: string(o.miid, `${p}.miid`),
    cv: string(o.cv, `${p}.cv`),
    creator: actor(o.creator, `${p}.creator`),
    data: o.data as MoDataValue, // checked against the MO definition by DmTree.restore
  };
}

function grant(o: Record<string, unknown>, p: string): AccessGrant {
  const rights = array(o.rights, `${p}.rights`);
  if (!rights.every(isRight)) throw new Invalid(`${p}.rights`, "holds an unknown right");
  return {
    moid: string(o.moid, `${p}.moid`),
    miid: string(o.miid, `${p}.miid`),
    srvId: string(o.srvId, `${p}.srvId`),
    rights,
  };
}

function bearers(v: unknown, path: string): number[] {
  return array(v, path).map((b, i) => {
    const n = count(b, `${path}[${i}]`);
    if (n > 255) throw new Invalid(`${path}[${i}]`, "must be a CON-TYPE (0-255)");
    return n;
  });
}

function pendingNotification(x: Record<string, unknown>, p: string) {
  const id = x.notificationId === undefined ? undefined : count(x.notificationId, `${p}.notificationId`);
  if (id !== undefined && id > 0xffff) throw new Invalid(`${p}.notificationId`, "must fit 16 bits (§2.4)");
  if (typeof x.reqMos !== "boolean") throw new Invalid(`${p}.reqMos`, "must be a boolean");
  const bearer = x.bearer === undefined ? undefined : count(x.bearer, `${p}.bearer`);
  const preferred = x.preferred === undefined ? undefined : bearers(x.preferred, `${p}.preferred`);
  return {
    id: string(x.id, `${p}.id`),
    srvId: string(x.srvId, `${p}.srvId`),
    ...(id === undefined ? {} : { notificationId: id }),
    reqMos: x.reqMos,
    ...(bearer === undefined ? {} : { bearer }),
    ...(preferred === undefined ? {} : { preferred }),
    receivedAt: count(x.receivedAt, `${p}.receivedAt`),
  };
}

function documentOf(root: unknown, version: number): ClientStateDocument {
  const o = object(root, "$");
  const tree = object(o.tree, "$.tree");
  const access = object(o.access, "$.access");
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    tree: {
      validatorCounter: count(tree.validatorCounter, "$.tree.validatorCounter"),
      miidCounter: count(tree.miidCounter, "$.tree.miidCounter"),
      instances: list(tree.instances, "$.tree.instances", instance),
    },
    access: { grants: list(access.grants, "$.access.grants", grant) },
    subscriptions: list(o.subscriptions, "$.subscriptions", (x, p) => {
      // Absent in files written before unreported changes were persisted (same version: the field is optional).
      const pendingSince = x.pendingSince === undefined ? undefined : count(x.pendingSince, `${p}.pendingSince`);
      return {
        srvId: string(x.srvId, `${p}.srvId`),
        clientUri: string(x.clientUri, `${p}.clientUri`),
        serverUri: string(x.serverUri, `${p}.serverUri`),
        createdAt: count(x.createdAt, `${p}.createdAt`),
        ...(pendingSince === undefined ? {} : { pendingSince }),
      };
    }),
    defaults: list(o.defaults, "$.defaults", (x, p) => ({
      moid: string(x.moid, `${p}.moid`),
      serverUri: string(x.serverUri, `${p}.serverUri`),
      srvId: string(x.srvId, `${p}.srvId`),
      setAt: count(x.setAt, `${p}.setAt`),
    })),
    notificationIds: list(o.notificationIds, "$.notificationIds", (x, p) => {
      const id = count(x.notificationId, `${p}.notificationId`);
      if (id > 0xffff) throw new Invalid(`${p}.notificationId`, "must fit 16 bits (§2.4)");
      return {
        srvId: string(x.srvId, `${p}.srvId`),
        notificationId: id,
        receivedAt: count(x.receivedAt, `${p}.receivedAt`),
      };
    }),
    pendingAlerts: list(o.pendingAlerts, "$.pendingAlerts", (x, p) => ({
      id: string(x.id, `${p}.id`),
      srvId: string(x.srvId, `${p}.srvId`),
      alert: alert(x.alert, `${p}.alert`),
      queuedAt: count(x.queuedAt, `${p}.queuedAt`),
    })),
    pendingReports: list(o.pendingReports, "$.pendingReports", (x, p) => {
      const serverUri = optionalString(x.serverUri, `${p}.serverUri`);
      return {
        id: string(x.id, `${p}.id`),
        srvId: string(x.srvId, `${p}.srvId`),
        ...(serverUri === undefined ? {} : { serverUri }),
        alert: alert(x.alert, `${p}.alert`),
        createdAt: count(x.createdAt, `${p}.createdAt`),
        ...(x.attempts === undefined ? {} : { attempts: count(x.attempts, `${p}.attempts`) }),
        ...(x.nextAttemptAt === undefined ? {} : { nextAttemptAt: count(x.nextAttemptAt, `${p}.nextAttemptAt`) }),
      };
    }),
    // Version 1 had no pending notifications: a notification accepted then was served or lost before the save.
    pendingNotifications:
      version === 1 ? [] : list(o.pendingNotifications, "$.pendingNotifications", pendingNotification),
  };
}

function corrupt(message: string, path?: string): Result<never> {
  return err(
    new ProtocolError(
      ErrorCode.STATE_CORRUPT,
      `client state: ${message}`,
      path === undefined ? { status: 500 } : { status: 500, path },
    ),
  );
}

export function encodeClientState(doc: ClientStateDocument): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(doc));
}

/** Decodes a saved state document (total). */
export function decodeClientState(bytes: Uint8Array | string): Result<ClientStateDocument> {
  let text: string;
  try {
    text = typeof bytes === "string" ? bytes : new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return corrupt("the file is not valid UTF-8");
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    return corrupt(`the file is not valid JSON (${e instanceof Error ? e.message : "syntax error"})`);
  }
  const head = typeof root === "object" && root !== null ? (root as Record<string, unknown>) : {};
  if (head.format !== STATE_FORMAT) return corrupt(`not an ${STATE_FORMAT} document`, "$.format");
  if (head.version !== STATE_VERSION && head.version !== 1) {
    const message = `client state version ${JSON.stringify(head.version)} is not supported (this build reads 1 and ${STATE_VERSION})`;
    return err(new ProtocolError(ErrorCode.STATE_VERSION, message, { status: 500, path: "$.version" }));
  }
  try {
    return ok(documentOf(root, head.version));
  } catch (e) {
    if (e instanceof Invalid) return corrupt(e.what, e.path);
    return corrupt(e instanceof RangeError ? "the document nests too deeply" : "the document could not be read");
  }
}
