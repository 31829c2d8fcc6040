// Module resolution hooks of built-sources.mjs (they run on Node's loader thread): a module that resolves to
// `<root>/packages/<name>/src/<path>.ts` is loaded from `<root>/packages/<name>/dist/<path>.js`.
import { pathToFileURL } from "node:url";

let prefix = "";

export function initialize(data) {
  prefix = pathToFileURL(data.root).href + "/packages/";
}

const SOURCE = /^([^/]+)\/src\/(.+)\.ts$/;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (!resolved.url.startsWith(prefix)) return resolved;
  const m = SOURCE.exec(resolved.url.slice(prefix.length));
  if (m === null) return resolved;
  return { ...resolved, url: `${prefix}${m[1]}/dist/${m[2]}.js`, format: "module" };
}
