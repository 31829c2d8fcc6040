// The firmware campaign of `npm run bench:campaign` (docs/firmware.md, docs/campaigns.md): a small image uploaded
// through the API, the DevInfo the target filter reads (`Mod = X and FwV != Y`) captured by a bulk GET the
// baseline bulk wake delivers, the FUMO steps (HGET the FUMO data, EXEC DownloadAndUpdate, GET FwV), and the
// store checks after it: the devices the simulator made fail are exactly the failed ones, with the FUMO code, and
// every done device's DevInfo copy holds the new FwV.
import { randomBytes } from "node:crypto";
import { MOID_FUMO } from "@omadm/protocol";
import { failsAt } from "../src/simulate/fumo-behaviour.js";
import { api } from "./bench-server.js";

const MOID_DEVINFO = "urn:oma:mo:oma-dm-devinfo:1.2";
export const FW_VERSION = "2.0.0";

/** Uploads a 64 KB image as firmware FW_VERSION for model `model`; its FUMO data URL. */
export async function uploadImage(base: string, model: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/firmware?name=bench&version=${FW_VERSION}&model=${model}`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: randomBytes(64 * 1024),
  });
  const json = (await res.json()) as { fumoDataUrl?: string };
  if (res.status !== 201 || json.fumoDataUrl === undefined)
    throw new Error(`firmware upload: ${res.status} ${JSON.stringify(json)}`);
  return json.fumoDataUrl;
}

/** Queues GET Mod and GET FwV for every device (the next session, the baseline bulk wake, reads them). */
export async function queueInventory(base: string, deviceIds: readonly string[]): Promise<void> {
  for (let i = 0; i < deviceIds.length; i += 1000) {
    const chunk = deviceIds.slice(i, i + 1000);
    for (const leaf of ["Mod", "FwV"]) {
      const { status, json } = await api(base, "POST", "/commands/bulk", {
        command: ["GET", `${MOID_DEVINFO}//${leaf}`],
        deviceIds: chunk,
      });
      if (status !== 200) throw new Error(`bulk GET ${leaf}: ${status} ${JSON.stringify(json)}`);
    }
  }
}

/** How many devices `filter` selects now. */
export async function countSelected(base: string, filter: string): Promise<number> {
  const { status, json } = await api(base, "GET", `/devices?limit=1&count=true&filter=${encodeURIComponent(filter)}`);
  if (status !== 200) throw new Error(`count ${filter}: ${status} ${JSON.stringify(json)}`);
  return (json as { total: number }).total;
}

/** Waits (bounded) until `filter` selects `n` devices: the inventory GETs' results are recorded. */
export async function waitSelected(base: string, filter: string, n: number, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const got = await countSelected(base, filter);
    if (got === n) return;
    if (performance.now() > until) throw new Error(`${filter} selects ${got} devices, not ${n}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function firmwareSteps(fumoDataUrl: string): unknown[] {
  return [
    { command: ["HGET", fumoDataUrl], name: "fumo data" },
    { command: ["EXEC", `${MOID_FUMO}//DownloadAndUpdate`], name: "update" },
    { command: ["GET", `${MOID_DEVINFO}//FwV`], name: "new FwV" },
  ];
}

/**
 * The firmware campaign's outcome as injected: the devices `failsAt(index, failRate)` picks are failed at the
 * update step with `failResult` in the reason, the others done; and the server's DevInfo copy says FW_VERSION for
 * exactly the done ones.
 */
export async function checkFirmware(
  base: string,
  o: {
    label: string;
    devIds: readonly string[];
    failRate: number;
    failResult: number;
    states: ReadonlyMap<string, { state: string; reason: string | null }>;
  },
): Promise<void> {
  let expectedDone = 0;
  for (const [index, id] of o.devIds.entries()) {
    const d = o.states.get(id);
    const fails = failsAt(index, o.failRate);
    if (!fails) expectedDone++;
    const want = fails ? "failed" : "done";
    if (d?.state !== want) throw new Error(`${id}: ${d?.state ?? "not in the campaign"}, not ${want} as injected`);
    if (fails && !(d.reason ?? "").includes(String(o.failResult)))
      throw new Error(`${id}: failed with ${d.reason ?? "no reason"}, not the injected ${o.failResult}`);
  }
  const updated = await countSelected(base, `label:fleet=${o.label} and FwV=${FW_VERSION}`);
  if (updated !== expectedDone) throw new Error(`${updated} devices report FwV ${FW_VERSION}, not ${expectedDone}`);
}
