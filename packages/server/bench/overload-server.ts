// The server process of `npm run bench:overload` (forked by overload.bench.ts): the real DM Server from app.ts
// over a memory store (so that the figures measure the edge and the session path, not the disk), with every
// bench device registered and one GET queued for it, so that each session is Package#1 → Package#2 (CONT, GET)
// → Package#3 → Package#2 END. Sends { baseUrl } when listening; on "stop" sends { peakRssMb } and exits.
import { createOmadmServer } from "../src/app.js";
import { loadServerConfig } from "../src/config.js";
import { createMemoryStore } from "../src/store/memory-store.js";

const devices = Number(process.argv[2] ?? "1000");
const maxOpenSessions = Number(process.argv[3] ?? "64");

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

const clock = { now: () => Date.now() };
const store = createMemoryStore({ clock });
for (let i = 0; i < devices; i++) {
  const deviceId = `bench-${i}`;
  await store.devices.create({ id: deviceId });
  await store.commands.enqueue({ deviceId, name: "GET", params: ["urn:oma:mo:oma-dm-devinfo:1.2//DevID"] });
}
const loaded = loadServerConfig({
  overrides: {
    listen: { host: "127.0.0.1", port: 0 },
    components: { notifier: false, api: false, ui: false, repository: false },
    dm: { maxOpenSessions },
    http: { retryAfterSeconds: 1 },
  },
});
if (!loaded.ok) throw loaded.error;
const server = createOmadmServer({ store, clock }, loaded.value);
const { urls } = await server.start();
process.send?.({ baseUrl: urls.base });
process.on("message", (m: unknown) => {
  if (m !== "stop") return;
  void server.stop().then(async () => {
    clearInterval(sampler);
    await store.close();
    process.send?.({ peakRssMb: Math.max(peakRss, process.memoryUsage().rss) / (1024 * 1024) }, undefined, {}, () => {
      process.exit(0);
    });
  });
});
