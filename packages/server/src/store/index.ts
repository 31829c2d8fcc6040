// The store layer's public surface: the interface, its records, the implementations and their options.
export * from "./types.js";
export * from "./types-session.js";
export * from "./types-content.js";
export * from "./store.js";
export { createMemoryStore, type MemoryStoreOptions } from "./memory-store.js";
export { MemoryStoreData } from "./memory-context.js";
export { openSqliteStore, SQLITE_FILE_NAME, SqliteSynchronous, type SqliteStoreOptions } from "./sqlite.js";
export { openPostgresStore, type PostgresStoreOptions } from "./postgres.js";
