// What the device page shows, read from the REST API in one go, and the last known values of the device's tree
// derived from it: every GET result and every SUB report (an upload that is MO data), the newest value of each
// path winning, each with the time the server received it.
import { api, enc, type Page } from "./api.js";
import type { Device } from "./device-list.js";
import { joinUri, leaves } from "./format.js";

export interface Command {
  readonly id: string;
  readonly name: string;
  readonly params: string[];
  readonly state: string;
  readonly createdAt: string;
  readonly completedAt: string | null;
  readonly sessionId: string | null;
  readonly packageNo: number | null;
  readonly statusCode: number | null;
  readonly reason: string | null;
  readonly result: { uris: string[]; data: unknown } | null;
}
export interface Session {
  readonly id: string;
  readonly status: string;
  readonly stateName: string;
  readonly packageNo: number;
  readonly createdAt: string;
  readonly endedAt: string | null;
}
export interface Alert {
  readonly id: string;
  readonly alertType: string;
  readonly sourceUri: string | null;
  readonly data: unknown;
  readonly receivedAt: string;
}
export interface Upload {
  readonly id: string;
  readonly path: string;
  readonly method: string;
  readonly clientUris: string[] | null;
  readonly mediaType: string;
  readonly size: number;
  readonly receivedAt: string;
  readonly commandId: string | null;
}
export interface Notification {
  readonly id: string;
  readonly notificationId: number;
  readonly transport: string;
  readonly sentAt: string;
  readonly outcome: string;
  readonly error: string | null;
}
export interface TreeValue {
  readonly path: string;
  readonly value: string;
  readonly at: string;
  readonly source: string;
}
export interface DeviceData {
  readonly device: Device;
  readonly commands: Command[];
  readonly sessions: Session[];
  readonly alerts: Alert[];
  readonly uploads: Upload[];
  readonly notifications: Notification[];
  readonly tree: TreeValue[];
}

const LIMIT = 100;
/** SUB reports whose content is read for the tree values (the newest). */
const REPORTS_READ = 10;

type MoItem = { ClientURI?: string; MOData?: unknown };

function moItems(data: unknown): MoItem[] {
  if (Array.isArray(data)) return data as MoItem[];
  return data !== null && typeof data === "object" ? [data] : [];
}

function valuesOf(data: unknown, fallbackUri: string, at: string, source: string): TreeValue[] {
  const out: TreeValue[] = [];
  for (const item of moItems(data)) {
    // MOData is the addressed node itself as { <its name>: … } (docs/protocol.md §7.1): its paths start at the
    // ClientURI's parent.
    const uri = (item.ClientURI ?? fallbackUri).replace(/\/+$/, "");
    const slash = uri.lastIndexOf("/");
    const names = item.MOData !== null && typeof item.MOData === "object" ? Object.keys(item.MOData) : [];
    const base = slash > 0 && names.length === 1 && uri.slice(slash + 1) === names[0] ? uri.slice(0, slash) : uri;
    for (const [path, value] of leaves("", item.MOData)) out.push({ path: joinUri(base, path), value, at, source });
  }
  return out;
}

async function reportValues(upload: Upload): Promise<TreeValue[]> {
  const response = await fetch(`/api/v1/uploads/${enc(upload.id)}/content`, { credentials: "same-origin" });
  if (!response.ok) return [];
  try {
    return valuesOf(JSON.parse(await response.text()), upload.clientUris?.[0] ?? "", upload.receivedAt, "SUB report");
  } catch {
    return []; // not JSON MO data (TLV, CBOR, XML): listed under uploads only
  }
}

export async function loadDevice(id: string): Promise<DeviceData> {
  const byDevice = { deviceId: id, limit: LIMIT };
  const [device, commands, sessions, alerts, uploads, notifications] = await Promise.all([
    api<Device>(`/api/v1/devices/${enc(id)}`),
    api<Page<Command>>(`/api/v1/devices/${enc(id)}/commands`, { query: { order: "desc", limit: LIMIT } }),
    api<Page<Session>>("/api/v1/sessions", { query: byDevice }),
    api<Page<Alert>>("/api/v1/alerts", { query: { ...byDevice, order: "desc" } }),
    api<Page<Upload>>("/api/v1/uploads", { query: { ...byDevice, order: "desc" } }).catch(() => ({
      items: [],
      nextCursor: null,
    })),
    api<Page<Notification>>("/api/v1/notifications", { query: { ...byDevice, order: "desc" } }),
  ]);
  const gets = commands.items
    .filter((c) => c.name === "GET" && c.result !== null && c.completedAt !== null)
    .flatMap((c) => valuesOf(c.result?.data, c.params[0] ?? "", c.completedAt ?? "", "GET"));
  const reports = (
    await Promise.all(
      uploads.items
        .filter((u) => u.method === "PUT")
        .slice(0, REPORTS_READ)
        .map(reportValues),
    )
  ).flat();
  const newest = new Map<string, TreeValue>();
  for (const v of [...gets, ...reports]) {
    const known = newest.get(v.path);
    if (known === undefined || Date.parse(known.at) < Date.parse(v.at)) newest.set(v.path, v);
  }
  return {
    device,
    commands: commands.items,
    sessions: [...sessions.items].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt)),
    alerts: alerts.items,
    uploads: uploads.items,
    notifications: notifications.items,
    tree: [...newest.values()].sort((a, b) => a.path.localeCompare(b.path)),
  };
}
