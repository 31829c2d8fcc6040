// End to end: the operator wakes a device through the REST API; the server's notifier sends
// Package#0 over real UDP (loopback) and over the real Mosquitto broker; the project's DM Client, listening on
// that transport, verifies the SHA256-DIGEST with its DMAcc notification credentials (docs/protocol.md §2.5), opens
// a session with ServerInitiatedMgmt carrying the NOTIFICATION-ID (§2.7) and runs the queued commands. A
// notification signed with other credentials is dropped and changes nothing.
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AT_SERVER_INIT, NOTIFICATION_ID_KEY, notificationTopic } from "@omadm/protocol";
import { requireMqtt, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import {
  MOID_DEVINFO,
  MOID_GATEWAY,
  notificationSecret,
  startDevice,
  statusesOf,
  type E2eDevice,
} from "./e2e-support/device-harness.js";
import type { NotificationView } from "./e2e-support/api-client.js";
import { startE2eServer, tempDir, type E2eServer } from "./e2e-support/server-harness.js";

const mqtt = await requireMqtt();
const dir = tempDir("omadm-e2e-wake-");
let srv: E2eServer;
const devices: E2eDevice[] = [];

before(async () => {
  srv = await startE2eServer({
    dataDir: join(dir.path, "server"),
    ...(mqtt.available ? { mqttUrl: mqtt.url } : {}),
  });
});

after(async () => {
  await Promise.all(devices.map((d) => d.stop()));
  await srv.stop();
  dir.remove();
});

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

/** The device's notification credentials as the server must hold them (the same secret as its DMAcc). */
function credentials(devId: string): { secret: string; authData: string } {
  const n = notificationSecret(devId);
  return { secret: b64(n.secret), authData: b64(n.authData) };
}

/** Starts the device, provisions it at the server and runs its BootstrapComplete session (§14). */
async function provisioned(
  devId: string,
  transport: { udp: true } | { mqttUrl: string },
  notifyAddress: (device: E2eDevice) => Record<string, unknown>,
): Promise<E2eDevice> {
  const device = await startDevice({ devId, srvUri: srv.dmUrl, stateDir: join(dir.path, devId), ...transport });
  devices.push(device);
  await srv.api.createDevice({ id: devId, notification: credentials(devId), notifyAddress: notifyAddress(device) });
  const first = await device.client.runSession();
  assert.equal(first.kind, "completed", JSON.stringify(first));
  assert.equal(first.trigger.kind, "bootstrap-complete");
  await device.sessions.next();
  return device;
}

async function wakeAndRun(
  device: E2eDevice,
  transport: string,
  wake: Record<string, unknown>,
): Promise<NotificationView> {
  const devId = device.devId;
  const queued = [
    await srv.api.queue(devId, ["GET", `${MOID_DEVINFO}//FwV`]),
    await srv.api.queue(devId, ["EXEC", `${MOID_GATEWAY}/main/Ops/Diagnostics`]),
  ];
  const diagnostics: string[] = [];
  device.client.registerExec(MOID_GATEWAY, "Ops/Diagnostics", (request) => {
    diagnostics.push(request.sessionId);
    return { sc: 200 };
  });

  const sent = await srv.api.wake(devId, wake);
  assert.deepEqual([sent.transport, sent.outcome, sent.error], [transport, "sent", null]);

  const accepted = await device.accepted.next();
  assert.deepEqual([accepted.serverId, accepted.notificationId], [srv.config.serverId, sent.notificationId]);
  const outcome = await device.sessions.next();
  assert.equal(outcome.kind, "completed", `${JSON.stringify(outcome)}\n${device.log.join("\n")}`);
  assert.deepEqual(outcome.trigger, {
    kind: "server-initiated",
    reqMos: wake.reqMos === true,
    notificationId: sent.notificationId,
  });
  assert.deepEqual(statusesOf(outcome), [
    ["CONT", 200],
    ["GET", 200],
    ["EXEC", 200],
    ["END", 200],
  ]);
  assert.deepEqual(diagnostics, [outcome.sessionId], "EXEC ran once, in the notified session");

  // The server saw ServerInitiatedMgmt with the NOTIFICATION-ID it sent, and recorded each command's result.
  const alerts = await srv.api.alerts(devId);
  const sessionAlert = alerts.at(-1);
  assert.equal(sessionAlert?.alertType, AT_SERVER_INIT);
  assert.deepEqual(sessionAlert.data, { [NOTIFICATION_ID_KEY]: sent.notificationId });
  const after = await Promise.all(queued.map((c) => srv.api.command(c.id)));
  assert.deepEqual(
    after.map((c) => [c.name, c.state, c.statusCode]),
    [
      ["GET", "done", 200],
      ["EXEC", "done", 200],
    ],
  );
  assert.deepEqual(
    (after[0]?.result?.data as { MOData: unknown }[] | undefined)?.map((i) => i.MOData),
    [{ FwV: "1.0.0" }],
  );
  return sent;
}

test("wake over UDP: Package#0 with a valid digest opens a ServerInitiatedMgmt session that runs the queue", async () => {
  const device = await provisioned("IMEI:350000000000201", { udp: true }, (d) => ({
    udp: { host: "127.0.0.1", port: d.udpPort },
  }));
  await wakeAndRun(device, "udp", {});

  // A Package#0 signed with credentials the device does not hold is dropped: no session, the queue untouched.
  await srv.api.patchDevice(device.devId, {
    notification: { secret: b64("not the device's secret"), authData: b64(device.devId) },
  });
  const queued = await srv.api.queue(device.devId, ["GET", `${MOID_DEVINFO}//FwV`]);
  const sent = await srv.api.wake(device.devId);
  assert.equal(sent.outcome, "sent");
  const rejected = await device.rejected.next();
  assert.match(JSON.stringify(rejected), /digest/i);
  await device.client.idle();
  assert.equal(device.sessions.buffered.length, 0, "no session was opened");
  assert.equal((await srv.api.command(queued.id)).state, "queued");

  // With the right credentials again, the next wake is accepted and the command runs.
  await srv.api.patchDevice(device.devId, { notification: credentials(device.devId) });
  const again = await srv.api.wake(device.devId);
  assert.ok(again.notificationId > sent.notificationId, "NOTIFICATION-IDs increase per server");
  assert.equal((await device.accepted.next()).notificationId, again.notificationId);
  const outcome = await device.sessions.next();
  assert.equal(outcome.kind, "completed");
  assert.equal((await srv.api.command(queued.id)).state, "done");
});

test(
  "wake over MQTT: the broker delivers Package#0 on the device's topic; REQ-MOS brings the MOS array",
  skipUnlessAvailable(mqtt),
  async () => {
    // Unique per run: the broker is shared, and another run's device on the same topic would take the wake too.
    const devId = `IMEI:35000000${randomInt(1_000_000, 9_999_999)}`;
    const device = await provisioned(devId, { mqttUrl: serviceUrl(mqtt) }, () => ({
      mqtt: { topic: notificationTopic(devId) },
    }));
    const sent = await wakeAndRun(device, "mqtt", { reqMos: true });
    // The MOS inventory was (re)recorded from the notified session's Package#1, after the wake.
    const after = await srv.api.device(devId);
    assert.ok(Date.parse(after.mosAt ?? "") >= Date.parse(sent.sentAt), `${after.mosAt} vs ${sent.sentAt}`);
    assert.ok(
      (after.mos as { MOID: string }[]).some((m) => m.MOID === MOID_GATEWAY),
      JSON.stringify(after.mos),
    );
  },
);
