// Real `omadm server` processes for the several-nodes tests: spawned from the build (brought up to date once,
// as the crash test does: a start from the sources under tsx takes many seconds), their JSON log lines collected, their start awaited on the printed `base` URL (with a deadline), stopped or killed by pid.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "../../../..");
const OMADM_BIN = join(HERE, "../../bin/omadm.mjs");
let built = false;

/** The bin rebuilds a stale build of the workspace first: once per test process. */
function ensureBuild(): void {
  if (built) return;
  const result = spawnSync(process.execPath, [OMADM_BIN, "--version"], { encoding: "utf8", timeout: 300_000 });
  if (result.status !== 0) throw new Error(`omadm --version failed (build?): ${result.stderr}`);
  built = true;
}

export interface NodeProcess {
  readonly child: ChildProcess;
  readonly base: string;
  /** Every stdout line so far (pino JSON lines and the printed URLs). */
  readonly lines: string[];
  /** Resolves with the first line (so far or later) `match` accepts; rejects after `ms`. */
  waitFor(match: (line: string) => boolean, ms: number): Promise<string>;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a node that dies without a word. */
  kill(): Promise<void>;
}

export async function startNode(args: readonly string[], env: Record<string, string>): Promise<NodeProcess> {
  ensureBuild();
  const child = spawn(process.execPath, [join(HERE, "server-node.mjs"), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const watchers = new Set<(line: string) => void>();
  let partial = "";
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  child.stdout.on("data", (c: Buffer) => {
    partial += c.toString();
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (const w of [...watchers]) w(line);
    }
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      resolve(code);
    }),
  );
  const waitFor = (match: (line: string) => boolean, ms: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const seen = lines.find(match);
      if (seen !== undefined) {
        resolve(seen);
        return;
      }
      const watcher = (line: string): void => {
        if (!match(line)) return;
        clearTimeout(timer);
        watchers.delete(watcher);
        resolve(line);
      };
      const timer = setTimeout(() => {
        watchers.delete(watcher);
        reject(new Error(`no matching line within ${ms} ms; stdout:\n${lines.join("\n")}\nstderr:\n${stderr}`));
      }, ms);
      watchers.add(watcher);
      void exited.then(() => {
        if (!watchers.has(watcher)) return;
        clearTimeout(timer);
        watchers.delete(watcher);
        reject(new Error(`the server exited; stdout:\n${lines.join("\n")}\nstderr:\n${stderr}`));
      });
    });
  let baseLine: string;
  try {
    baseLine = await waitFor((l) => /^\s+base\s+http/.test(l), 60_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const base = baseLine.trim().split(/\s+/)[1] ?? "";
  return {
    child,
    base,
    lines,
    waitFor,
    stop: () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
