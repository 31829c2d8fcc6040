// Generic Alert constants, the session-type alert builders and the NOTIFICATION-ID reader
// (docs/protocol.md §3.1, §3.4, §3.5).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AT_BOOTSTRAP_COMPLETE,
  AT_CLIENT_INIT,
  AT_EXEC_COMPLETE,
  AT_SERVER_INIT,
  DEFAULT_MARK,
  MARKS,
  alertMark,
  bootstrapCompleteAlert,
  clientInitiatedAlert,
  execCompleteAlert,
  parseGenericAlert,
  readNotificationId,
  serializeGenericAlert,
  serverInitiatedAlert,
  type GenericAlert,
} from "../src/packages/generic-alert.js";
import { parsePackage1, serializePackage1 } from "../src/packages/package1.js";

test("alert type and mark constants are the spec's strings", () => {
  assert.equal(AT_SERVER_INIT, "urn:oma:at:dm:2.0:ServerInitiatedMgmt");
  assert.equal(AT_CLIENT_INIT, "urn:oma:at:dm:2.0:ClientInitiatedMgmt");
  assert.equal(AT_BOOTSTRAP_COMPLETE, "urn:oma:at:dm:2.0:BootstrapComplete");
  assert.equal(AT_EXEC_COMPLETE, "urn:oma:at:dm:2.0:ExecComplete");
  assert.deepEqual(MARKS, ["fatal", "critical", "minor", "warning", "informational", "harmless", "indeterminate"]);
  assert.equal(DEFAULT_MARK, "informational");
});

test("serverInitiatedAlert produces the §3.1 form byte for byte", () => {
  assert.equal(
    serializeGenericAlert(serverInitiatedAlert(4660)),
    '{"AlertType":"urn:oma:at:dm:2.0:ServerInitiatedMgmt","DataType":"int","Data":{"NOTIFICATION-ID":4660}}',
  );
});

test("the builders produce alerts the parser accepts, in a Package#1", () => {
  const alerts = [
    serverInitiatedAlert(1),
    clientInitiatedAlert(),
    bootstrapCompleteAlert(),
    execCompleteAlert("urn:oma:mo:oma-fumo:1.0/rootfs/DownloadAndUpdate", 200),
    execCompleteAlert("urn:oma:mo:oma-fumo:1.0/rootfs/Update", 500, "critical"),
  ];
  const back = parsePackage1(serializePackage1({ Alert: alerts }));
  assert.ok(back.ok);
  assert.deepEqual(back.value.Alert, alerts);
  assert.deepEqual(clientInitiatedAlert(), { AlertType: AT_CLIENT_INIT });
  assert.deepEqual(bootstrapCompleteAlert(), { AlertType: AT_BOOTSTRAP_COMPLETE });
  assert.deepEqual(execCompleteAlert("urn:oma:mo:x:1.0/a/Exec", 202), {
    AlertType: AT_EXEC_COMPLETE,
    SourceURI: "urn:oma:mo:x:1.0/a/Exec",
    DataType: "application/json",
    Data: { sc: 202 },
  });
});

test("alertMark defaults to informational when Mark is omitted", () => {
  assert.equal(alertMark({ AlertType: "t" }), "informational");
  assert.equal(alertMark({ AlertType: "t", Mark: "fatal" }), "fatal");
});

test("readNotificationId: NOTIFICATION-ID, a bare number under any key, a bare number, decimal strings", () => {
  const withData = (Data: unknown): GenericAlert => ({ AlertType: AT_SERVER_INIT, DataType: "int", Data });
  assert.equal(readNotificationId(serverInitiatedAlert(4660)), 4660);
  assert.equal(readNotificationId(withData({ NotificationId: 7 })), 7);
  assert.equal(readNotificationId(withData({ note: "x", id: 9 })), 9);
  assert.equal(readNotificationId(withData(4660)), 4660);
  assert.equal(readNotificationId(withData("4660")), 4660);
  assert.equal(readNotificationId(withData({ "NOTIFICATION-ID": "12" })), 12);
  // NOTIFICATION-ID wins over other numeric keys.
  assert.equal(readNotificationId(withData({ a: 1, "NOTIFICATION-ID": 2 })), 2);
  assert.equal(readNotificationId(withData({ "NOTIFICATION-ID": 0 })), 0);
  assert.equal(readNotificationId(withData({ "NOTIFICATION-ID": 65535 })), 65535);
});

test("readNotificationId: absent, non-numeric or out of the uint16 range gives undefined", () => {
  const withData = (Data: unknown): GenericAlert => ({ AlertType: AT_SERVER_INIT, DataType: "int", Data });
  assert.equal(readNotificationId({ AlertType: AT_SERVER_INIT }), undefined);
  for (const data of [{}, null, [], [4660], "x", "12a", { id: 1.5 }, { id: -1 }, { id: 65536 }, { id: true }, 1e300]) {
    assert.equal(readNotificationId(withData(data)), undefined, JSON.stringify(data));
  }
});

test("a parsed ServerInitiatedMgmt alert yields its NOTIFICATION-ID", () => {
  const r = parseGenericAlert(
    '{"AlertType":"urn:oma:at:dm:2.0:ServerInitiatedMgmt","DataType":"int","Data":{"id":4660}}',
  );
  assert.ok(r.ok);
  assert.equal(readNotificationId(r.value), 4660);
});
