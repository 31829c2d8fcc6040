// Every documentation file with generated content, and what it must contain now. Pure apart from the injected
// `read` (the hand-written parts of a document are kept; only its generated blocks are replaced). JSON goes
// through Prettier with the repository's settings, so `npm run lint` accepts what this writes.
import { format, resolveConfig } from "prettier";
import { commandsDocBlocks } from "./commands-doc.js";
import { DEVICE_CONFIG_SCHEMA_PATH, deviceConfigDocBlocks, deviceConfigJsonSchema } from "./device-config-doc.js";
import { fillBlocks } from "./markdown.js";
import { SERVER_CONFIG_SCHEMA_PATH, serverConfigDocBlocks, serverConfigJsonSchema } from "./server-config-doc.js";

export interface GeneratedFile {
  /** Repository-relative path. */
  readonly path: string;
  readonly content: string;
}

async function json(path: string, text: string): Promise<GeneratedFile> {
  const options = (await resolveConfig(path)) ?? {};
  return { path, content: await format(text, { ...options, filepath: path }) };
}

export async function generatedFiles(read: (path: string) => string): Promise<GeneratedFile[]> {
  const filled = (path: string, blocks: Map<string, string>): GeneratedFile => ({
    path,
    content: fillBlocks(read(path), blocks, path),
  });
  return [
    filled("docs/commands.md", commandsDocBlocks()),
    filled("docs/device-config.md", deviceConfigDocBlocks()),
    filled("docs/server-config.md", serverConfigDocBlocks()),
    await json(DEVICE_CONFIG_SCHEMA_PATH, deviceConfigJsonSchema()),
    await json(SERVER_CONFIG_SCHEMA_PATH, serverConfigJsonSchema()),
  ];
}
