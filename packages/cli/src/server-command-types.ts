// What `omadm server`'s definition (server-command.ts) and its body (server-run.ts) share, without loading the
// server.
import type { OmadmServer, ServerUrls } from "@omadm/server";

export interface ServerCommandDeps {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Called with a stop function once the server runs; default: stop on SIGINT and SIGTERM. */
  readonly onStarted?: ((running: RunningServer) => void) | undefined;
  readonly setExitCode?: ((code: number) => void) | undefined;
}

export interface RunningServer {
  readonly server: OmadmServer;
  readonly urls: ServerUrls;
  stop(): Promise<void>;
}

export interface ServerFlags {
  readonly config?: string;
  readonly host?: string;
  readonly port?: string;
  readonly dataDir?: string;
  readonly store?: string;
  readonly postgresUrl?: string;
  readonly mqttUrl?: string;
  readonly serverId?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsCa?: string;
  readonly workers?: string;
}
