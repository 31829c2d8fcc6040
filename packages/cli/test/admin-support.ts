// Shared fixtures of the admin-command tests: a real DM Server REST API on 127.0.0.1 (port 0) with the real
// Data Repository, Web Server Component and notifier (UDP), and a way to run `omadm …` in-process with its
// output and exit code captured. The server's parts come from its sources by path (the API plugin and the
// services it takes are internal), all of them, so that one copy of each module (and of ServerError) is loaded.
import { randomBytes } from "node:crypto";
import { Command, CommanderError } from "commander";
import Fastify, { type FastifyInstance } from "fastify";
import { edgeServerOptions, installHttpEdge } from "../../server/src/edge/http-edge.js";
import { apiPlugin, type ApiPluginOptions } from "../../server/src/api/api-plugin.js";
import { createNotifier } from "../../server/src/notifier/notifier.js";
import { createUdpNotificationSender } from "../../server/src/notifier/transports/udp-notification-sender.js";
import type { NotificationSender } from "../../server/src/notifier/transports/notification-sender.js";
import { createRepositoryService } from "../../server/src/repository/service.js";
import { createMemoryStore } from "../../server/src/store/memory-store.js";
import type { Store } from "../../server/src/store/store.js";
import { createUiService } from "../../server/src/ui/service.js";
import type { AdminDeps } from "../src/admin/context.js";
import { registerAdminCommands } from "../src/admin/index.js";

export const PUBLIC_BASE = "https://dm.example.com";

/** Silent notifier logger (the tests read outcomes from the API, not from logs). */
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

export interface TestServer {
  readonly url: string;
  readonly store: Store;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export async function startServer(options: Partial<ApiPluginOptions> = {}): Promise<TestServer> {
  let now = Date.UTC(2026, 0, 1, 12);
  const clock = { now: () => (now += 1000) };
  const store = createMemoryStore({ clock });
  const sender: NotificationSender = createUdpNotificationSender({ logger: quiet });
  const app = Fastify(edgeServerOptions());
  installHttpEdge(app);
  await app.register(apiPlugin, {
    store,
    clock,
    repository: createRepositoryService({ store }, { publicBaseUrl: PUBLIC_BASE }),
    uiSessions: createUiService({ store, clock, random: randomBytes }, { publicBaseUrl: PUBLIC_BASE }),
    notifier: createNotifier({ store, senders: sender, clock, logger: quiet }, { serverId: "dm.example" }),
    ...options,
  });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    url,
    store,
    app,
    async close() {
      await app.close();
      await sender.close();
      await store.close();
    },
  };
}

export interface CliResult {
  readonly out: string;
  readonly err: string;
  readonly exitCode: number;
}

/** Runs `omadm <args>` in-process against `server` (OMADM_SERVER_URL), capturing stdout, stderr, exit code. */
export async function omadm(
  server: string,
  args: readonly string[],
  extra: { env?: Record<string, string>; fetchLike?: AdminDeps["fetchLike"] } = {},
): Promise<CliResult> {
  let out = "";
  let err = "";
  let exitCode = 0;
  const program = new Command("omadm")
    .exitOverride()
    .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerAdminCommands(program, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    setExitCode: (code) => (exitCode = code),
    env: { OMADM_SERVER_URL: server, ...extra.env },
    fetchLike: extra.fetchLike,
  });
  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    exitCode = error.exitCode;
  }
  return { out, err, exitCode };
}
