// Node adapter for registerStandardMos: reads a DDF shipped in the @omadm/protocol package (exported there as
// `@omadm/protocol/ddf/*`). Synchronous, and only when called: nothing is read at import time.
import { readFileSync } from "node:fs";
import type { DdfLoader } from "./standard-ddf.js";

/** Reads `@omadm/protocol/ddf/<fileName>`; throws if the package's DDF files are missing. */
export const readShippedDdf: DdfLoader = (fileName) =>
  readFileSync(new URL(import.meta.resolve(`@omadm/protocol/ddf/${fileName}`)));
