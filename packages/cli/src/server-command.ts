// `omadm server`: the DM Server with every component on, on its embedded SQLite store by default. This file
// defines the command and its options; server-run.ts, imported only when the command runs, loads the
// configuration, opens the store, starts the server and prints where each component is. Keeping the server
// (fastify, the stores, pino) out of the program's start is what lets `omadm --version` and the admin commands
// start fast.
import type { Command } from "commander";
import type { ServerCommandDeps, ServerFlags } from "./server-command-types.js";

export function registerServerCommand(program: Command, deps: ServerCommandDeps): void {
  program
    .command("server")
    .description("run the DM Server (DM endpoint, Data Repository, SHOW pages, REST API, notifier)")
    .option("-c, --config <file>", "JSON configuration file")
    .option("--host <host>", "listen address (default 127.0.0.1)")
    .option("--port <port>", "listen port (default 8080)")
    .option("--data-dir <dir>", "where the SQLite store lives (default ./data)")
    .option("--store <kind>", "sqlite | postgres | memory (default sqlite)")
    .option("--postgres-url <url>", "PostgreSQL connection string (with --store postgres)")
    .option("--mqtt-url <url>", "MQTT broker for Package#0 notifications (e.g. mqtt://127.0.0.1:1883)")
    .option("--server-id <id>", "SERVER-ID sent in Package#0 (the devices' DMAcc SrvID)")
    // docs/protocol.md §11.2: HTTPS for devices; the other tls.* keys (PSK-TLS, TLS 1.1) are in the config file or
    // OMADM_TLS_* variables, and mtls/psk device authentication in deviceAuth.modes (OMADM_DEVICE_AUTH_MODES).
    .option("--tls-cert <file>", "server certificate chain (PEM): listen with HTTPS (tls.certFile)")
    .option("--tls-key <file>", "private key of --tls-cert (PEM) (tls.keyFile)")
    .option("--tls-ca <file>", "CA certificates device certificates must chain to (PEM) (tls.caFile)")
    .option("--workers <n>", "server processes on one port, sharing one PostgreSQL store (default 1)")
    .action(async (flags: ServerFlags) => {
      const { runServerCommand } = await import("./server-run.js");
      await runServerCommand(flags, deps);
    });
}
