// A server node of the several-nodes tests: `omadm server` from the build (node-process.ts brings it up to date
// once, through the bin) with the arguments it is given, configured further by its environment (OMADM_*).
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../../dist/main.js", import.meta.url));
const { main: run } = await import(main);
await run([process.argv[0], "omadm", "server", ...process.argv.slice(2)]);
