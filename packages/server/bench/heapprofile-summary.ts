// A short reading of a V8 sampling heap profile (`npm run bench:server -- --heap-prof <dir>`): the functions
// that allocated the most bytes themselves, and the files and packages that allocated the most below them.
//
//   npx tsx packages/server/bench/heapprofile-summary.ts <file.heapprofile> [top=25]
import { readFileSync } from "node:fs";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface HeapNode {
  readonly callFrame: CallFrame;
  /** Bytes sampled as allocated by this frame itself. */
  readonly selfSize: number;
  readonly children: readonly HeapNode[];
}

function where(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, "");
  const at = url.lastIndexOf("node_modules/");
  const short = at >= 0 ? url.slice(at + 13) : url.replace(/^.*\/packages\//, "packages/");
  return short === "" ? "(native)" : short;
}

function main(): void {
  const [file, topArg = "25"] = process.argv.slice(2);
  if (file === undefined) {
    console.error("usage: npx tsx packages/server/bench/heapprofile-summary.ts <file.heapprofile> [top=25]");
    process.exitCode = 2;
    return;
  }
  const top = Number(topArg);
  const root = (JSON.parse(readFileSync(file, "utf8")) as { head: HeapNode }).head;
  const bySelf = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, files: ReadonlySet<string>) => {
    const name = `${node.callFrame.functionName || "(anonymous)"} ${where(node.callFrame)}:${node.callFrame.lineNumber + 1}`;
    const file = where(node.callFrame);
    const below = files.has(file) ? files : new Set([...files, file]);
    total += node.selfSize;
    bySelf.set(name, (bySelf.get(name) ?? 0) + node.selfSize);
    // Inclusive per file: every file on the stack is charged once for what was allocated below it.
    for (const f of below) byFile.set(f, (byFile.get(f) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child, below);
  };
  walk(root, new Set());
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1).padStart(8);
  const pct = (n: number) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
  console.log(`${mb(total)} MB sampled in all`);
  console.log(`top ${top} functions by bytes they allocated themselves:`);
  for (const [name, bytes] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${mb(bytes)} MB ${pct(bytes)}  ${name}`);
  }
  console.log(`top ${top} files by bytes allocated while they were on the stack:`);
  for (const [name, bytes] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${mb(bytes)} MB ${pct(bytes)}  ${name}`);
  }
}

main();
