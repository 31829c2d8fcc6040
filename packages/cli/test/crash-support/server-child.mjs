// The crash test's server process: `omadm server` from the built dist (crash-run.ts checks the build once,
// through the bin, before the first start), so that a source edit during a long run never makes a start
// rebuild. Configured by its environment (OMADM_* variables).
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../../dist/main.js", import.meta.url));
const { main: run } = await import(main);
await run([process.argv[0], "omadm", "server"]);
