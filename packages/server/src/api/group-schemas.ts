// Schemas of device selection in the REST API (docs/filters.md): the `filter` and `count` list parameters and the
// saved groups' bodies and views.
import { Type, type Static, type TSchema } from "typebox";
import { FILTER_MAX_LENGTH } from "../selection/filter-parser.js";
import { GROUP_DESCRIPTION_MAX, GROUP_MEMBERS_PER_CALL } from "../store/group-rules.js";
import { GroupKind, type DeviceGroup } from "../store/types-selection.js";
import { iso, Time } from "./common-schemas.js";

export const SelectionQuery = {
  filter: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: FILTER_MAX_LENGTH,
      description: "A device filter (docs/filters.md), e.g. `label:site=berlin and Mod=GW-1 and not FwV=2.0`",
    }),
  ),
  count: Type.Optional(
    Type.Boolean({ description: "Also answer `total`: how many devices the whole selection holds (counts them)" }),
  ),
};

/** A page of devices, with the selection's size when `count=true` was asked. */
export function SelectedPageOf<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: "Pass as `cursor` for the next page" }),
    total: Type.Optional(Type.Integer({ minimum: 0, description: "With `count=true`: devices in the selection" })),
  });
}

const GroupId = Type.String({
  pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
  description: "1–64 letters, digits, `.`, `_`, `-`, starting with a letter or digit; chosen by the operator",
});
export const GroupIdParams = Type.Object({ groupId: GroupId });

export const GroupView = Type.Object({
  id: Type.String(),
  kind: Type.Enum([GroupKind.Static, GroupKind.Dynamic]),
  description: Type.String(),
  filter: Type.Union([Type.String(), Type.Null()], { description: "A dynamic group's filter (canonical form)" }),
  createdAt: Time,
  updatedAt: Time,
});
export type GroupView = Static<typeof GroupView>;

export function groupView(g: DeviceGroup): GroupView {
  return { ...g, createdAt: iso(g.createdAt), updatedAt: iso(g.updatedAt) };
}

const Description = Type.String({ maxLength: GROUP_DESCRIPTION_MAX });
const Filter = Type.String({ minLength: 1, maxLength: FILTER_MAX_LENGTH, description: "A device filter" });

export const NewGroupBody = Type.Object(
  {
    id: GroupId,
    kind: Type.Enum([GroupKind.Static, GroupKind.Dynamic], {
      description: "static: an explicit list of devices; dynamic: the devices a filter selects",
    }),
    description: Type.Optional(Description),
    filter: Type.Optional(Filter),
    deviceIds: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        maxItems: GROUP_MEMBERS_PER_CALL,
        description: "A static group's first members",
      }),
    ),
  },
  { additionalProperties: false },
);

export const GroupPatchBody = Type.Object(
  { description: Type.Optional(Description), filter: Type.Optional(Filter) },
  { additionalProperties: false },
);

export const MembersBody = Type.Object(
  {
    deviceIds: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      maxItems: GROUP_MEMBERS_PER_CALL,
      description: `Device ids (at most ${GROUP_MEMBERS_PER_CALL} per request)`,
    }),
  },
  { additionalProperties: false },
);

export const MembershipView = Type.Object({
  changed: Type.Integer({ minimum: 0, description: "Devices added (or removed); ids already so are not counted" }),
});
