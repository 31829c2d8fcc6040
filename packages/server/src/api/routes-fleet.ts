// GET /api/v1/fleet: the fleet at a glance, for the console's fleet view (docs/console.md) and for scripts: devices
// by state and by last contact, open DM sessions, queued commands, and the server's own counters (sessions
// started, requests shed) so that a caller can turn two readings into rates. Device counts are store counts,
// which cost a store about 0.6 s per 100,000 devices (npm run bench:console), so a reading is reused for
// `cacheMs` (default 30 s); open sessions and queue depth are the /metrics gauges' capped counts.
import { Type, type Static } from "typebox";
import type { Registry } from "prom-client";
import { storeGauges, GAUGE_CAP } from "../metrics/store-gauges.js";
import { filterOrThrow } from "../store/group-rules.js";
import type { Store } from "../store/store.js";
import { DeviceState, type Clock } from "../store/types.js";
import type { ApiApp } from "./api-context.js";
import { Time } from "./common-schemas.js";
import { problemResponses } from "./error-docs.js";

const Count = Type.Integer({ minimum: 0 });
const NullableCount = Type.Union([Count, Type.Null()], { description: "null: metrics are off (metrics.enabled)" });

export const FleetSummary = Type.Object({
  at: Time,
  devices: Type.Object({ total: Count, provisioned: Count, registered: Count, disabled: Count }),
  lastContact: Type.Object(
    { hour: Count, day: Count, week: Count, never: Count },
    { description: "Devices whose last contact was within the hour, day, week; never: no contact yet" },
  ),
  openSessions: Type.Integer({ minimum: 0, description: `Open DM sessions (at most ${GAUGE_CAP})` }),
  queueDepth: Type.Integer({ minimum: 0, description: `Queued commands (at most ${GAUGE_CAP})` }),
  sessionsStarted: NullableCount,
  requestsShed: NullableCount,
});

type DeviceCounts = Pick<Static<typeof FleetSummary>, "devices" | "lastContact">;

export interface FleetRouteOptions {
  readonly store: Store;
  readonly clock: Clock;
  /** The server's metrics registry; null: the counters read null. */
  readonly metrics: Registry | null;
  readonly cacheMs?: number | undefined;
}

async function counterTotal(registry: Registry | null, name: string): Promise<number | null> {
  const metric = registry?.getSingleMetric(name);
  if (metric === undefined) return null;
  const { values } = await metric.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

export function registerFleetRoute(app: ApiApp, options: FleetRouteOptions): void {
  const { store, clock } = options;
  const gauges = storeGauges(store);
  const cacheMs = options.cacheMs ?? 30_000;
  const filters = {
    hour: filterOrThrow("lastContact<1h"),
    day: filterOrThrow("lastContact<1d"),
    week: filterOrThrow("lastContact<1w"),
    never: filterOrThrow("not lastContact>=1970-01-01"),
  };
  let cached: { readonly at: number; readonly counts: Promise<DeviceCounts> } | null = null;

  async function readCounts(): Promise<DeviceCounts> {
    const [provisioned, registered, disabled, hour, day, week, never] = await Promise.all([
      store.devices.count({ state: DeviceState.Provisioned }),
      store.devices.count({ state: DeviceState.Registered }),
      store.devices.count({ state: DeviceState.Disabled }),
      store.devices.count({ filter: filters.hour }),
      store.devices.count({ filter: filters.day }),
      store.devices.count({ filter: filters.week }),
      store.devices.count({ filter: filters.never }),
    ]);
    return {
      devices: { total: provisioned + registered + disabled, provisioned, registered, disabled },
      lastContact: { hour, day, week, never },
    };
  }

  app.get(
    "/fleet",
    {
      schema: {
        tags: ["fleet"],
        operationId: "fleetSummary",
        summary: "The fleet at a glance: devices by state and last contact, sessions, queue, counters",
        response: { 200: FleetSummary, ...problemResponses() },
      },
    },
    async () => {
      const now = clock.now();
      if (cached === null || now - cached.at >= cacheMs) {
        const counts = readCounts();
        cached = { at: now, counts };
        // A failed reading is not reused.
        counts.catch(() => {
          if (cached?.counts === counts) cached = null;
        });
      }
      const [counts, openSessions, queueDepth, sessionsStarted, requestsShed] = await Promise.all([
        cached.counts,
        gauges.openSessions(),
        gauges.queueDepth(),
        counterTotal(options.metrics, "omadm_dm_sessions_started_total"),
        counterTotal(options.metrics, "omadm_http_requests_shed_total"),
      ]);
      return {
        at: new Date(now).toISOString(),
        ...counts,
        openSessions,
        queueDepth,
        sessionsStarted,
        requestsShed,
      };
    },
  );
}
