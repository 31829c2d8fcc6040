// What every store checks of saved groups before it changes anything (docs/filters.md "Groups").
import { ServerError, ServerErrorCode } from "../errors.js";
import { formatFilter, type DeviceFilter } from "../selection/filter-ast.js";
import { parseFilter } from "../selection/filter-parser.js";
import { invalid, requireOneOf, requireText } from "./rules.js";
import { GroupKind, type DeviceGroup, type DeviceGroupPatch, type NewDeviceGroup } from "./types-selection.js";

const GROUP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const GROUP_DESCRIPTION_MAX = 1024;
/** Device ids one add or remove takes: a bounded transaction; bigger lists go in several calls. */
export const GROUP_MEMBERS_PER_CALL = 10_000;

export function checkGroupId(id: unknown): string {
  if (typeof id !== "string" || !GROUP_ID.test(id)) {
    throw invalid(
      `group id ${JSON.stringify(id)} must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return id;
}

/** The filter parsed, or FILTER_INVALID with the parser's position and expectation. */
export function filterOrThrow(text: string): DeviceFilter {
  const parsed = parseFilter(text);
  if (!parsed.ok) throw new ServerError(ServerErrorCode.FILTER_INVALID, parsed.error.message);
  return parsed.value;
}

function checkDescription(value: unknown): string {
  if (typeof value !== "string" || value.length > GROUP_DESCRIPTION_MAX || value.includes("\u0000")) {
    throw invalid(`description must be a string of at most ${GROUP_DESCRIPTION_MAX} characters, without NUL`);
  }
  return value;
}

function canonicalFilter(value: unknown): string {
  if (typeof value !== "string") throw invalid("filter must be a string");
  return formatFilter(filterOrThrow(value));
}

export interface CheckedGroup {
  readonly id: string;
  readonly kind: GroupKind;
  readonly description: string;
  readonly filter: string | null;
}

export function checkNewGroup(input: NewDeviceGroup): CheckedGroup {
  const id = checkGroupId(input.id);
  const kind = requireOneOf(input.kind, [GroupKind.Static, GroupKind.Dynamic], "group kind");
  const description = checkDescription(input.description ?? "");
  if (kind === GroupKind.Static) {
    if (input.filter !== undefined) throw kindMismatch(id, "a static group has members, not a filter");
    return { id, kind, description, filter: null };
  }
  if (input.filter === undefined) throw invalid("a dynamic group needs a filter");
  return { id, kind, description, filter: canonicalFilter(input.filter) };
}

/** The group after the patch (checked against its kind). */
export function applyGroupPatch(group: DeviceGroup, patch: DeviceGroupPatch, now: number): DeviceGroup {
  const description = patch.description === undefined ? group.description : checkDescription(patch.description);
  let filter = group.filter;
  if (patch.filter !== undefined) {
    if (group.kind !== GroupKind.Dynamic) throw kindMismatch(group.id, "a static group has members, not a filter");
    filter = canonicalFilter(patch.filter);
  }
  return { ...group, description, filter, updatedAt: now };
}

export function kindMismatch(id: string, why: string): ServerError {
  return new ServerError(ServerErrorCode.GROUP_KIND_MISMATCH, `group ${id}: ${why}`);
}

export function groupNotFound(id: string): ServerError {
  return new ServerError(ServerErrorCode.GROUP_NOT_FOUND, `no group ${id}`);
}

export function groupExists(id: string): ServerError {
  return new ServerError(ServerErrorCode.GROUP_EXISTS, `group ${id} exists`);
}

/** A bulk member list: non-empty strings, at most GROUP_MEMBERS_PER_CALL, duplicates dropped (first order). */
export function checkMemberIds(ids: unknown): readonly string[] {
  if (!Array.isArray(ids)) throw invalid("deviceIds must be an array of device ids");
  if (ids.length > GROUP_MEMBERS_PER_CALL) {
    throw invalid(`deviceIds: at most ${GROUP_MEMBERS_PER_CALL} per call, got ${ids.length}`);
  }
  return [...new Set(ids.map((id: unknown, i) => requireText(id, `deviceIds/${i}`)))];
}

/** A static group's members change; a dynamic group refuses with GROUP_KIND_MISMATCH. */
export function requireStatic(group: Pick<DeviceGroup, "id" | "kind">): void {
  if (group.kind !== GroupKind.Static) {
    throw kindMismatch(group.id, "a dynamic group's devices are those its filter selects; change its filter");
  }
}
