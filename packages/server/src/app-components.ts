// The components a server answers with, registered on the fastify instance when its plugins load (at `ready` or
// `listen`): the DM endpoint, health and metrics, bootstrap, the Data Repository, the Web Server Component (SHOW),
// the console, firmware downloads and the REST API. app.ts composes the parts; this file only plugs them in,
// because the services whose URLs embed the public base URL (repository, capabilities, SHOW, firmware) can only
// be built once `start()` has fixed the port.
import type { FastifyInstance } from "fastify";
import type { AlertIntake } from "./alerts/alert-intake.js";
import { apiPlugin } from "./api/api-plugin.js";
import type { DeviceAuthenticator } from "./auth/device-authenticator.js";
import type { BootstrapAdmin } from "./bootstrap/bootstrap-admin.js";
import type { BootstrapRole } from "./bootstrap/bootstrap-role.js";
import type { CampaignService } from "./campaigns/campaign-service.js";
import { createCapabilityService } from "./capabilities/capability-service.js";
import type { ServerConfig } from "./config-types.js";
import { consoleAssetsPlugin, loadConsoleAssets } from "./console/console-assets.js";
import { consoleCookieName, type ConsoleAuth } from "./console/console-auth.js";
import { createConsoleSessions } from "./console/console-sessions.js";
import { dmEndpointPlugin } from "./dm/dm-endpoint.js";
import { sessionTokenSource } from "./dm/session-tokens.js";
import type { SessionAdmission } from "./edge/admission.js";
import type { EventRecorder } from "./events/event-recorder.js";
import { firmwareDownloadPlugin } from "./firmware/download-plugin.js";
import { createFirmwareService } from "./firmware/firmware-service.js";
import { createImageFiles } from "./firmware/image-files.js";
import { healthPlugin, type Readiness } from "./metrics/health-plugin.js";
import type { ServerMetrics } from "./metrics/server-metrics.js";
import type { Notifier } from "./notifier/notifier.js";
import type { WakeOnQueue } from "./notifier/wake-on-queue.js";
import type { DeviceRegistry } from "./registry/device-registry.js";
import { uploadTypeList } from "./repository/media.js";
import { repositoryPlugin } from "./repository/plugin.js";
import { createRepositoryService, type RepositoryService } from "./repository/service.js";
import { createCommandService } from "./services/command-service.js";
import type { Store } from "./store/store.js";
import type { Clock } from "./store/types.js";
import { uiPlugin } from "./ui/plugin.js";
import { createUiService, type UiService } from "./ui/service.js";
import type { WebhookDispatcher } from "./webhooks/dispatcher.js";

/** What app.ts built for the components: the store already wrapped (metrics, events, PSK key sync). */
export interface ComponentParts {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly random: (size: number) => Uint8Array;
  readonly publicBaseUrl: () => string;
  readonly authenticator: DeviceAuthenticator | null;
  readonly admission: SessionAdmission;
  readonly registry: DeviceRegistry;
  readonly alerts: AlertIntake;
  readonly metrics: ServerMetrics | null;
  readonly readiness: Readiness;
  readonly bootstrap: BootstrapRole | null;
  readonly bootstrapAdmin: BootstrapAdmin | null;
  readonly wakeOnQueue: WakeOnQueue | null;
  readonly notifier: Notifier | null;
  readonly recorder: EventRecorder;
  readonly webhooks: WebhookDispatcher;
  readonly campaigns: CampaignService;
}

/** Registers every configured component on `root` (called from inside a fastify plugin, once). */
export async function registerComponents(root: FastifyInstance, parts: ComponentParts): Promise<void> {
  const { config, store, clock, random, publicBaseUrl, authenticator, registry, alerts, metrics } = parts;
  const { readiness, bootstrap, bootstrapAdmin, wakeOnQueue, notifier, recorder } = parts;
  const base = publicBaseUrl();
  const repository: RepositoryService | null = config.components.repository
    ? createRepositoryService(
        { store, devInfo: registry, logger: root.log },
        {
          publicBaseUrl: base,
          limits: {
            deviceQuotaBytes: config.repository.deviceQuotaBytes,
            deviceQuotaItems: config.repository.deviceQuotaItems,
          },
        },
      )
    : null;
  // One per-command capability scheme for the ServerURIs of every Package#2 (docs/repository.md).
  const capabilities = createCapabilityService({ publicBaseUrl: base, randomBytes: random });
  const ui: UiService | null = config.components.ui
    ? createUiService({ store, clock, random }, { publicBaseUrl: base })
    : null;

  await root.register(dmEndpointPlugin, {
    store,
    clock,
    publicBaseUrl,
    batchSize: config.dm.batchSize,
    idleTimeoutMs: config.dm.idleTimeoutMs,
    bodyLimitBytes: config.dm.bodyLimitBytes,
    autoRegister: config.dm.autoRegister,
    maxAlertsPerPackage: config.dm.maxAlertsPerPackage,
    admission: parts.admission,
    // docs/protocol.md §1.6: OMADM-Accept names the formats the repository takes in HPUT/HPOST/SUB bodies.
    moAcceptTypes: uploadTypeList(),
    authenticator: authenticator ?? undefined,
    capabilities,
    newToken: sessionTokenSource(random, () => clock.now()),
    registry,
    alerts,
    onPackage:
      metrics === null
        ? undefined
        : (kind, ok) => {
            metrics.packageHandled(kind, ok ? "ok" : "refused");
          },
  });
  await root.register(healthPlugin, {
    store,
    readiness,
    metrics,
    loopbackWithoutToken: config.api.loopbackWithoutToken,
  });
  await bootstrap?.register(root, publicBaseUrl);
  if (repository !== null) {
    await root.register(repositoryPlugin, {
      store,
      publicBaseUrl: base,
      service: repository,
      capabilities,
      authenticator: authenticator ?? undefined,
    });
  }
  if (ui !== null) await root.register(uiPlugin, { store, clock, publicBaseUrl: base });
  // The web console (docs/console.md) rides on the API: no API, no console.
  const consoleAuth: ConsoleAuth | undefined =
    config.components.api && config.console.enabled
      ? {
          sessions: createConsoleSessions(
            { clock, store },
            { ttlMs: config.console.sessionTtlMs, idleTimeoutMs: config.console.idleTimeoutMs },
          ),
          cookieName: consoleCookieName(config.tls.enabled),
          secure: config.tls.enabled,
        }
      : undefined;
  if (consoleAuth !== undefined) await root.register(consoleAssetsPlugin, { assets: loadConsoleAssets() });
  // Firmware images (docs/firmware.md): files under the data directory, served to devices with Range.
  const firmware = createFirmwareService(
    { store, files: createImageFiles(config.dataDir), clock, random },
    { publicBaseUrl: base, maxImageBytes: config.firmware.maxImageBytes },
  );
  await root.register(firmwareDownloadPlugin, {
    store,
    service: firmware,
    authenticator: authenticator ?? undefined,
  });
  if (config.components.api) {
    const commands = createCommandService(
      {
        store,
        clock,
        onQueued:
          wakeOnQueue === null
            ? undefined
            : (deviceId) => {
                wakeOnQueue.commandQueued(deviceId);
              },
      },
      { allowHttp: config.allowHttp, maxDeliveries: config.dm.maxDeliveries },
    );
    await root.register(apiPlugin, {
      store,
      clock,
      commands,
      notifier,
      uiSessions: ui,
      repository,
      loopbackWithoutToken: config.api.loopbackWithoutToken,
      bootstrap: bootstrapAdmin,
      trustProxy: config.api.trustProxy,
      httpRealm: config.deviceAuth.realm,
      docs: config.api.docs,
      importLimits: { maxBytes: config.api.importMaxBytes, maxLines: config.api.importMaxLines },
      firmware,
      events: {
        log: store.events,
        recorder,
        heartbeatMs: config.events.heartbeatMs,
        pollMs: config.events.pollMs,
      },
      webhooks: parts.webhooks,
      openapiServers: [{ url: base }],
      console: consoleAuth,
      metricsRegistry: metrics?.registry ?? null,
      campaigns: parts.campaigns,
    });
  }
}
