// /api/v1/campaigns: campaigns over a group or a filter, in waves, with thresholds, windows and a paced wake-up
// (docs/campaigns.md); and `POST /api/v1/devices/wake`, the bulk wake, which answers a campaign of kind `wake`
// whose progress is read the same way.
import { ServerErrorCode } from "../errors.js";
import type { CampaignService } from "../campaigns/campaign-service.js";
import type { NewCampaign } from "../store/types-campaign.js";
import type { ApiApp, ApiContext } from "./api-context.js";
import { need } from "./api-context.js";
import { mapPage, PageOf, pageArgs } from "./common-schemas.js";
import { BODY_ERROR_CODES, LIST_ERROR_CODES, problemResponses } from "./error-docs.js";
import {
  BulkWakeBody,
  CampaignDevicesQuery,
  CampaignDeviceViewSchema,
  CAMPAIGN_LIST_TOTALS_MAX,
  CampaignIdParams,
  CampaignListQuery,
  campaignDeviceView,
  campaignView,
  CampaignViewSchema,
  NewCampaignBody,
} from "./campaign-schemas.js";

const C = ServerErrorCode;
const tags = ["campaigns"];
const UNAVAILABLE = [C.API_COMPONENT_UNAVAILABLE];

export function registerCampaignRoutes(app: ApiApp, ctx: ApiContext): void {
  const { store } = ctx;
  const service = (): CampaignService => need(ctx.campaigns, "campaign driver", "campaigns");

  app.post(
    "/campaigns",
    {
      schema: {
        tags,
        operationId: "createCampaign",
        summary: "Create a campaign (a draft, or started with `start: true`)",
        body: NewCampaignBody,
        response: {
          201: CampaignViewSchema,
          ...problemResponses(
            C.INVALID_INPUT,
            C.FILTER_INVALID,
            C.GROUP_NOT_FOUND,
            C.COMMAND_INVALID,
            C.COMMAND_RESERVED,
            ...UNAVAILABLE,
            ...BODY_ERROR_CODES,
          ),
        },
      },
    },
    async (request, reply) => {
      const { start, ...input } = request.body;
      // The store checks each command is JSON; the service checks it as a queued command.
      const created = await service().create(input as NewCampaign);
      const c = start === true ? await service().start(created.id) : created;
      return reply
        .code(201)
        .header("location", `/api/v1/campaigns/${encodeURIComponent(c.id)}`)
        .send(campaignView(c));
    },
  );

  app.get(
    "/campaigns",
    {
      schema: {
        tags,
        operationId: "listCampaigns",
        summary:
          "List campaigns and bulk wakes (ordered by id); `totals=true` adds each one's devices by state and wave",
        querystring: CampaignListQuery,
        response: { 200: PageOf(CampaignViewSchema), ...problemResponses(...LIST_ERROR_CODES) },
      },
    },
    async (request) => {
      const { state, totals, ...page } = request.query;
      const limit =
        totals === true ? Math.min(page.limit ?? CAMPAIGN_LIST_TOTALS_MAX, CAMPAIGN_LIST_TOTALS_MAX) : page.limit;
      const result = await store.campaigns.list({
        ...pageArgs({ ...page, ...(limit !== undefined && { limit }) }),
        ...(state && { states: [state] }),
      });
      if (totals !== true) return mapPage(result, (c) => campaignView(c));
      // One grouped count per campaign of the page (the console's list shows each one's progress).
      const items = await Promise.all(
        result.items.map(async (c) => campaignView(c, await store.campaigns.counts(c.id))),
      );
      return { items, nextCursor: result.nextCursor };
    },
  );

  app.get(
    "/campaigns/:campaignId",
    {
      schema: {
        tags,
        operationId: "getCampaign",
        summary: "Read a campaign with its devices counted per wave and state",
        params: CampaignIdParams,
        response: { 200: CampaignViewSchema, ...problemResponses(C.CAMPAIGN_NOT_FOUND, ...UNAVAILABLE) },
      },
    },
    async (request) => {
      const { campaign, waves } = await service().view(request.params.campaignId);
      return campaignView(campaign, waves);
    },
  );

  app.get(
    "/campaigns/:campaignId/devices",
    {
      schema: {
        tags,
        operationId: "listCampaignDevices",
        summary: "A campaign's devices with their state, step reached and reason (ordered by device id)",
        params: CampaignIdParams,
        querystring: CampaignDevicesQuery,
        response: {
          200: PageOf(CampaignDeviceViewSchema),
          ...problemResponses(C.CAMPAIGN_NOT_FOUND, ...LIST_ERROR_CODES),
        },
      },
    },
    async (request) => {
      const { state, wave, ...page } = request.query;
      const result = await store.campaigns.listDevices(request.params.campaignId, {
        ...pageArgs(page),
        ...(state && { states: [state] }),
        ...(wave !== undefined && { wave }),
      });
      return mapPage(result, campaignDeviceView);
    },
  );

  const actions = [
    ["start", "startCampaign", "Start a draft: resolve its target into waves and begin the first"],
    ["pause", "pauseCampaign", "Pause: no new device starts; devices in flight finish"],
    ["resume", "resumeCampaign", "Resume a paused campaign"],
    ["cancel", "cancelCampaign", "Cancel: devices not done are skipped and their queued commands cancelled"],
  ] as const;
  for (const [action, operationId, summary] of actions) {
    app.post(
      `/campaigns/:campaignId/${action}`,
      {
        schema: {
          tags,
          operationId,
          summary,
          params: CampaignIdParams,
          response: {
            200: CampaignViewSchema,
            ...problemResponses(
              C.CAMPAIGN_NOT_FOUND,
              C.CAMPAIGN_ILLEGAL_TRANSITION,
              ...(action === "start" ? [C.GROUP_NOT_FOUND, C.FILTER_INVALID] : []),
              ...UNAVAILABLE,
            ),
          },
        },
      },
      async (request) => campaignView(await service()[action](request.params.campaignId)),
    );
  }

  app.post(
    "/devices/wake",
    {
      schema: {
        tags: ["devices", "campaigns"],
        operationId: "wakeDevices",
        summary: "Wake every device of a group or filter, paced by what the server can serve; answers the job",
        body: BulkWakeBody,
        response: {
          202: CampaignViewSchema,
          ...problemResponses(
            C.INVALID_INPUT,
            C.FILTER_INVALID,
            C.GROUP_NOT_FOUND,
            ...UNAVAILABLE,
            ...BODY_ERROR_CODES,
          ),
        },
      },
    },
    async (request, reply) => {
      const { plan, ...target } = request.body;
      const c = await service().wake(target, plan);
      return reply
        .code(202)
        .header("location", `/api/v1/campaigns/${encodeURIComponent(c.id)}`)
        .send(campaignView(c));
    },
  );
}
