import Db from "better-sqlite3";
import { readdirSync } from "node:fs";
const base = "/tmp/i8lean/db/";
const dir = base + readdirSync(base)[0];
const db = new Db(dir + "/omadm.sqlite");
db.pragma("journal_mode = WAL"); db.pragma("synchronous = FULL"); db.pragma("foreign_keys = ON"); db.pragma("cache_size = -65536");
for (let i = 0; i < 200; i++) db.prepare("insert or ignore into devices (id,state,labels,created_at,updated_at) values (?, 'active','{}',0,0)").run("d" + i);
const ins = db.prepare(`insert into "commands" ("id", "device_id", "name", "p2", "idempotency_key", "state", "created_at", "updated_at", "expires_at", "attempts", "delivery", "max_deliveries", "async_source_uri", "async_server_uri") values (?,?,?,?,?,?,?,?,?,?,?,?,?,?) returning *`);
const upd = db.prepare(`update commands set state = ?, session_id = ?, updated_at = ? where id = ? and state in (?) returning *`);
const sel = db.prepare(`select * from commands where device_id = ? and state = ? order by seq limit ?`);
let n = 0; const N = 20000;
const t0 = process.hrtime.bigint(); let tIns = 0n, tUpd = 0n, tSel = 0n;
db.exec("begin immediate");
for (let i = 0; i < N; i++) {
  const id = "c" + Date.now() + "-" + i; const dev = "d" + (i % 200);
  let t = process.hrtime.bigint();
  ins.all(id, dev, "GET", '["GET","./DevDetail/SwV"]', null, "queued", 1, 1, null, 0, "at-least-once", 3, null, null);
  tIns += process.hrtime.bigint() - t; t = process.hrtime.bigint();
  sel.all(dev, "queued", 3);
  tSel += process.hrtime.bigint() - t; t = process.hrtime.bigint();
  upd.all("done", "s" + i, 2, id, "queued");
  tUpd += process.hrtime.bigint() - t;
  if (i % 50 === 49) { db.exec("commit"); db.exec("begin immediate"); }
}
db.exec("commit");
console.log("per op us: insert", Number(tIns) / N / 1000, "select", Number(tSel) / N / 1000, "update", Number(tUpd) / N / 1000, "total ms", Number(process.hrtime.bigint() - t0) / 1e6);
