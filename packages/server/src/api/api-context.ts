// What every route module of the REST API is given: the store, the services, and the optional components. A
// component this server runs without (no notifier configured, no Web Server Component) is null, and its
// routes answer 501 API_COMPONENT_UNAVAILABLE with a problem that says what is missing.
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { BootstrapAdmin } from "../bootstrap/bootstrap-admin.js";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { Notifier } from "../notifier/notifier.js";
import type { FirmwareService } from "../firmware/firmware-service.js";
import type { RepositoryService } from "../repository/service.js";
import type { CommandService } from "../services/command-service.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../store/types.js";
import type { UiService } from "../ui/service.js";
import type { ImportLimits } from "./import-lines.js";
import type { WebhookDispatcher } from "../webhooks/dispatcher.js";
import type { CampaignService } from "../campaigns/campaign-service.js";

export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What the API needs of the Web Server Component's UI-session service (docs/protocol.md §4.6). */
export type ApiUiSessionService = Pick<UiService, "create" | "linkCommand">;

export interface ApiContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly commands: CommandService;
  readonly notifier: Pick<Notifier, "wake"> | null;
  readonly uiSessions: ApiUiSessionService | null;
  readonly repository: RepositoryService | null;
  /** Realm for device HTTP credentials provisioned without one (the DM endpoint's realm). */
  readonly httpRealm: string;
  /** Largest repository item body accepted by the API, bytes. */
  readonly repositoryBodyLimit: number;
  /** The bootstrap role's operations (bootstrap.enabled), or null. */
  readonly bootstrap: BootstrapAdmin | null;
  /** Limits of one device import (`POST /devices/import`). */
  readonly importLimits: ImportLimits;
  /** Firmware images (docs/firmware.md), or null. */
  readonly firmware: FirmwareService | null;
  /** Sends dead letters again (`POST /webhooks/{id}/dead-letters/{eventId}/redeliver`), or null. */
  readonly webhooks: Pick<WebhookDispatcher, "redeliver" | "refresh"> | null;
  /** Campaigns and bulk wakes (docs/campaigns.md), or null: their routes answer 501. */
  readonly campaigns: CampaignService | null;
}

export function componentUnavailable(component: string, option: string): ServerError {
  return new ServerError(
    ServerErrorCode.API_COMPONENT_UNAVAILABLE,
    `this server runs without the ${component} (apiPlugin option "${option}"), so this route is not available`,
  );
}

/** The component or API_COMPONENT_UNAVAILABLE. */
export function need<T>(component: T | null, name: string, option: string): T {
  if (component === null) throw componentUnavailable(name, option);
  return component;
}
