// The server's environment variables: every configuration key has exactly one, `envName(path)` (config-keys.ts),
// and any other `OMADM_*` variable stops the server with a message naming the closest valid one — a misspelt or
// outdated name must not be silently ignored. A few `OMADM_*` variables belong to other programs and are left
// alone. Pure.

/** `OMADM_*` variables that are not server configuration: the admin commands' and the test suites'. */
export const FOREIGN_VARIABLES: readonly string[] = [
  // `omadm devices|commands|…` (the REST API client), often exported in the same shell as `omadm server`.
  "OMADM_SERVER_URL",
  "OMADM_TOKEN",
  // Replays a fuzz run (test-support/fuzz.ts).
  "OMADM_FUZZ_SEED",
];
/** Prefix of the test suites' variables (test-support/services.ts, scripts/run-tests.mjs). */
export const FOREIGN_PREFIX = "OMADM_TEST_";

/** Whether `name` is an `OMADM_*` variable the server configuration must account for. */
export function isServerVariable(name: string): boolean {
  return name.startsWith("OMADM_") && !name.startsWith(FOREIGN_PREFIX) && !FOREIGN_VARIABLES.includes(name);
}

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/**
 * How far `unknown` is from `known`: the smallest edit distance between it and any run of consecutive words of
 * `known`, plus half a point per word left out. So `OMADM_PORT` is 0.5 from `OMADM_LISTEN_PORT` (a section
 * missing) and `OMADM_NOTIFY_UDP` is 3 from `OMADM_NOTIFIER_UDP` (a misspelling).
 */
function distance(unknown: string, known: string): number {
  const target = unknown.replace(/^OMADM_/, "");
  const words = known.replace(/^OMADM_/, "").split("_");
  let best = Infinity;
  for (let i = 0; i < words.length; i++) {
    for (let j = i + 1; j <= words.length; j++) {
      const dropped = words.length - (j - i);
      best = Math.min(best, editDistance(target, words.slice(i, j).join("_")) + dropped / 2);
    }
  }
  return best;
}

/** The valid name closest to `unknown` (the first of equals, in `known`'s order). */
export function closestName(unknown: string, known: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = distance(unknown, name);
    if (best === undefined || d < best.d) best = { name, d };
  }
  return best?.name;
}
