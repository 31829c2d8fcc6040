// `omadm` from the sources, for tests that run the CLI as a child process:
//   node --import tsx --conditions=@omadm/source run-omadm.ts <args…>
import { main } from "../../src/main.js";

await main(process.argv);
