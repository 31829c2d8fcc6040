#!/usr/bin/env node
// The `omadm` command. The packages ship TypeScript sources (no build step); tsx compiles them on load.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
await main(process.argv);
