// The web console's page and assets (docs/console.md), served by the server itself at `/`: no CDN, nothing
// fetched from elsewhere. The build (`npm run build`, scripts/build-console.mjs) bundles the console into
// packages/server/dist/console-app/ — index.html and content-hashed .js/.css files — which ships in the package
// like the rest of dist/. They are read once when the server composes, kept in memory with a gzip copy, and
// served with a strict Content-Security-Policy (only this origin; no inline script).
//   GET /                         index.html (no-cache: it names the current hashed assets)
//   GET /console/assets/<file>    an asset (immutable: its name changes with its content)
// Without a build the page says how to make one (503) instead of failing the server's start.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export const CONSOLE_ASSETS_PREFIX = "/console/assets/";
/** Where the build puts the console, from this module in src/console/ or dist/console/ alike. */
export const CONSOLE_BUILD_DIR = new URL("../../dist/console-app/", import.meta.url);

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

interface Asset {
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly type: string;
}

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** The built console's files by name; empty when there is no build. */
export function loadConsoleAssets(dir: URL = CONSOLE_BUILD_DIR): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  for (const name of readdirSync(dir)) {
    const type = TYPES[name.slice(name.lastIndexOf("."))];
    if (type === undefined) continue;
    const body = readFileSync(new URL(name, dir));
    assets.set(name, { body, gzip: gzipSync(body, { level: 9 }), type });
  }
  return assets;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, cache: string): FastifyReply {
  const accepts = request.headers["accept-encoding"] ?? "";
  const gzip = /\bgzip\b/.test(Array.isArray(accepts) ? accepts.join(",") : accepts);
  void reply
    .header("content-type", asset.type)
    .header("cache-control", cache)
    .header("vary", "accept-encoding")
    .header("x-content-type-options", "nosniff");
  if (gzip) void reply.header("content-encoding", "gzip");
  return reply.send(gzip ? asset.gzip : asset.body);
}

export interface ConsoleAssetsOptions {
  readonly assets: ReadonlyMap<string, Asset>;
}

export function consoleAssetsPlugin(app: FastifyInstance, options: ConsoleAssetsOptions): Promise<void> {
  const { assets } = options;
  app.get("/", async (request, reply) => {
    const index = assets.get("index.html");
    if (index === undefined) {
      return reply
        .code(503)
        .type("text/plain; charset=utf-8")
        .send("The web console is not built: run `npm run build` in the omadm checkout.\n");
    }
    void reply
      .header("content-security-policy", CONSOLE_CSP)
      .header("x-frame-options", "DENY")
      .header("referrer-policy", "no-referrer");
    return send(request, reply, index, "no-cache");
  });
  app.get<{ Params: { file: string } }>(`${CONSOLE_ASSETS_PREFIX}:file`, async (request, reply) => {
    const asset = request.params.file === "index.html" ? undefined : assets.get(request.params.file);
    if (asset === undefined) {
      return reply.code(404).type("text/plain; charset=utf-8").send("no such console asset\n");
    }
    return send(request, reply, asset, "public, max-age=31536000, immutable");
  });
  return Promise.resolve();
}
