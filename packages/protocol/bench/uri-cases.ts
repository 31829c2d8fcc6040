// Ready-to-run closures for benchmarking ClientURI parsing and resolution (docs/protocol.md §6.1). The runner
// (mitata) measures them; the tree is an in-memory TreeView of 10,000 nodes (100 instances × 100 nodes).
// Every closure throws on an unexpected result, so a broken build cannot benchmark well.
import type { TreeNodeView, TreeView } from "../src/tree-view.js";
import { parseClientUri, type ClientUri } from "../src/uri/client-uri.js";
import { resolveClientUri } from "../src/uri/resolve.js";

export const BENCH_MOID = "urn:oma:mo:acme-sensor:1.0";

/** A minimal in-memory node: children kept in a Map for O(1) `child()`. */
class BenchNode implements TreeNodeView {
  readonly name: string;
  readonly isLeaf: boolean;
  readonly #value: string | undefined;
  readonly #kids = new Map<string, BenchNode>();

  constructor(name: string, value?: string) {
    this.name = name;
    this.isLeaf = value !== undefined;
    this.#value = value;
  }

  add(node: BenchNode): BenchNode {
    this.#kids.set(node.name, node);
    return node;
  }

  children(): Iterable<TreeNodeView> {
    return this.#kids.values();
  }

  child(name: string): TreeNodeView | undefined {
    return this.#kids.get(name);
  }

  value(): string | undefined {
    return this.#value;
  }
}

export interface BenchTree extends TreeView {
  /** Total number of nodes, roots included. */
  readonly nodeCount: number;
}

/**
 * Builds `instances` acme-sensor instances `i0`…: each root has ID (`id<i>`), Setting (`0x<i % 16>`) and
 * Data/<j>/{Date, Value}; with the defaults every instance has 4 + 32 × 3 = 100 nodes, 10,000 in all.
 */
export function buildUriBenchTree(instances = 100, dataEntries = 32): BenchTree {
  const roots = new Map<string, BenchNode>();
  let nodeCount = 0;
  for (let i = 0; i < instances; i++) {
    const root = new BenchNode("Sensor");
    root.add(new BenchNode("ID", `id${i}`));
    root.add(new BenchNode("Setting", `0x${(i % 16).toString(16)}`));
    const data = root.add(new BenchNode("Data"));
    nodeCount += 4;
    for (let j = 0; j < dataEntries; j++) {
      const entry = data.add(new BenchNode(String(j)));
      entry.add(new BenchNode("Date", `12.${j % 7}`));
      entry.add(new BenchNode("Value", `v${i}.${j}`));
      nodeCount += 3;
    }
    roots.set(`i${i}`, root);
  }
  const miids = [...roots.keys()];
  return {
    nodeCount,
    instances: (moid) => (moid === BENCH_MOID ? miids : []),
    root: (moid, miid) => (moid === BENCH_MOID ? roots.get(miid) : undefined),
  };
}

/** The URIs the cases use: `[text, expected number of resolved nodes]` on the default tree. */
export const URI_BENCH_CASES: readonly (readonly [string, number])[] = [
  [`${BENCH_MOID}/i42/Data/17/Value`, 1],
  [`${BENCH_MOID}/i99/`, 1],
  [`${BENCH_MOID}/i7/Setting`, 1],
  [`${BENCH_MOID}/*/Setting`, 100],
  [`${BENCH_MOID}/i3/Data/*/Value`, 32],
  [`${BENCH_MOID}/(x)/Data/5/Value?nv=(x)/ID:id63`, 1],
  [`${BENCH_MOID}/(x)/Data/(y)/Value?nv=(x)/Setting:0x3&nv=(y)/Date:12.2`, 7 * 5],
  [`${BENCH_MOID}/i0/Data/(y)/Value?nv=(y)/Date:12.0&cv=abc123`, 5],
];

export interface UriCases {
  readonly tree: BenchTree;
  /** Parses every URI in URI_BENCH_CASES once. */
  parse(): void;
  /** Resolves every (pre-parsed) URI in URI_BENCH_CASES once over the 10,000-node tree. */
  resolve(): void;
}

export function createUriCases(tree: BenchTree = buildUriBenchTree()): UriCases {
  const texts = URI_BENCH_CASES.map(([t]) => t);
  const parsed: ClientUri[] = texts.map((t) => {
    const r = parseClientUri(t);
    if (!r.ok) throw r.error;
    return r.value;
  });
  const expected = URI_BENCH_CASES.map(([, n]) => n);
  return {
    tree,
    parse(): void {
      for (const t of texts) {
        if (!parseClientUri(t).ok) throw new Error(`bench: ${t} did not parse`);
      }
    },
    resolve(): void {
      for (let i = 0; i < parsed.length; i++) {
        const uri = parsed[i];
        if (uri === undefined) continue;
        const r = resolveClientUri(uri, tree);
        if (!r.ok || r.value.length !== expected[i]) {
          throw new Error(`bench: ${texts[i] ?? ""} resolved to ${r.ok ? r.value.length : r.error.message}`);
        }
      }
    },
  };
}
