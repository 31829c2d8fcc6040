// The node options that load a bench's child process (a server under test) under tsx: from the TypeScript
// sources by default (the `@omadm/source` export condition), or from the built packages with `built`
// (scripts/built-sources.mjs maps every packages/<name>/src module to its dist/ build), which is the code as it
// ships and gives CPU and heap profiles real line numbers.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BUILT_SOURCES = join(dirname(dirname(fileURLToPath(import.meta.url))), "scripts", "built-sources.mjs");

export function sourceLoaderArgs(built: boolean): string[] {
  return built ? ["--import", "tsx", "--import", BUILT_SOURCES] : ["--import", "tsx", "--conditions=@omadm/source"];
}
