// `node --import <this file>`: appends every module the process resolves through the ESM loader (its own
// imports, and the first import of each CommonJS package) to the file named by OMADM_IMPORT_LOG, one URL a line.
// packages/cli/test/startup-imports.test.ts uses it to see what a command loads.
import { register } from "node:module";

register(
  `data:text/javascript,${encodeURIComponent(`
    import { appendFileSync } from "node:fs";
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      if (process.env.OMADM_IMPORT_LOG) appendFileSync(process.env.OMADM_IMPORT_LOG, resolved.url + "\\n");
      return resolved;
    }
  `)}`,
  import.meta.url,
);
