// Campaigns on several nodes (docs/campaigns.md "Several nodes"): two servers on one PostgreSQL schema, each with
// its campaign driver running, and one fleet of simulated devices. The campaign completes, driven by one node at a
// time through the store's lease: every device got exactly one Package#0 and ran each step once (two drivers
// would each have woken it).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import { openPostgresStore } from "@omadm/server";
import { requirePostgres, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import type { Fleet } from "../src/simulate/fleet.js";
import { GATEWAY_MOID, rebootBehaviour } from "../src/simulate/reboot-behaviour.js";
import { startCampaignFleet, waitForCampaign, type CampaignAnswer } from "./e2e-support/campaign-harness.js";
import { MOID_DEVINFO } from "./e2e-support/device-harness.js";
import { startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

const postgres = await requirePostgres();
const skip = skipUnlessAvailable(postgres).skip;
const N = 16;
const dir = tempDir("omadm-campaigns-pg-");
const schema = `omadm_campaigns_${process.pid}_${randomBytes(6).toString("hex")}`;
const prefix = `CPG${randomBytes(3).toString("hex")}`;
let nodes: E2eServer[] = [];
let fleet: Fleet | undefined;

before(async () => {
  if (skip !== false) return;
  const url = serviceUrl(postgres);
  const node = (name: string) =>
    startE2eServer({
      dataDir: join(dir.path, name),
      campaignTickMs: 50,
      openStore: (clock) => openPostgresStore({ clock }, { connectionString: url, schema, maxConnections: 4 }),
    });
  nodes = [await node("a"), await node("b")];
  fleet = await startCampaignFleet(nodes[0] as E2eServer, {
    devices: N,
    prefix,
    behaviour: rebootBehaviour({ delayMs: 20 }),
    stateDir: join(dir.path, "devices"),
  });
});

after(async () => {
  await fleet?.stop();
  for (const n of nodes) await n.stop();
  dir.remove();
  if (skip !== false) return;
  const client = new pg.Client({ connectionString: serviceUrl(postgres) });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
});

test("campaign on two nodes over PostgreSQL: one driver at a time, every device woken once", { skip }, async () => {
  const [a, b] = nodes as [E2eServer, E2eServer];
  const c = await a.api.json<CampaignAnswer>(
    "POST",
    "/campaigns",
    {
      name: "two nodes",
      target: { filter: `label:fleet=${prefix}` },
      steps: [{ command: ["GET", `${MOID_DEVINFO}//DevID`] }, { command: ["EXEC", `${GATEWAY_MOID}/main/Ops/Reboot`] }],
      plan: { waves: [4], maxInFlight: 4, wakeTimeoutMs: 60_000 },
      start: true,
    },
    [201],
  );
  const end = await waitForCampaign(b, c.id, (x) => ["completed", "halted", "cancelled"].includes(x.state), 60_000);
  assert.equal(end.state, "completed", JSON.stringify(end));
  assert.equal(end.totals?.["done"], N);
  for (const d of fleet?.devices ?? []) {
    const sent = await a.store.notifications.list({ deviceId: d.devId });
    assert.equal(sent.items.length, 1, `${d.devId} was woken ${sent.items.length} times`);
  }
});
