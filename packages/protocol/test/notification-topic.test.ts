// notificationTopic: the per-device MQTT topic both the server notifier and the client listener use (docs/protocol.md §12).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { NOTIFICATION_TOPIC_PREFIX, notificationTopic } from "@omadm/protocol";

test("builds <prefix>/<DevID> with the default prefix", () => {
  assert.equal(NOTIFICATION_TOPIC_PREFIX, "omadm/notify");
  assert.equal(notificationTopic("IMEI:493005100592800"), "omadm/notify/IMEI:493005100592800");
});

test("uses a custom prefix and drops its trailing slashes", () => {
  assert.equal(notificationTopic("dev-1", "fleet/a/"), "fleet/a/dev-1");
  assert.equal(notificationTopic("dev-1", "fleet/a"), "fleet/a/dev-1");
});

test("escapes level separators, wildcards, controls and percent signs in the DevID", () => {
  assert.equal(notificationTopic("a/b"), "omadm/notify/a%2Fb");
  assert.equal(notificationTopic("#"), "omadm/notify/%23");
  assert.equal(notificationTopic("+"), "omadm/notify/%2B");
  assert.equal(notificationTopic("50%"), "omadm/notify/50%25");
  assert.equal(notificationTopic("a\u0000b\u007f"), "omadm/notify/a%00b%7F");
  assert.equal(notificationTopic("x\ud800y"), "omadm/notify/x%uD800y");
  assert.equal(notificationTopic("ü😀"), "omadm/notify/ü😀"); // well-formed Unicode stays readable
});

// Inverse of the escaping, used only to prove the encoding loses nothing (so it is one-to-one).
function decodeLevel(level: string): string {
  return level.replace(/%u([0-9A-F]{4})|%([0-9A-F]{2})/g, (_m, u: string | undefined, b: string | undefined) =>
    String.fromCharCode(parseInt(u ?? b ?? "", 16)),
  );
}

test("property: one topic level, no wildcards, valid UTF-8, and reversible (so one-to-one)", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (devId) => {
      const topic = notificationTopic(devId);
      assert.ok(topic.startsWith(`${NOTIFICATION_TOPIC_PREFIX}/`));
      const level = topic.slice(NOTIFICATION_TOPIC_PREFIX.length + 1);
      assert.ok(!/[/+#]/.test(level) && !level.includes("\u0000"));
      assert.equal(Buffer.from(level, "utf8").toString("utf8"), level); // no lone surrogates
      assert.equal(decodeLevel(level), devId);
    }),
  );
});
