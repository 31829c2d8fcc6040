// /api/v1/groups: saved device groups (docs/filters.md "Groups"): static lists of devices, changed in bulk, and
// dynamic groups that are a filter. A group's devices are listed like every device list: by id, keyset pages,
// optionally narrowed by a further filter.
import { Type } from "typebox";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { ApiApp, ApiContext } from "./api-context.js";
import { mapPage, PageOf, PageQuery, pageArgs } from "./common-schemas.js";
import { deviceView, DeviceView } from "./device-schemas.js";
import { BODY_ERROR_CODES, LIST_ERROR_CODES, problemResponses } from "./error-docs.js";
import { GroupIdParams, GroupPatchBody, groupView, GroupView, MembersBody, MembershipView } from "./group-schemas.js";
import { NewGroupBody, SelectedPageOf, SelectionQuery } from "./group-schemas.js";
import { listSelection } from "./selection.js";

const C = ServerErrorCode;
const tags = ["groups"];

export function registerGroupRoutes(app: ApiApp, ctx: ApiContext): void {
  const { store } = ctx;

  app.post(
    "/groups",
    {
      schema: {
        tags,
        operationId: "createGroup",
        summary: "Save a device group: static (device ids) or dynamic (a filter)",
        body: NewGroupBody,
        response: {
          201: GroupView,
          ...problemResponses(
            C.INVALID_INPUT,
            C.FILTER_INVALID,
            C.GROUP_EXISTS,
            C.GROUP_KIND_MISMATCH,
            C.DEVICE_NOT_FOUND,
            ...BODY_ERROR_CODES,
          ),
        },
      },
    },
    async (request, reply) => {
      const { deviceIds, ...input } = request.body;
      // One transaction: a group whose first members are refused is not created either.
      const group = await store.transaction(async (tx) => {
        const created = await tx.groups.create(input);
        if (deviceIds !== undefined && deviceIds.length > 0) await tx.groups.addMembers(created.id, deviceIds);
        return created;
      });
      return reply
        .code(201)
        .header("location", `/api/v1/groups/${encodeURIComponent(group.id)}`)
        .send(groupView(group));
    },
  );

  app.get(
    "/groups",
    {
      schema: {
        tags,
        operationId: "listGroups",
        summary: "List device groups (ordered by id)",
        querystring: Type.Object({ ...PageQuery }),
        response: { 200: PageOf(GroupView), ...problemResponses(...LIST_ERROR_CODES) },
      },
    },
    async (request) => mapPage(await store.groups.list(pageArgs(request.query)), groupView),
  );

  app.get(
    "/groups/:groupId",
    {
      schema: {
        tags,
        operationId: "getGroup",
        summary: "Read a device group",
        params: GroupIdParams,
        response: { 200: GroupView, ...problemResponses(C.GROUP_NOT_FOUND) },
      },
    },
    async (request) => {
      const group = await store.groups.get(request.params.groupId);
      if (group === null) throw new ServerError(C.GROUP_NOT_FOUND, `no group ${request.params.groupId}`);
      return groupView(group);
    },
  );

  app.patch(
    "/groups/:groupId",
    {
      schema: {
        tags,
        operationId: "updateGroup",
        summary: "Change a group's description, or a dynamic group's filter",
        params: GroupIdParams,
        body: GroupPatchBody,
        response: {
          200: GroupView,
          ...problemResponses(
            C.INVALID_INPUT,
            C.FILTER_INVALID,
            C.GROUP_NOT_FOUND,
            C.GROUP_KIND_MISMATCH,
            ...BODY_ERROR_CODES,
          ),
        },
      },
    },
    async (request) => groupView(await store.groups.update(request.params.groupId, request.body)),
  );

  app.delete(
    "/groups/:groupId",
    {
      schema: {
        tags,
        operationId: "deleteGroup",
        summary: "Delete a device group (its devices stay)",
        params: GroupIdParams,
        response: { 204: Type.Null({ description: "Deleted" }), ...problemResponses(C.GROUP_NOT_FOUND) },
      },
    },
    async (request, reply) => {
      if (!(await store.groups.delete(request.params.groupId))) {
        throw new ServerError(C.GROUP_NOT_FOUND, `no group ${request.params.groupId}`);
      }
      return reply.code(204).send(null);
    },
  );

  const membership = (operationId: string, path: string, summary: string, add: boolean) =>
    app.post(
      path,
      {
        schema: {
          tags,
          operationId,
          summary,
          params: GroupIdParams,
          body: MembersBody,
          response: {
            200: MembershipView,
            ...problemResponses(
              C.INVALID_INPUT,
              C.GROUP_NOT_FOUND,
              C.GROUP_KIND_MISMATCH,
              ...(add ? [C.DEVICE_NOT_FOUND] : []),
              ...BODY_ERROR_CODES,
            ),
          },
        },
      },
      async (request) => {
        const { groupId } = request.params;
        const { deviceIds } = request.body;
        return add ? store.groups.addMembers(groupId, deviceIds) : store.groups.removeMembers(groupId, deviceIds);
      },
    );
  membership(
    "addGroupMembers",
    "/groups/:groupId/members",
    "Add devices to a static group (all or nothing; members already in are skipped)",
    true,
  );
  membership(
    "removeGroupMembers",
    "/groups/:groupId/members/remove",
    "Remove devices from a static group (ids that are not members are skipped)",
    false,
  );

  app.get(
    "/groups/:groupId/devices",
    {
      schema: {
        tags,
        operationId: "listGroupDevices",
        summary: "List the group's devices (ordered by id; keyset pages), optionally narrowed by a filter",
        params: GroupIdParams,
        querystring: Type.Object({ ...SelectionQuery, ...PageQuery }),
        response: {
          200: SelectedPageOf(DeviceView),
          ...problemResponses(C.GROUP_NOT_FOUND, C.FILTER_INVALID, ...LIST_ERROR_CODES),
        },
      },
    },
    async (request) => listSelection(store, { group: request.params.groupId }, request.query, deviceView),
  );
}
