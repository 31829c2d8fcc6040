// `omadm client daemon` in-process: it listens for Package#0 on UDP (127.0.0.1, port 0), opens the
// BootstrapComplete session at start, answers an accepted notification with a ServerInitiatedMgmt session
// carrying its NOTIFICATION-ID, prints a dropped notification with its reason, and stops cleanly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sendLoopbackDatagram } from "../../../test-support/udp.js";
import { AT_BOOTSTRAP_COMPLETE, AT_SERVER_INIT, signNotification } from "@omadm/protocol";
import { createInbox } from "../../../test-support/async-inbox.js";
import {
  DEV_ID,
  NOTI_SECRET,
  type RunningDaemon,
  p1,
  runClient,
  startScriptedServer,
  writeDevice,
} from "./client-support.js";

const enc = new TextEncoder();

test(
  "client daemon: bootstrap session, notified session, dropped notification, clean stop",
  { timeout: 20_000 },
  async (t) => {
    const server = await startScriptedServer();
    const device = writeDevice(server.url("/dm"), {
      notifications: { udp: [{ host: "127.0.0.1", port: 0, srvId: "dm1" }] },
    });
    t.after(async () => {
      device.remove();
      await server.close();
    });
    const lines = createInbox<string>();
    const started = createInbox<RunningDaemon>();
    const done = runClient(["daemon", "-c", device.config], {
      onOut: (text) => {
        for (const l of text.split("\n")) if (l !== "") lines.push(l);
      },
      onDaemonStarted: (d) => {
        started.push(d);
      },
    });
    const daemon = await started.next();
    let stopped = false;
    t.after(async () => {
      if (!stopped) await daemon.stop();
    });
    const result = await done;
    assert.equal(result.exitCode, 0, result.err);
    assert.match(result.out, new RegExp(`omadm client ${DEV_ID} is running`));
    const listener = /^udp 127\.0\.0\.1:(\d+)$/.exec(daemon.listeners[0] ?? "");
    assert.ok(listener, `listening on a real port: ${daemon.listeners.join(", ")}`);
    assert.match(result.out, new RegExp(`listening on udp 127\\.0\\.0\\.1:${listener[1]}`));
    const port = Number(listener[1]);

    const next = async (re: RegExp): Promise<string> => {
      for (;;) {
        const line = await lines.next();
        if (re.test(line)) return line;
      }
    };
    // §14: the account's BootstrapComplete session opens at start.
    await next(/\(BootstrapComplete\): completed/);
    assert.deepEqual(p1(server.received[0]!).Alert, [{ AlertType: AT_BOOTSTRAP_COMPLETE }]);

    // A signed notification (no SERVER-ID: the listener is bound to dm1) opens a ServerInitiatedMgmt session.
    const credentials = { secret: enc.encode(NOTI_SECRET), authData: enc.encode(DEV_ID) };
    const bytes = signNotification({ notificationId: 321, reqMos: true, unknownOptions: [] }, credentials);
    await sendLoopbackDatagram(port, bytes);
    assert.match(await next(/^notification from dm1 accepted/), /NOTIFICATION-ID 321/);
    assert.match(await next(/^session →/), /ServerInitiatedMgmt, NOTIFICATION-ID 321, MOS/);
    await next(/\(ServerInitiatedMgmt, NOTIFICATION-ID 321, MOS\): completed/);
    const notified = p1(server.received.at(-1)!);
    assert.deepEqual(notified.Alert, [
      { AlertType: AT_SERVER_INIT, DataType: "int", Data: { "NOTIFICATION-ID": 321 } },
    ]);
    assert.ok(notified.MOS !== undefined && notified.MOS.length > 0);

    // The same notification again is a duplicate: printed with its reason, no session.
    const requests = server.received.length;
    await sendLoopbackDatagram(port, bytes);
    assert.match(await next(/^notification dropped/), /^notification dropped \(duplicate\) from udp 127\.0\.0\.1:\d+/);
    assert.equal(server.received.length, requests);

    await daemon.stop();
    stopped = true;
    assert.equal(await next(/stopped$/), `omadm client ${DEV_ID} stopped`);
    // Stopped means stopped: the port is released, so nothing is received any more.
    await sendLoopbackDatagram(port, bytes);
    assert.equal(server.received.length, requests);
  },
);
