// What the campaign end-to-end tests share: a fleet of simulated devices (`createFleet`, a UDP port each) made
// from the e2e device template, registered through the bulk import with a label of their own, and a wait on a
// campaign's state through the REST API with a deadline.
import { readFileSync } from "node:fs";
import { parseDeviceConfig } from "@omadm/client";
import { uploadImport } from "../../src/admin/import-upload.js";
import type { DeviceBehaviour } from "../../src/simulate/behaviour-types.js";
import { createFleet, type Fleet } from "../../src/simulate/fleet.js";
import { registrationLines } from "../../src/simulate/register.js";
import { deviceConfigJson, EXAMPLES_DIR } from "./device-harness.js";
import type { E2eServer } from "./server-harness.js";

export async function startCampaignFleet(
  srv: E2eServer,
  options: {
    readonly devices: number;
    readonly prefix: string;
    readonly behaviour: DeviceBehaviour;
    readonly stateDir: string;
    /** MOIDs the account permits besides the e2e template's (the FUMO MO for firmware campaigns). */
    readonly extraMoids?: readonly string[];
    /** The devices' report back-off (default: short, so a result that missed the server goes again soon). */
    readonly asyncReports?: {
      readonly retryBaseMs: number;
      readonly retryMaxMs: number;
      readonly maxAttempts?: number;
    };
  },
): Promise<Fleet> {
  const json = {
    ...deviceConfigJson({
      devId: `${options.prefix}-template`,
      srvUri: srv.dmUrl,
      stateDir: options.stateDir,
      ...(options.extraMoids === undefined ? {} : { extraMoids: options.extraMoids }),
    }),
    // An asynchronous EXEC result that missed the server (a restart) goes again soon, unless told otherwise.
    asyncReports: options.asyncReports ?? { retryBaseMs: 200, retryMaxMs: 1000 },
  };
  const parsed = parseDeviceConfig(json, { baseDir: EXAMPLES_DIR, readFile: (p) => new Uint8Array(readFileSync(p)) });
  if (!parsed.ok) throw parsed.error;
  const fleet = createFleet({
    template: parsed.value,
    devices: options.devices,
    devId: (n) => `${options.prefix}-${String(n).padStart(3, "0")}`,
    udp: { host: "127.0.0.1", basePort: 0 },
    mqtt: null,
    behaviour: options.behaviour,
    connections: 16,
    logger: { info: () => undefined, warn: () => undefined },
  });
  await fleet.start();
  const report = await uploadImport({
    baseUrl: srv.origin,
    contentType: "application/x-ndjson",
    body: registrationLines(fleet.template, fleet.devices, { udpHost: "127.0.0.1", labels: { fleet: options.prefix } }),
  });
  if (report.created !== options.devices) throw new Error(`import: ${JSON.stringify(report)}`);
  return fleet;
}

export interface CampaignAnswer {
  readonly id: string;
  readonly state: string;
  readonly reason: string | null;
  readonly currentWave: number;
  readonly waveCount: number;
  readonly deviceCount: number;
  readonly waves?: readonly { wave: number; size: number; counts: Record<string, number> }[];
  readonly totals?: Record<string, number>;
}

/** Polls the campaign until `done(c)` or the deadline (generous: a loaded 2-core machine is slow, never stuck); the
 *  last answer is in the failure. */
export async function waitForCampaign(
  srv: E2eServer,
  id: string,
  done: (c: CampaignAnswer) => boolean,
  timeoutMs = 60_000,
): Promise<CampaignAnswer> {
  const deadline = Date.now() + timeoutMs;
  let last: CampaignAnswer | undefined;
  while (Date.now() < deadline) {
    last = await srv.api.json<CampaignAnswer>("GET", `/campaigns/${id}`, undefined, [200]);
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`campaign ${id} did not get there in ${timeoutMs} ms: ${JSON.stringify(last)}`);
}
