// docs/protocol.md is what the code cites. Its section numbers are fixed (§0–§18 with the subsections below),
// every citation anywhere in the repository — `docs/protocol.md §4.4`, or a bare `§4.4` in a comment, which
// means the same document — must name a section it has, and a cited step (`§2.7 step 1`, `§10 rule 7`) must be a
// numbered item of that section. The worked Package#0 example in §2.6 must be what the encoder produces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { signNotification } from "@omadm/protocol";
import { repositoryFiles } from "./repository-files.js";

const root = new URL("..", import.meta.url).pathname;
const PROTOCOL = "docs/protocol.md";
const protocolText = readFileSync(join(root, PROTOCOL), "utf8");

/** The numbering the code was written against; changing it breaks every citation. */
const EXPECTED_SECTIONS = [
  ["0", ["0.1", "0.2", "0.3"]],
  ["1", ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6"]],
  ["2", ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7"]],
  ["3", ["3.1", "3.2", "3.3", "3.4", "3.5"]],
  ["4", ["4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "4.8", "4.9", "4.10", "4.11", "4.12"]],
  ["5", []],
  ["6", ["6.1", "6.2", "6.3"]],
  ["7", ["7.1", "7.2"]],
  ["8", ["8.1", "8.2", "8.3"]],
  ["9", ["9.1", "9.2", "9.3", "9.4"]],
  ["10", []],
  ["11", ["11.1", "11.2", "11.3"]],
  ["12", []],
  ["13", ["13.1", "13.2", "13.3", "13.4"]],
  ["14", []],
  ["15", []],
  ["16", []],
  ["17", []],
  ["18", []],
] as const;

interface Section {
  readonly number: string;
  /** The numbers of the section's own top-level numbered list items (`1.`, `2.` … at the start of a line). */
  readonly items: ReadonlySet<number>;
}

function parseSections(text: string): Map<string, Section> {
  const sections = new Map<string, Section>();
  let current: { number: string; items: Set<number> } | undefined;
  let fenced = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    if (fenced) continue;
    const heading = /^#{2,3} (\d+(?:\.\d+)?)\.? /.exec(line);
    if (heading?.[1] !== undefined) {
      current = { number: heading[1], items: new Set() };
      sections.set(current.number, current);
      continue;
    }
    const item = /^(\d+)\. /.exec(line);
    if (item?.[1] !== undefined && current !== undefined) current.items.add(Number(item[1]));
  }
  return sections;
}

const sections = parseSections(protocolText);

test("docs/protocol.md has exactly the sections §0–§18 the code is numbered against, in order", () => {
  const expected = EXPECTED_SECTIONS.flatMap(([top, subs]) => [top, ...subs]);
  assert.deepEqual([...sections.keys()], expected);
});

/** Words that make a `§` citation someone else's (an RFC, the OMA specifications, MQTT, …). */
const FOREIGN = /RFC|6265bis|DM 2\.0|DM 1\.\d|OMA|MQTT|TND|Representation Protocol|Appendix/;

interface Citation {
  readonly file: string;
  readonly line: number;
  readonly section: string;
  readonly text: string;
  /** `step`/`rule` numbers cited with it, if any. */
  readonly items: readonly number[];
}

function citations(): Citation[] {
  const out: Citation[] = [];
  for (const file of repositoryFiles(root)) {
    if (file === "CHANGELOG.md") continue; // history: entries describe the numbering of their day
    const lines = readFileSync(join(root, file), "utf8").split("\n");
    for (const [i, line] of lines.entries()) {
      for (const m of line.matchAll(/§(\d+(?:\.\d+)*)(?:\s+(?:step|rule|item)s?\s+(\d+)(?:\s*[–-]\s*(\d+))?)?/g)) {
        const section = m[1] ?? "";
        const before = line.slice(0, m.index);
        const explicit = before.endsWith(`${PROTOCOL} `) || before.endsWith("protocol.md ");
        // A bare citation belongs to the clause it sits in: from the last `;`, `(` or sentence start on.
        const clause = before.slice(Math.max(before.lastIndexOf(";"), before.lastIndexOf("("), 0));
        if (!explicit && FOREIGN.test(clause)) continue;
        const first = m[2] === undefined ? undefined : Number(m[2]);
        const last = m[3] === undefined ? first : Number(m[3]);
        const items: number[] = [];
        if (first !== undefined && last !== undefined) for (let n = first; n <= last; n++) items.push(n);
        out.push({ file, line: i + 1, section, text: m[0], items });
      }
    }
  }
  return out;
}

test("every docs/protocol.md citation in the repository names a section the document has", () => {
  const all = citations();
  assert.ok(all.length > 500, `expected hundreds of citations, found ${all.length}`);
  const missing = all.filter((c) => !sections.has(c.section)).map((c) => `${c.file}:${c.line} ${c.text}`);
  assert.deepEqual(missing, [], "citations of sections docs/protocol.md does not have");
});

test("every cited step or rule is a numbered item of its section", () => {
  const cited = citations().filter((c) => c.items.length > 0);
  assert.ok(cited.length > 10, `expected step citations, found ${cited.length}`);
  const missing = cited
    .filter((c) => c.items.some((n) => sections.get(c.section)?.items.has(n) !== true))
    .map((c) => `${c.file}:${c.line} ${c.text}`);
  assert.deepEqual(missing, [], "steps the cited section does not number");
});

test("the worked Package#0 example of §2.6 is what signNotification produces", () => {
  const block = /<!-- p0-example[^>]*-->\s*```\n([0-9A-F ]+)\n```/.exec(protocolText);
  assert.ok(block?.[1] !== undefined, "the p0-example block is missing from §2.6");
  const bytes = signNotification(
    { serverId: "omadm", notificationId: 7, digest: new Uint8Array(32), reqMos: true, unknownOptions: [] },
    {
      secret: new TextEncoder().encode("example-notification-secret"),
      authData: new TextEncoder().encode("IMEI:359000000000001"),
    },
  );
  const hex = Buffer.from(bytes)
    .toString("hex")
    .toUpperCase()
    .replace(/(..)(?!$)/g, "$1 ");
  assert.equal(block[1], hex);
});
