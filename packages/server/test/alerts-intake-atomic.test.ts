// Generic Alert intake is atomic (docs/protocol.md §4.12): storing the alerts and completing the
// accepted EXECs they report is one store transaction, so a failure in the second step leaves neither the alerts
// stored nor any command completed — the device, whose package was not answered, sends them again. Runs on a
// real SQLite store in a temp dir; the failure is injected by a small wrapper around the transaction's commands.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { AT_CLIENT_INIT, execCompleteAlert } from "@omadm/protocol";
import { createAlertIntake } from "../src/alerts/alert-intake.js";
import { ServerError, ServerErrorCode } from "../src/errors.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import type { Store, StoreParts } from "../src/store/store.js";
import { acceptExecs, manualClock, tempDir } from "./dm-support.js";

const DEV = "IMEI:400000000000777";
const URI_A = "urn:oma:mo:oma-fumo:1.0/fw/Update";
const URI_B = "urn:oma:mo:oma-scomo:1.0/apps/Install";
const dir = tempDir("omadm-alerts-atomic-");
const stores: Store[] = [];
after(async () => {
  for (const store of stores) await store.close();
  dir.remove();
});

/** A SQLite store with DEV and one EXEC per URI answered 202 (state `accepted`). */
async function withAccepted(name: string, ...uris: string[]): Promise<{ store: Store; ids: string[] }> {
  const clock = manualClock();
  const store = await openSqliteStore({ clock }, { dataDir: `${dir.path}/${name}` });
  stores.push(store);
  const ids = await acceptExecs(store, DEV, uris);
  return { store, ids };
}

/**
 * The store's transaction, with `completeAccepted` failing for `failingUri` (as a database error would). Every
 * other call goes to the real SQLite transaction.
 */
function failingCompletion(store: Store, failingUri: string): Pick<Store, "alerts" | "transaction"> {
  return {
    alerts: store.alerts,
    transaction: (fn) =>
      store.transaction((tx) => {
        const commands: StoreParts["commands"] = {
          ...tx.commands,
          completeAccepted: async (selector, completion) => {
            if ("sourceUri" in selector && selector.sourceUri === failingUri) {
              throw new ServerError(ServerErrorCode.STORE_UNAVAILABLE, "injected: the disk went away");
            }
            return tx.commands.completeAccepted(selector, completion);
          },
        };
        return fn({ ...tx, commands });
      }),
  };
}

test("a completion that fails after the alerts were written leaves no alert stored and every EXEC accepted", async () => {
  const { store, ids } = await withAccepted("fail-second", URI_A, URI_B);
  const intake = createAlertIntake({ store: failingCompletion(store, URI_B) });
  await assert.rejects(
    intake.receive({
      deviceId: DEV,
      sessionId: null,
      // The first alert's command completes inside the transaction before the second one fails.
      alerts: [{ AlertType: AT_CLIENT_INIT }, execCompleteAlert(URI_A, 200), execCompleteAlert(URI_B, 200)],
    }),
    /injected/,
  );
  assert.deepEqual((await store.alerts.list({ deviceId: DEV })).items, [], "no alert was kept");
  const states = await Promise.all(ids.map(async (id) => (await store.commands.get(id))?.state));
  assert.deepEqual(states, ["accepted", "accepted"], "no command was completed");

  // The device sends the same alerts again (its package was not answered): now they go through, once.
  const retry = await createAlertIntake({ store }).receive({
    deviceId: DEV,
    sessionId: null,
    alerts: [{ AlertType: AT_CLIENT_INIT }, execCompleteAlert(URI_A, 200), execCompleteAlert(URI_B, 200)],
  });
  assert.deepEqual(retry.completed.map((c) => c.id).sort(), [...ids].sort());
  assert.equal((await store.alerts.list({ deviceId: DEV })).items.length, 3);
  const done = await Promise.all(ids.map(async (id) => (await store.commands.get(id))?.state));
  assert.deepEqual(done, ["done", "done"]);
});

test("alerts that can complete nothing are stored in one call without a transaction; an unknown device is refused", async () => {
  const { store } = await withAccepted("no-source");
  const intake = createAlertIntake({
    store: {
      alerts: store.alerts,
      transaction: () => Promise.reject(new Error("no transaction is needed for alerts without a SourceURI")),
    },
  });
  const r = await intake.receive({
    deviceId: DEV,
    sessionId: null,
    alerts: [{ AlertType: AT_CLIENT_INIT }, { AlertType: "urn:vendor:at:x" }],
  });
  assert.deepEqual(
    r.stored.map((a) => a.alertType),
    [AT_CLIENT_INIT, "urn:vendor:at:x"],
  );
  // An unknown device: the store refuses the whole batch.
  await assert.rejects(
    intake.receive({ deviceId: "IMEI:unknown", sessionId: null, alerts: [{ AlertType: AT_CLIENT_INIT }] }),
    (e: unknown) => e instanceof ServerError && e.code === ServerErrorCode.DEVICE_NOT_FOUND,
  );
  assert.equal((await store.alerts.list({})).items.length, 2);
});
