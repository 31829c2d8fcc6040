import Db from "better-sqlite3";
import { readdirSync, copyFileSync, mkdtempSync } from "node:fs";
const base = "/tmp/i8lean/db/";
const src = base + readdirSync(base)[0] + "/omadm.sqlite";
function run(label, prep) {
  const d = mkdtempSync("/tmp/i8lean/m-"); copyFileSync(src, d + "/x.sqlite");
  const db = new Db(d + "/x.sqlite");
  db.pragma("journal_mode = WAL"); db.pragma("synchronous = FULL"); db.pragma("foreign_keys = ON"); db.pragma("cache_size = -65536");
  for (let i = 0; i < 200; i++) db.prepare("insert or ignore into devices (id,state,labels,created_at,updated_at) values (?, 'active','{}',0,0)").run("d" + i);
  prep(db);
  const ins = db.prepare(`insert into "commands" ("id", "device_id", "name", "p2", "idempotency_key", "state", "created_at", "updated_at", "expires_at", "attempts", "delivery", "max_deliveries", "async_source_uri", "async_server_uri") values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
  const N = 20000; let tIns = 0n;
  db.exec("begin immediate");
  for (let i = 0; i < N; i++) {
    const t = process.hrtime.bigint();
    ins.run("c" + i + "-" + Math.random(), "d" + (i % 200), "GET", '["GET","./DevDetail/SwV"]', null, "queued", 1, 1, null, 0, "at-least-once", 3, null, null);
    tIns += process.hrtime.bigint() - t;
    if (i % 50 === 49) { db.exec("commit"); db.exec("begin immediate"); }
  }
  db.exec("commit");
  console.log(label.padEnd(30), "insert us", (Number(tIns) / N / 1000).toFixed(1));
}
run("as is", () => {});
run("no fk", (db) => db.pragma("foreign_keys = OFF"));
run("sync normal", (db) => db.pragma("synchronous = NORMAL"));
run("no extra idx", (db) => { for (const i of ["commands_queue","commands_expiry","commands_by_state","commands_by_device","commands_by_session","commands_completed"]) db.exec(`drop index ${i}`); });
run("random id only (no extra idx)", (db) => { for (const i of ["commands_queue","commands_expiry","commands_by_state","commands_by_device","commands_by_session","commands_completed"]) db.exec(`drop index ${i}`); });
