// The SQLite store holds secrets (notification secrets, PSK keys, HA1 digests, token hashes): its directory is
// created 0700 and its file 0600, whatever the umask, so other local users can read neither. SQLite gives the
// `-wal` and `-shm` files the mode of the database file. An existing database file is narrowed to 0600; an
// existing directory is left as the operator made it.
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and its parents) 0700 if missing. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Creates `file` 0600 if missing, and narrows it to 0600 if it exists. */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, "a", PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
}
