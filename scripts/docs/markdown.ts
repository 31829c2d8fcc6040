// Small helpers of the documentation generator: generated blocks inside hand-written Markdown, table cells.

/** Marks a generated block: `<!-- generated:NAME (npm run docs) -->` … `<!-- /generated:NAME -->`. */
const begin = (name: string) => `<!-- generated:${name} (npm run docs; edit the source, not this block) -->`;
const end = (name: string) => `<!-- /generated:${name} -->`;

/** An empty generated block, for a new document (the generator fills it). */
export function generatedBlock(name: string, content = ""): string {
  return `${begin(name)}\n${content === "" ? "" : `${content.trimEnd()}\n\n`}${end(name)}`;
}

/** `text` with each named block replaced by its content. Throws when a block is missing or unclosed. */
export function fillBlocks(text: string, blocks: ReadonlyMap<string, string>, file: string): string {
  let out = text;
  for (const [name, content] of blocks) {
    const start = out.indexOf(begin(name));
    const stop = out.indexOf(end(name));
    if (start < 0 || stop < start) throw new Error(`${file}: the generated block "${name}" is missing`);
    out = out.slice(0, start) + generatedBlock(name, content) + out.slice(stop + end(name).length);
  }
  const stray = /<!-- generated:([^ ]+)/g;
  for (const m of out.matchAll(stray)) {
    if (m[1] !== undefined && !blocks.has(m[1]))
      throw new Error(`${file}: no content for the generated block "${m[1]}"`);
  }
  return out;
}

/** A Markdown table cell: pipes escaped, `<` outside code spans escaped (`<x>` is not HTML), one line. */
export function cell(text: string): string {
  return text
    .split("`")
    .map((part, i) => (i % 2 === 0 ? part.replace(/</g, "&lt;") : part))
    .join("`")
    .replace(/\|/g, "\\|")
    .replace(/\s*\n\s*/g, " ");
}

/** A Markdown table: header row, separator, rows; ends with a newline. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |\n`;
  return line(header) + line(header.map(() => "---")) + rows.map(line).join("");
}

/** A value as inline code (`—` for none). */
export function code(value: unknown): string {
  if (value === undefined || value === null) return "—";
  return `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;
}
