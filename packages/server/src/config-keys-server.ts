// Configuration keys (config-keys.ts): where the server listens and who it is, its store, the DM endpoint
// (docs/protocol.md §1) and the HTTP server's limits and time-outs.
import { anyUrl, bool, httpUrl, int, nullable, oneOf, text } from "./config-values.js";
import { type ConfigPath, type KeyTable, StoreChoice } from "./config-types.js";

export const SERVER_KEYS = {
  "listen.host": {
    type: text,
    default: "127.0.0.1",
    description: "Address the HTTP(S) server listens on; `0.0.0.0` or `::` listens on every interface.",
  },
  "listen.port": { type: int(0, 65535), default: 8080, description: "TCP port; 0 picks a free one at start." },
  publicBaseUrl: {
    type: nullable(httpUrl(true)),
    default: null,
    defaultText: "derived: `http(s)://<listen.host>:<listen.port>`",
    description:
      "The absolute URL devices and browsers reach this server at (a path prefix is allowed, no query). CONT, " +
      "Data Repository and SHOW URLs are built on it. Set it behind a reverse proxy and when listening on a " +
      "wildcard address.",
  },
  dataDir: {
    type: text,
    default: "./data",
    description: "Directory of the SQLite store (`omadm.sqlite` with its `-wal` and `-shm` files); created if missing.",
  },
  serverId: {
    type: text,
    default: "omadm",
    description: "SERVER-ID sent in Package#0: this server's `SrvID` in the devices' DM Accounts.",
  },
  nodeId: {
    type: nullable(text),
    default: null,
    defaultText: "derived: `<host name>-<process id>-<random>`",
    description:
      "This server node's name among the nodes sharing one store: the holder of the leases under which the " +
      'sweep and retention run once per fleet (docs/operations.md "Several nodes"). Unique per running process.',
  },
  "store.kind": {
    type: oneOf(Object.values(StoreChoice)),
    default: StoreChoice.Sqlite,
    description:
      "Where the state is kept: `sqlite` (one file in dataDir), `postgres` (shared by several server nodes) or " +
      "`memory` (lost at exit; for tests).",
  },
  "store.postgresUrl": {
    type: nullable(anyUrl),
    default: null,
    description:
      "PostgreSQL connection string for `store.kind: postgres`, e.g. `postgres://omadm@db.example.net/omadm`. " +
      "Keep a password out of it: the PostgreSQL client also reads `PGPASSWORD` and `~/.pgpass`.",
  },
  "store.postgresPreparedStatements": {
    type: bool,
    default: true,
    description:
      "Send repeated queries as named prepared statements, which each connection parses and plans once. Turn " +
      "off behind a connection pooler that cannot keep them per client (PgBouncer in transaction mode before " +
      "1.21, or without `max_prepared_statements`).",
  },
  "store.postgresMaxConnections": {
    type: int(1, 1000),
    default: 10,
    description:
      "Most PostgreSQL connections this node keeps open (its pool). Every node, and every `--workers` process, " +
      "has a pool of its own: keep nodes × this under PostgreSQL's `max_connections`. More than the database " +
      "server has cores to serve them adds contention, not throughput.",
  },
  "dm.batchSize": { type: int(1, 1000), default: 20, description: "Most queued commands sent in one Package#2." },
  "dm.idleTimeoutMs": {
    type: int(1000, 86_400_000),
    default: 600_000,
    description:
      "How long a DM session waits for the device's next Package#3; then it is closed as expired and its " +
      "in-flight commands are queued again.",
  },
  "dm.bodyLimitBytes": {
    type: int(1024, 1 << 30),
    default: 1_048_576,
    description: "Largest Package#1 or Package#3 body accepted (413 above).",
  },
  "dm.autoRegister": {
    type: bool,
    default: true,
    description:
      "Register an unknown device at its first Package#1. `false`: only devices added beforehand " +
      "(`omadm devices add`) are admitted.",
  },
  "dm.maxDeliveries": {
    type: int(1, 100),
    default: 3,
    description:
      "How many times in all an at-least-once command is sent when it gets no answer; then it ends `failed` " +
      "(docs/delivery.md). Applies to commands queued after a change.",
  },
  "dm.maxOpenSessions": {
    type: int(1, 10_000_000),
    default: 1000,
    description:
      "Most DM sessions open at once on this node. Over it a new Package#1 gets 503 with Retry-After; the " +
      "Package#3s of open sessions are still served.",
  },
  "dm.maxAlertsPerPackage": {
    type: int(1, 100_000),
    default: 1000,
    description: "Most Generic Alerts in one Package#1 or Package#3 (413 naming the limit above).",
  },
  "http.requestTimeoutMs": {
    type: int(1000, 3_600_000),
    default: 20_000,
    description:
      "The whole request, headers and body, must arrive within this; a slower (trickling) request is cut " +
      "with 408 and its connection closed.",
  },
  "http.headersTimeoutMs": {
    type: int(1000, 3_600_000),
    default: 10_000,
    description: "The request headers must arrive within this (at most http.requestTimeoutMs).",
  },
  "http.keepAliveTimeoutMs": {
    type: int(100, 3_600_000),
    default: 5_000,
    description: "An idle kept-alive connection is closed after this.",
  },
  "http.idleTimeoutMs": {
    type: int(1000, 3_600_000),
    default: 60_000,
    description: "A connection with no traffic in either direction is closed after this.",
  },
  "http.maxConnections": {
    type: int(1, 10_000_000),
    default: 4096,
    description: "Most simultaneous HTTP connections; further connections are closed at accept.",
  },
  "http.maxEventLoopDelayMs": {
    type: int(0, 60_000),
    default: 1000,
    description:
      "Shed load while the mean event-loop delay exceeds this: requests other than a Package#3 of an open " +
      "session get 503 with Retry-After. 0: never.",
  },
  "http.retryAfterSeconds": {
    type: int(1, 3600),
    default: 5,
    description: "Base of the Retry-After of a 503; each answer adds up to as much again of random jitter.",
  },
} satisfies Partial<KeyTable<ConfigPath>>;
