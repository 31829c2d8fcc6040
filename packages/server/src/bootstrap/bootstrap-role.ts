// The bootstrap role of `omadm server` (docs/bootstrap.md), composed in one place so that app.ts only asks for it:
// the PSK keys of the bootstrap credentials, the authenticator, the session service and the endpoint plugin.
import type { FastifyInstance } from "fastify";
import type { ServerConfig } from "../config-types.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../store/types.js";
import { createBootstrapAuthenticator } from "./bootstrap-auth.js";
import { bootstrapEndpointPlugin } from "./bootstrap-endpoint.js";
import { createBootstrapPskKeys, type BootstrapPskKeys } from "./bootstrap-psk.js";
import { createBootstrapService } from "./bootstrap-service.js";
import { createRemoteTargetClient, type RemoteTargetClient } from "./remote-target-client.js";

export interface BootstrapRole {
  /** null unless PSK-TLS is on. */
  readonly pskKeys: BootstrapPskKeys | null;
  /** Registers devices at remote targets (management servers of other deployments) through their REST API. */
  readonly remote: RemoteTargetClient;
  /** Before listening: the PSK keys must be in memory for the first handshake. */
  load(): Promise<void>;
  register(root: FastifyInstance, publicBaseUrl: () => string): Promise<void>;
  /** The endpoint's absolute URL: the devices' `Auth/Bootstrap/ServerURI`. */
  url(publicBaseUrl: string): string;
}

export function createBootstrapRole(
  deps: { readonly store: Store; readonly clock: Clock; readonly random: (size: number) => Uint8Array },
  config: ServerConfig,
): BootstrapRole | null {
  if (!config.bootstrap.enabled) return null;
  const pskKeys = config.tls.psk ? createBootstrapPskKeys({ store: deps.store }) : null;
  const remote = createRemoteTargetClient();
  const url = (base: string): string => `${base.replace(/\/$/, "")}${config.bootstrap.path}`;
  return {
    pskKeys,
    remote,
    async load() {
      await pskKeys?.load();
    },
    async register(root, publicBaseUrl) {
      const service = createBootstrapService(
        { ...deps, remote },
        {
          endpointUrl: () => url(publicBaseUrl()),
          capabilityTtlMs: config.bootstrap.capabilityTtlMs,
          realm: config.deviceAuth.realm,
        },
      );
      // Its own scope: the DM endpoint's content-type parser and error handler stay its own.
      await root.register(async (scope) => {
        await bootstrapEndpointPlugin(scope, {
          path: config.bootstrap.path,
          service,
          authenticate: createBootstrapAuthenticator({ store: deps.store, pskKeys }),
          bodyLimitBytes: config.dm.bodyLimitBytes,
        });
      });
    },
    url,
  };
}
