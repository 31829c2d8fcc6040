// Package#0 intake over MQTT through the real Mosquitto (127.0.0.1:1883 or OMADM_TEST_MQTT_URL; skipped with a
// reason when absent, a failure under CI=true): acceptance and every rejection reason, end to end through the
// DmClient to a scripted DM server (see notification-intake-scenarios.ts).
import { randomUUID } from "node:crypto";
import { connectAsync } from "mqtt";
import { notificationTopic } from "@omadm/protocol";
import { createMqttNotificationTransport } from "../src/notification/transports/mqtt-notification-transport.js";
import { requireMqtt, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { DEV_ID, quietLogger } from "./dm-client-fixtures.js";
import { intakeScenarios } from "./notification-intake-scenarios.js";

const mqtt = await requireMqtt();
// One topic per run, so parallel test files on the same broker never hear each other.
const topic = notificationTopic(`${DEV_ID}-${randomUUID()}`);

intakeScenarios(
  {
    name: "mqtt",
    makeTransports: () => [
      {
        transport: createMqttNotificationTransport({ url: serviceUrl(mqtt), topic, logger: quietLogger }),
        serverId: "dm1",
      },
    ],
    async connect() {
      const publisher = await connectAsync(serviceUrl(mqtt), { reconnectPeriod: 0 });
      return {
        send: async (bytes: Uint8Array) => {
          await publisher.publishAsync(topic, Buffer.from(bytes), { qos: 1 });
        },
        close: () => publisher.endAsync(),
      };
    },
  },
  skipUnlessAvailable(mqtt),
);
