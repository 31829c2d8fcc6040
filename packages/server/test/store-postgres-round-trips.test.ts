// Round trips of the DM session's transactions on the PostgreSQL store, against the real server: every pg
// `query` that goes out is one (the store sends each and waits for its answer). BEGIN rides with the first
// statement, a Package#3's answers take one statement (which also sees whether the device's queue is empty, so an
// empty next batch costs none), and a session's close with its final state one more.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import pg from "pg";
import { ServerErrorCode } from "../src/errors.js";
import { openPostgresStore } from "../src/store/postgres.js";
import type { Store } from "../src/store/store.js";
import type { Session } from "../src/store/types-session.js";
import { CommandState } from "../src/store/types.js";
import { requirePostgres, serviceUrl, skipUnlessAvailable } from "../../../test-support/services.js";
import { TestClock } from "./store-contract-support.js";

const postgres = await requirePostgres();
const { skip } = skipUnlessAvailable(postgres);

let sent = 0;

/** Counts what `fn` sends, as the bench does: each pg.Client#query call that reaches the server. */
async function roundTripsOf(fn: () => Promise<unknown>): Promise<number> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    sent++;
    return original.apply(this, args);
  };
  const before = sent;
  try {
    await fn();
    return sent - before;
  } finally {
    proto.query = original;
  }
}

/** A store on one pooled connection (so every transaction meets a connection that has BEGIN prepared), or
 *  `connections`. */
async function withStore(
  fn: (store: Store, url: string, schema: string) => Promise<void>,
  connections = 1,
): Promise<void> {
  const schema = `omadm_test_${process.pid}_${randomBytes(6).toString("hex")}`;
  const url = serviceUrl(postgres);
  const store = await openPostgresStore(
    { clock: new TestClock() },
    { connectionString: url, schema, maxConnections: connections },
  );
  try {
    await fn(store, url, schema);
  } finally {
    await store.close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.end();
  }
}

/** Device d1's session as a Package#1 opens it. */
const OPEN_D1 = { deviceId: "d1", stateName: "s", stateData: {}, packageNo: 1, idleTimeoutMs: 60_000 };

/** A Package#1's save of its session: the commands it sent. */
const SAVE_P1 = (sent: readonly string[]) => ({ stateName: "sent", stateData: { sent }, packageNo: 2 });

/** A Generic Alert of device d1 (no session), as a Package#1 carries. */
const ALERT_D1 = { deviceId: "d1", alertType: "urn:test:alert", sourceUri: "./X", data: "x" };

const answer = (commandId: string) => ({ commandId, outcome: CommandState.Done, statusCode: 200 });

test(
  "a DM session's two package transactions: BEGIN with the first statement, no read before the answers' write",
  { skip },
  async () => {
    await withStore(async (store) => {
      await store.devices.create({ id: "d1" });
      const ids: string[] = [];
      for (const name of ["Get", "Get", "Get"]) {
        ids.push((await store.commands.enqueue({ deviceId: "d1", name, params: ["Get", "./DevInfo/Mod"] })).command.id);
      }
      // Whatever the connection did so far (the migrations ran in transactions too), BEGIN is prepared by now.
      await store.transaction(async (tx) => tx.devices.get("d1"));
      // Its first contact moves the device to active (one more UPDATE, once): not a session's usual cost.
      await store.devices.recordContact("d1", { autoRegister: false });
      assert.equal(await roundTripsOf(() => store.transaction(async (tx) => tx.devices.get("d1"))), 2);
      // A Package#1's alert INSERT and its session's save, used twice, are prepared on the connection: from now
      // on they can be deferred.
      for (let i = 0; i < 2; i++) {
        const opened = await store.transaction(async (tx) => {
          await tx.devices.recordContact("d1", { autoRegister: false });
          const { session } = await tx.sessions.open(OPEN_D1);
          await tx.alerts.record([{ ...ALERT_D1, sessionId: session.id }]);
          return tx.sessions.update(session.id, SAVE_P1([]), { expectedVersion: session.version });
        });
        await store.sessions.close(opened.id, "ended");
      }

      let version = 0;
      let sessionId = "";
      let savedAnswer: Session | null = null;
      const first = await roundTripsOf(() =>
        store.transaction(async (tx) => {
          // As a Package#1: the device's contact first (its UPDATE takes the device's row lock for the rest).
          await tx.devices.recordContact("d1", { autoRegister: false });
          const { session } = await tx.sessions.open(OPEN_D1);
          await tx.alerts.record([{ ...ALERT_D1, sessionId: session.id }]);
          const taken = await tx.commands.takeBatch({ deviceId: "d1", sessionId: session.id, max: 10, packageNo: 2 });
          assert.deepEqual(
            taken.map((c) => c.id),
            ids,
          );
          const saved = await tx.sessions.update(session.id, SAVE_P1(ids), { expectedVersion: session.version });
          sessionId = saved.id;
          version = saved.version;
          savedAnswer = saved;
        }),
      );
      assert.equal(
        first,
        4,
        "contact (with BEGIN), INSERT, the take (the alert's INSERT ahead), COMMIT (the save ahead)",
      );
      const alerts = await store.alerts.list({ sessionId });
      assert.equal(alerts.items.length, 1, "the deferred alert was committed");
      assert.deepEqual(await store.sessions.get(sessionId), savedAnswer, "the save answered the row it committed");

      const second = await roundTripsOf(() =>
        store.transaction(async (tx) => {
          const done = await tx.commands.recordResults(sessionId, ids.map(answer));
          assert.deepEqual(
            done.map((c) => [c.id, c.state]),
            ids.map((id) => [id, CommandState.Done]),
          );
          assert.deepEqual(await tx.commands.takeBatch({ deviceId: "d1", sessionId, max: 10, packageNo: 4 }), []);
          const closed = await tx.sessions.close(sessionId, "ended", {
            final: { stateName: "done", packageNo: 4 },
            expectedVersion: version,
          });
          assert.equal(closed.session.status, "ended");
          assert.equal(closed.session.stateName, "done");
          assert.equal(closed.session.version, version + 2, "a save and a close: two steps");
        }),
      );
      assert.equal(
        second,
        3,
        "answers (with BEGIN; they see the queue empty, so the take sends nothing), save-and-close, COMMIT",
      );
    });
  },
);

test(
  "the answers' statement finds the queue empty only when it is: a queued command, or one queued after it, is taken",
  { skip },
  async () => {
    await withStore(async (store) => {
      await store.devices.create({ id: "d1" });
      const enqueue = async (path: string) =>
        (await store.commands.enqueue({ deviceId: "d1", name: "Get", params: ["Get", path] })).command.id;
      const first = await enqueue("./A");
      const { session } = await store.sessions.open(OPEN_D1);
      await store.commands.takeBatch({ deviceId: "d1", sessionId: session.id, max: 1, packageNo: 2 });
      const waiting = await enqueue("./B");
      // B waits in the queue while A's answer comes: the take that follows runs and takes it.
      const takes = await roundTripsOf(() =>
        store.transaction(async (tx) => {
          await tx.commands.recordResults(session.id, [answer(first)]);
          const taken = await tx.commands.takeBatch({ deviceId: "d1", sessionId: session.id, max: 5, packageNo: 4 });
          assert.deepEqual(
            taken.map((c) => c.id),
            [waiting],
          );
        }),
      );
      assert.equal(takes, 3, "answers (with BEGIN), take, COMMIT");
      // B's answer leaves the queue empty, but a command queued in the same transaction after it is seen.
      await store.transaction(async (tx) => {
        await tx.commands.recordResults(session.id, [answer(waiting)]);
        const late = (await tx.commands.enqueue({ deviceId: "d1", name: "Get", params: ["Get", "./C"] })).command.id;
        const taken = await tx.commands.takeBatch({ deviceId: "d1", sessionId: session.id, max: 5, packageNo: 6 });
        assert.deepEqual(
          taken.map((c) => c.id),
          [late],
        );
      });
    });
  },
);

test(
  "a command queued by a transaction the answers waited for (the device's lock) is taken by the next batch",
  { skip },
  async () => {
    await withStore(async (store, url) => {
      await store.devices.create({ id: "d1" });
      const first = (await store.commands.enqueue({ deviceId: "d1", name: "Get", params: ["Get", "./A"] })).command.id;
      const { session } = await store.sessions.open(OPEN_D1);
      await store.commands.takeBatch({ deviceId: "d1", sessionId: session.id, max: 5, packageNo: 2 });
      // Another transaction queues B and holds the device's row lock until told to commit.
      let commit = (): void => undefined;
      const committing = new Promise<void>((resolve) => (commit = resolve));
      let holding = (): void => undefined;
      const held = new Promise<void>((resolve) => (holding = resolve));
      const other = store.transaction(async (tx) => {
        const queued = await tx.commands.enqueue({ deviceId: "d1", name: "Get", params: ["Get", "./B"] });
        holding();
        await committing;
        return queued.command.id;
      });
      await held;
      // The Package#3: its answers wait for the lock, so their statement began before B was committed.
      const package3 = store.transaction(async (tx) => {
        await tx.commands.recordResults(session.id, [answer(first)]);
        return tx.commands.takeBatch({ deviceId: "d1", sessionId: session.id, max: 5, packageNo: 4 });
      });
      const watcher = new pg.Client({ connectionString: url });
      await watcher.connect();
      try {
        // Until PostgreSQL shows the answers' statement waiting for a lock (bounded).
        for (let i = 0; i < 500; i++) {
          const { rows } = await watcher.query(
            "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%unnest%'",
          );
          if ((rows[0] as { n: number }).n > 0) break;
          if (i === 499) assert.fail("the answers' statement never waited for the device's lock");
        }
      } finally {
        await watcher.end();
      }
      commit();
      const b = await other;
      assert.deepEqual(
        (await package3).map((c) => c.id),
        [b],
      );
    }, 2);
  },
);

test(
  "answers to a command not in flight fall back to reading each, and write nothing when one is refused",
  { skip },
  async () => {
    await withStore(async (store) => {
      await store.devices.create({ id: "d1" });
      const a = (await store.commands.enqueue({ deviceId: "d1", name: "Get", params: ["Get", "./A"] })).command.id;
      const b = (await store.commands.enqueue({ deviceId: "d1", name: "Get", params: ["Get", "./B"] })).command.id;
      const { session } = await store.sessions.open(OPEN_D1);
      await store.commands.takeBatch({ deviceId: "d1", sessionId: session.id, max: 10, packageNo: 2 });
      // Cancelled while in flight: its late answer is recorded and it stays cancelled (docs/delivery.md).
      await store.commands.cancel(b);
      await assert.rejects(store.commands.recordResults(session.id, [answer(a), answer("nope")]), {
        code: ServerErrorCode.COMMAND_NOT_FOUND,
      });
      assert.equal((await store.commands.get(a))?.state, CommandState.Sent, "nothing written");
      const done = await store.commands.recordResults(session.id, [answer(a), answer(b)]);
      assert.deepEqual(
        done.map((c) => [c.id, c.state, c.statusCode]),
        [
          [a, CommandState.Done, 200],
          [b, CommandState.Cancelled, 200],
        ],
      );
    });
  },
);

test(
  "a deferred write that fails poisons its transaction: even when the caller catches the failure, nothing commits",
  { skip },
  async () => {
    await withStore(async (store, url, schema) => {
      await store.devices.create({ id: "d1" });
      // A trigger stands for what cannot happen to an alert under its device's lock: its INSERT failing.
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(
          `create function ${schema}.refuse_boom() returns trigger language plpgsql as $$
           begin if new.alert_type = 'boom' then raise exception 'boom refused'; end if; return new; end $$`,
        );
        await c.query(
          `create trigger refuse_boom before insert on ${schema}.alerts for each row execute function ${schema}.refuse_boom()`,
        );
      } finally {
        await c.end();
      }
      for (let i = 0; i < 2; i++) {
        await store.transaction(async (tx) => {
          await tx.devices.recordContact("d1", { autoRegister: false });
          await tx.alerts.record([ALERT_D1]);
        });
      }
      const failure = await store
        .transaction(async (tx) => {
          await tx.devices.recordContact("d1", { autoRegister: false });
          await tx.commands.enqueue({ deviceId: "d1", name: "Get", params: ["Get", "./A"] });
          const stored = await tx.alerts.record([{ ...ALERT_D1, alertType: "boom" }]);
          assert.equal(stored.length, 1, "deferred: answered as stored");
          // The next call (one in a savepoint) carries the alert's INSERT ahead of its SAVEPOINT, and fails with it:
          // caught. Were the transaction not poisoned, its COMMIT would roll back in silence (PostgreSQL ends an
          // aborted block so) and the caller would think it committed.
          await tx.commands.list({ deviceId: "d1" }).then(
            () => assert.fail("the call behind the failed alert answered"),
            (error: unknown) => {
              assert.match(String(error), /boom refused/);
            },
          );
          return "the callback went on";
        })
        .then(
          () => assert.fail("the transaction committed"),
          (error: unknown) => error,
        );
      assert.match(String(failure), /boom refused/);
      assert.equal((await store.commands.list({ deviceId: "d1" })).items.length, 0, "the enqueue was rolled back");
      assert.equal((await store.alerts.list({ alertType: "boom" })).items.length, 0);
    });
  },
);

test(
  "the save of the session a transaction opened, worked out without its row back, is refused as any other",
  { skip },
  async () => {
    await withStore(async (store) => {
      await store.devices.create({ id: "d1" });
      // Twice: the save's UPDATE prepared on the connection, so that the third could be deferred.
      for (let i = 0; i < 3; i++) {
        const failure = await store
          .transaction(async (tx) => {
            await tx.devices.recordContact("d1", { autoRegister: false });
            const { session } = await tx.sessions.open(OPEN_D1);
            const saved = await tx.sessions.update(session.id, SAVE_P1([]), { expectedVersion: session.version });
            assert.equal(saved.version, session.version + 1);
            // At the version it had before the save: a conflict, whether or not the save went out yet.
            await tx.sessions.update(session.id, SAVE_P1([]), { expectedVersion: session.version });
          })
          .then(
            () => assert.fail("a save at an old version was accepted"),
            (error: unknown) => error,
          );
        assert.equal((failure as { code?: string }).code, ServerErrorCode.SESSION_CONFLICT, String(failure));
      }
      assert.equal((await store.sessions.list({ status: "open" })).items.length, 0, "every transaction rolled back");
    });
  },
);
