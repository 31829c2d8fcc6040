// The server child of `npm run bench:fleet`: `omadm server` from the sources with the arguments it is given.
import { main } from "../src/main.js";

await main(["node", "omadm", "server", ...process.argv.slice(2)]);
