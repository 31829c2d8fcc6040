// Schemas and conversions every route module shares: times, pages, ids. Times leave the API as RFC 3339 UTC
// strings (the store keeps epoch milliseconds); one schema per shape gives validation, TypeScript types and the
// OpenAPI document at once.
import { Type, type Static, type TSchema } from "typebox";
import { MAX_DEVICE_ID_LENGTH } from "../device-id.js";
import { MAX_PAGE_LIMIT } from "../store/rules.js";
import { SortOrder, type Page } from "../store/types.js";

export const Time = Type.String({ format: "date-time", description: "RFC 3339 UTC time" });
export const NullableTime = Type.Union([Time, Type.Null()]);

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}

/** A record id or device id in a path: non-empty, bounded (device ids are the devices' own OMADM-DevID). */
export const Id = Type.String({ minLength: 1, maxLength: 256 });
/** A device id: the one DevID rule's length (../device-id.ts). */
export const DeviceId = Type.String({ minLength: 1, maxLength: MAX_DEVICE_ID_LENGTH });

export const PageQuery = {
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_PAGE_LIMIT, description: `Page size (1–${MAX_PAGE_LIMIT}, default 100)` }),
  ),
  cursor: Type.Optional(Type.String({ minLength: 1, description: "`nextCursor` of the previous page" })),
};

export const OrderQuery = {
  order: Type.Optional(Type.Enum([SortOrder.Asc, SortOrder.Desc], { description: "asc (default) or desc" })),
};

export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: "Pass as `cursor` for the next page" }),
  });
}

export function mapPage<A, B>(page: Page<A>, view: (a: A) => B): { items: B[]; nextCursor: string | null } {
  return { items: page.items.map(view), nextCursor: page.nextCursor };
}

/** `{ limit?, cursor? }` without undefined members (exactOptionalPropertyTypes). */
export function pageArgs(query: { readonly limit?: number; readonly cursor?: string }) {
  return {
    ...(query.limit === undefined ? {} : { limit: query.limit }),
    ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
  };
}

/** Drops undefined members so a query object fits exactOptionalPropertyTypes store queries. */
export function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

export const IdParams = Type.Object({ id: Id });
export type IdParams = Static<typeof IdParams>;
export const DeviceIdParams = Type.Object({ deviceId: DeviceId });
