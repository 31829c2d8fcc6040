// /healthz, /readyz and /metrics on the server's root, outside /api so that probes and scrapers need none of
// the API's machinery:
//
//   GET /healthz   200 while the process serves HTTP at all (liveness: restart it when this fails)
//   GET /readyz    200 when the store answers a query and admission control is not shedding load, else 503
//                  with the reasons (readiness: send it traffic). The store only opens after its migrations
//                  ran (STORE_MIGRATION_FAILED stops the start), so an open store is a migrated one.
//   GET /metrics   Prometheus text format; the REST API's authentication (API token, or a loopback peer while
//                  api.loopbackWithoutToken is on), so it is never open beyond loopback unless a token is used.
import type { FastifyInstance } from "fastify";
import { authenticate } from "../api/auth.js";
import { errorMessage } from "@omadm/protocol";
import { isServerError, ServerErrorCode } from "../errors.js";
import type { Store } from "../store/store.js";
import type { ServerMetrics } from "./server-metrics.js";

export const HEALTH_PATH = "/healthz";
export const READY_PATH = "/readyz";
export const METRICS_PATH = "/metrics";

/** Whether admission control sheds requests now; the HTTP edge sets it. */
export interface Readiness {
  shedding(): boolean;
  setShedding(on: boolean): void;
}

export function createReadiness(): Readiness {
  let shedding = false;
  return {
    shedding: () => shedding,
    setShedding: (on) => {
      shedding = on;
    },
  };
}

export interface HealthPluginOptions {
  readonly store: Store;
  readonly readiness: Readiness;
  /** null: /metrics is not served. */
  readonly metrics: ServerMetrics | null;
  readonly loopbackWithoutToken: boolean;
}

export function healthPlugin(app: FastifyInstance, opts: HealthPluginOptions): Promise<void> {
  app.get(HEALTH_PATH, async (_request, reply) => reply.header("cache-control", "no-store").send({ status: "ok" }));

  app.get(READY_PATH, async (_request, reply) => {
    const problems: string[] = [];
    try {
      await opts.store.devices.list({ limit: 1 });
    } catch (error) {
      problems.push(`store: ${errorMessage(error)}`);
    }
    if (opts.readiness.shedding()) problems.push("admission control is shedding requests");
    const ready = problems.length === 0;
    return reply
      .code(ready ? 200 : 503)
      .header("cache-control", "no-store")
      .send({ status: ready ? "ready" : "not ready", problems });
  });

  const metrics = opts.metrics;
  if (metrics !== null) {
    app.get(METRICS_PATH, async (request, reply) => {
      try {
        await authenticate(opts.store, request, { loopbackWithoutToken: opts.loopbackWithoutToken });
      } catch (error) {
        if (!isServerError(error) || error.code !== ServerErrorCode.API_UNAUTHORIZED) throw error;
        return reply
          .code(401)
          .header("www-authenticate", 'Bearer realm="omadm"')
          .type("text/plain; charset=utf-8")
          .send(`${error.message}\n`);
      }
      return reply.header("content-type", metrics.contentType).send(await metrics.render());
    });
  }
  return Promise.resolve();
}
