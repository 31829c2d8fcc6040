// The state directory of one device (docs/client-state.md): owner-only (0700), holding the state document, its
// temporary file, the lock file and the daemon's control socket. One process at a time changes the state: the
// daemon for as long as it runs, or one `omadm client` command while no daemon runs; the others talk to the
// daemon over the control socket. Node has no flock(2), so the lock is a file created with O_EXCL holding the
// owner's pid; a lock whose pid no longer runs (the owner was killed) is stale and is taken over.
import { chmod, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { errorMessage } from "@omadm/protocol";
import { DmClientError, DmClientErrorCode } from "../dm-client/dm-client-error.js";

export const STATE_FILE = "state.json";
export const LOCK_FILE = "lock";
export const CONTROL_SOCKET = "control.sock";
/** A lock-breaker file older than this belongs to a process that died while breaking a stale lock. */
const BREAKER_STALE_MS = 5_000;

export interface StateDirLayout {
  readonly dir: string;
  readonly stateFile: string;
  readonly lockFile: string;
  readonly controlSocket: string;
}

export function stateDirLayout(dir: string): StateDirLayout {
  return {
    dir,
    stateFile: join(dir, STATE_FILE),
    lockFile: join(dir, LOCK_FILE),
    controlSocket: join(dir, CONTROL_SOCKET),
  };
}

/** Creates the directory if needed and makes it owner-only: the state holds the accounts' secrets. */
export async function prepareStateDir(dir: string): Promise<StateDirLayout> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  return stateDirLayout(dir);
}

export interface StateLock {
  readonly path: string;
  /** Removes the lock file if it is still ours; idempotent. */
  release(): Promise<void>;
}

export interface LockHolder {
  readonly pid: number;
  readonly role: string;
}

function isCode(e: unknown, code: string): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === code;
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return isCode(e, "EPERM");
  }
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if (isCode(e, "ENOENT")) return undefined;
    throw e;
  }
  try {
    const o = JSON.parse(text) as { pid?: unknown; role?: unknown };
    if (typeof o.pid === "number" && Number.isSafeInteger(o.pid) && o.pid > 0) {
      return { pid: o.pid, role: typeof o.role === "string" ? o.role : "unknown" };
    }
  } catch {
    // A lock file cut short by a crash during its creation: treated as stale below.
  }
  return { pid: 0, role: "unknown" };
}

/** The live holder of the lock, if any. */
export async function lockHolder(layout: StateDirLayout): Promise<LockHolder | undefined> {
  const h = await readHolder(layout.lockFile);
  return h !== undefined && h.pid > 0 && processAlive(h.pid) ? h : undefined;
}

/**
 * Takes the state directory's lock for this process, or fails with LOCKED naming the live holder. `role` says who
 * holds it ("daemon", "command") for the message another process prints.
 */
export async function acquireStateLock(layout: StateDirLayout, role: string): Promise<StateLock> {
  const content = JSON.stringify({ pid: process.pid, role });
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const fh = await open(layout.lockFile, "wx", 0o600);
      try {
        await fh.writeFile(content);
        await fh.sync();
      } finally {
        await fh.close();
      }
      return ownedLock(layout.lockFile, content);
    } catch (e) {
      if (!isCode(e, "EEXIST")) {
        throw new DmClientError(DmClientErrorCode.STATE, `cannot create ${layout.lockFile}: ${errorMessage(e)}`, e);
      }
    }
    const holder = await readHolder(layout.lockFile);
    if (holder !== undefined && holder.pid > 0 && processAlive(holder.pid)) {
      const message = `the state in ${layout.dir} is in use by process ${holder.pid} (${holder.role})`;
      throw new DmClientError(DmClientErrorCode.LOCKED, message);
    }
    if (holder !== undefined) await breakStaleLock(layout, holder);
  }
  throw new DmClientError(DmClientErrorCode.LOCKED, `the lock ${layout.lockFile} keeps changing hands`);
}

/**
 * Removes a stale lock. Two processes may find the same stale lock; a breaker file created with O_EXCL lets only
 * one of them remove it, and it re-reads the lock first so that it never removes a lock taken meanwhile.
 */
async function breakStaleLock(layout: StateDirLayout, stale: LockHolder): Promise<void> {
  const breaker = `${layout.lockFile}.break`;
  try {
    const fh = await open(breaker, "wx", 0o600);
    await fh.close();
  } catch (e) {
    if (!isCode(e, "EEXIST")) throw e;
    const s = await stat(breaker).catch(() => undefined);
    if (s !== undefined && Date.now() - s.mtimeMs > BREAKER_STALE_MS) await rm(breaker, { force: true });
    else await delay(20); // another process is breaking it right now
    return;
  }
  try {
    const now = await readHolder(layout.lockFile);
    if (now !== undefined && now.pid === stale.pid && !(now.pid > 0 && processAlive(now.pid))) {
      // Renamed aside, not removed, so that a reader never sees a half-removed file.
      const aside = `${layout.lockFile}.stale`;
      await rename(layout.lockFile, aside);
      await rm(aside, { force: true });
    }
  } finally {
    await rm(breaker, { force: true });
  }
}

function ownedLock(path: string, content: string): StateLock {
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      const now = await readFile(path, "utf8").catch(() => undefined);
      if (now === content) await rm(path, { force: true });
    },
  };
}
