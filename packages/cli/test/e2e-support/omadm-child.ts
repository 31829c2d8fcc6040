// Runs `omadm <args>` as a child process (from the sources, under tsx) and collects its standard output by
// lines, so a test can wait for the lines it expects with a deadline. `stop()` ends that one child by its pid.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const RUNNER = fileURLToPath(new URL("./run-omadm.ts", import.meta.url));

export interface OmadmChild {
  readonly lines: readonly string[];
  readonly stderr: () => string;
  /** Resolves with the lines once `check` holds; rejects after `ms` naming `what` and what was printed. */
  waitFor(check: (lines: readonly string[]) => boolean, what: string, ms?: number): Promise<readonly string[]>;
  stop(): Promise<void>;
}

export function startOmadm(args: readonly string[], env: Record<string, string>): OmadmChild {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@omadm/source", RUNNER, ...args],
    {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const lines: string[] = [];
  let partial = "";
  let err = "";
  const waiters = new Set<() => void>();
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    partial += chunk;
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
    for (const w of [...waiters]) w();
  });
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => (err += chunk));
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      resolve();
    });
  });
  return {
    lines,
    stderr: () => err,
    waitFor(check, what, ms = 15_000) {
      if (check(lines)) return Promise.resolve(lines);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(onLine);
          reject(new Error(`timed out waiting for ${what}; stdout: ${JSON.stringify(lines)}; stderr: ${err}`));
        }, ms);
        const onLine = () => {
          if (!check(lines)) return;
          clearTimeout(timer);
          waiters.delete(onLine);
          resolve(lines);
        };
        waiters.add(onLine);
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
