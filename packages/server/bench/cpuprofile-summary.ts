// A short reading of a V8 CPU profile (`--cpu-prof` output, e.g. from `npm run bench:server -- --cpu-prof
// <dir>`): the functions with the most self time, and the files and packages with the most inclusive time.
//
//   npx tsx packages/server/bench/cpuprofile-summary.ts <file.cpuprofile> [top=25] [skip-seconds=0]
//
// skip-seconds leaves out the first samples (module loading and start-up) so the steady state shows.
import { readFileSync } from "node:fs";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

function where(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, "");
  const short = url.includes("node_modules/")
    ? url.slice(url.lastIndexOf("node_modules/") + 13)
    : url.replace(/^.*\/packages\//, "packages/");
  return `${frame.functionName || "(anonymous)"} ${short}:${frame.lineNumber + 1}`;
}

/** "packages/server/src/store", "kysely", "node:internal/…", or the special V8 names. */
function area(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, "");
  if (url === "") return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  if (url.includes("node_modules/")) {
    const rest = url.slice(url.lastIndexOf("node_modules/") + 13).split("/");
    return rest[0]?.startsWith("@") === true ? `${rest[0]}/${rest[1] ?? ""}` : (rest[0] ?? url);
  }
  const m = /packages\/([^/]+)\/src\/([^/]+)/.exec(url);
  if (m !== null) return `packages/${m[1] ?? ""}/src/${(m[2] ?? "").replace(/\.ts$/, "")}`;
  return url.startsWith("node:") ? url.split("/").slice(0, 2).join("/") : url;
}

function main(): void {
  const [file, topArg, skipArg] = process.argv.slice(2);
  if (file === undefined) throw new Error("usage: cpuprofile-summary.ts <file.cpuprofile> [top]");
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const skipUs = Number(skipArg ?? 0) * 1e6;
  const self = new Map<number, number>();
  let elapsed = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    elapsed += delta;
    if (elapsed >= skipUs) self.set(id, (self.get(id) ?? 0) + delta);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);

  const selfByFn = new Map<string, number>();
  const inclusiveByArea = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (node === undefined) continue;
    selfByFn.set(where(node.callFrame), (selfByFn.get(where(node.callFrame)) ?? 0) + us);
    // Inclusive time per area: count each area once per sample stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (n === undefined) break;
      const a = area(n.callFrame);
      if (!seen.has(a)) {
        seen.add(a);
        inclusiveByArea.set(a, (inclusiveByArea.get(a) ?? 0) + us);
      }
    }
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
  console.log("self time:");
  for (const [name, us] of [...selfByFn].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${pct(us)}  ${name}`);
  console.log("inclusive time by area:");
  for (const [name, us] of [...inclusiveByArea].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${pct(us)}  ${name}`);
  }
}

main();
