// What every device list of the API shares: the `filter` parameter parsed (FILTER_INVALID, 400, with the
// parser's position and expectation), the page read in id order, and `total` when `count=true`.
import { filterOrThrow } from "../store/group-rules.js";
import type { Store } from "../store/store.js";
import type { Device } from "../store/types.js";
import type { DeviceSelection } from "../store/types-selection.js";
import { pageArgs } from "./common-schemas.js";

export interface SelectionParams {
  readonly filter?: string;
  readonly count?: boolean;
  readonly limit?: number;
  readonly cursor?: string;
}

export async function listSelection<V>(
  store: Store,
  base: DeviceSelection,
  params: SelectionParams,
  view: (d: Device) => V,
): Promise<{ items: V[]; nextCursor: string | null; total?: number }> {
  const selection: DeviceSelection =
    params.filter === undefined ? base : { ...base, filter: filterOrThrow(params.filter) };
  const page = await store.devices.list({ ...selection, ...pageArgs(params) });
  const items = page.items.map(view);
  if (params.count !== true) return { items, nextCursor: page.nextCursor };
  return { items, nextCursor: page.nextCursor, total: await store.devices.count(selection) };
}
