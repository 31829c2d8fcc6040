// The child process of store-sqlite-crash.test.ts: the real DM Server over a SQLite store in the data directory
// named by argv[2], on 127.0.0.1 port 0. It prints its base URL as one JSON line and runs until it is killed.
import { createOmadmServer } from "../src/app.js";
import { loadServerConfig } from "../src/config.js";
import { openSqliteStore } from "../src/store/sqlite.js";

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error("usage: store-sqlite-crash-support.ts <dataDir>");
const clock = { now: () => Date.now() };
const store = await openSqliteStore({ clock }, { dataDir });
const loaded = loadServerConfig({
  overrides: { listen: { host: "127.0.0.1", port: 0 }, dataDir, logLevel: "silent" },
});
if (!loaded.ok) throw loaded.error;
const { urls } = await createOmadmServer({ store, clock }, loaded.value).start();
process.stdout.write(`${JSON.stringify({ base: urls.base })}\n`);
