// What the memory store's parts share: the data they hold, the context each part is built with, and the small
// helpers for copies, pages and device lookups. memory-store.ts assembles the parts (memory-queue.ts,
// memory-content.ts and its own devices) on top of this module, which imports none of them.
import { decodeCursor, deviceNotFound, pageLimit, toPage, type CursorKey } from "./rules.js";
import { SortOrder, type Command, type Device, type Page, type PageQuery } from "./types.js";
import { MemoryBootstrapData } from "./memory-bootstrap-data.js";
import type { ApiToken, AuditRecord, Capability, RepositoryItem, UiSession, Upload } from "./types-content.js";
import type { NotificationRecord, Session, StoredAlert } from "./types-session.js";
import type { DeviceGroup } from "./types-selection.js";
import type { FirmwareImage } from "./types-firmware.js";
import type { Campaign, CampaignDevice } from "./types-campaign.js";
import type { LeaseRow } from "./lease-rules.js";
import type { ConsoleSignIn } from "./types-console.js";

/**
 * Everything a memory store holds. Pass the same instance to a second `createMemoryStore` to simulate a
 * restart (what a SQLite file or PostgreSQL database gives the other implementations).
 */
export class MemoryStoreData {
  readonly devices = new Map<string, Device>();
  /** Insertion order is enqueue order. */
  readonly commands = new Map<string, { readonly seq: number; readonly rec: Command }>();
  readonly sessions = new Map<string, Session>();
  readonly alerts = new Map<string, { readonly seq: number; readonly rec: StoredAlert }>();
  readonly notifications = new Map<string, { readonly seq: number; readonly rec: NotificationRecord }>();
  readonly repository = new Map<string, { readonly version: number; readonly item: RepositoryItem }>();
  readonly uploads = new Map<string, { readonly seq: number; readonly rec: Upload }>();
  readonly uiSessions = new Map<string, UiSession>();
  readonly apiTokens = new Map<string, { readonly hash: string; readonly rec: ApiToken }>();
  readonly bootstrap = new MemoryBootstrapData();
  readonly groups = new Map<string, DeviceGroup>();
  /** Static groups' members; each set is replaced on change, never changed in place (see `snapshot`). */
  readonly groupMembers = new Map<string, ReadonlySet<string>>();
  /** By token hash. */
  readonly capabilities = new Map<string, Capability>();
  readonly audit = new Map<string, { readonly seq: number; readonly rec: AuditRecord }>();
  readonly firmware = new Map<string, FirmwareImage>();
  readonly campaigns = new Map<string, Campaign>();
  /** Keyed by campaign id, NUL, device id. */
  readonly campaignDevices = new Map<string, CampaignDevice>();
  /** Console sign-ins by secret hash. */
  readonly consoleSignIns = new Map<string, ConsoleSignIn>();
  /** Leases (memory-leases.ts); never changed inside a transaction, so not part of `snapshot`. */
  readonly leases = new Map<string, LeaseRow>();
  notificationCounter = 0;
  seq = 0;

  /**
   * Remembers the current contents; the returned function puts them back (a memory transaction's rollback).
   * Shallow copies suffice because entries are never changed in place, only replaced (all fields readonly).
   */
  snapshot(): () => void {
    const maps: Map<string, unknown>[] = [
      this.devices,
      this.commands,
      this.sessions,
      this.alerts,
      this.notifications,
      this.repository,
      this.uploads,
      this.uiSessions,
      this.apiTokens,
      ...this.bootstrap.maps(),
      this.groups,
      this.groupMembers,
      this.capabilities,
      this.audit,
      this.firmware,
      this.campaigns,
      this.campaignDevices,
      this.consoleSignIns,
    ];
    const copies = maps.map((m) => new Map(m));
    const { notificationCounter, seq } = this;
    return () => {
      maps.forEach((m, i) => {
        m.clear();
        for (const [k, v] of copies[i] ?? []) m.set(k, v);
      });
      this.notificationCounter = notificationCounter;
      this.seq = seq;
    };
  }
}

export interface MemoryContext {
  readonly data: MemoryStoreData;
  now(): number;
  newId(): string;
  /** Throws STORE_CLOSED after close(). */
  check(): void;
  nextSeq(): number;
}

/** Deep copy on the way out: callers never hold references into the store. */
export function out<T>(value: T): T {
  return structuredClone(value);
}

export function compareKeys(a: CursorKey, b: CursorKey): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    return (x as string | number) < (y as string | number) ? -1 : 1;
  }
  return 0;
}

/** Sorts, skips past the cursor, and cuts a page — the same semantics as the SQL keyset pagination. */
export function memoryPage<T>(
  rows: Iterable<T>,
  query: PageQuery & { readonly order?: SortOrder | undefined },
  keyOf: (row: T) => CursorKey,
  shape: readonly ("string" | "number")[],
): Page<T> {
  const limit = pageLimit(query);
  const sign = query.order === SortOrder.Desc ? -1 : 1;
  let list = [...rows].sort((a, b) => sign * compareKeys(keyOf(a), keyOf(b)));
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor, shape);
    list = list.filter((row) => sign * compareKeys(keyOf(row), after) > 0);
  }
  const page = toPage(list.slice(0, limit + 1), limit, keyOf);
  return { items: page.items.map(out), nextCursor: page.nextCursor };
}

export function requireDevice(ctx: MemoryContext, id: string): Device {
  const device = ctx.data.devices.get(id);
  if (device === undefined) throw deviceNotFound(id);
  return device;
}
