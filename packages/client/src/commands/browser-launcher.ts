// The Web Browser Component launcher SHOW uses (docs/protocol.md §4.6): the client starts a browser on
// the ServerURI and goes on with the next command — it waits for the launch only, never for the UI session.
// Pluggable: a device supplies its own; `createSpawnBrowserLauncher` runs a configured command (`xdg-open`, a
// kiosk browser, `chromium --headless …`) as a detached process; `createRecordingBrowserLauncher` is the fake for
// tests and for a device simulator without a screen.
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from "node:child_process";

export interface BrowserLauncher {
  /** Resolves once the browser was started on `serverUri`; rejects when it could not be started. */
  launch(serverUri: string): Promise<void>;
}

/** The part of node:child_process `spawn` the launcher uses (injectable). */
export type SpawnFunction = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface SpawnBrowserLauncherOptions {
  /** Executable to run, e.g. `xdg-open` or `/usr/bin/chromium`. No shell is involved. */
  readonly command: string;
  /**
   * Arguments; each `{url}` is replaced by the ServerURI. Without any `{url}` the ServerURI is appended as the last
   * argument. The URI is always one argv entry, never parsed by a shell.
   */
  readonly args?: readonly string[];
  /** Environment of the browser process (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  readonly spawn?: SpawnFunction;
}

function launchArgs(args: readonly string[], url: string): string[] {
  if (!args.some((a) => a.includes("{url}"))) return [...args, url];
  return args.map((a) => a.split("{url}").join(url));
}

/** A launcher that starts `command` detached: launched = the process was spawned (`spawn` event). */
export function createSpawnBrowserLauncher(options: SpawnBrowserLauncherOptions): BrowserLauncher {
  const spawn: SpawnFunction = options.spawn ?? ((c, a, o) => nodeSpawn(c, [...a], o));
  return {
    launch(serverUri) {
      return new Promise<void>((resolve, reject) => {
        let child: ChildProcess;
        try {
          child = spawn(options.command, launchArgs(options.args ?? [], serverUri), {
            detached: true,
            stdio: "ignore",
            ...(options.env === undefined ? {} : { env: options.env }),
          });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        child.once("spawn", () => {
          // The UI session is the browser's business (§4.6): do not keep this process waiting for it.
          child.unref();
          resolve();
        });
        child.once("error", (error) => {
          reject(error);
        });
        // A later error (e.g. on kill) must not become an uncaught 'error' event.
        child.on("error", () => undefined);
      });
    },
  };
}

export interface RecordingBrowserLauncher extends BrowserLauncher {
  /** Every ServerURI a launch was asked for, in order (failed ones included). */
  readonly launched: readonly string[];
}

/** A launcher that records the URIs; `fail` returns an Error for launches that should fail. */
export function createRecordingBrowserLauncher(
  options: { readonly fail?: (serverUri: string) => Error | undefined } = {},
): RecordingBrowserLauncher {
  const launched: string[] = [];
  return {
    launched,
    launch(serverUri) {
      launched.push(serverUri);
      const error = options.fail?.(serverUri);
      return error === undefined ? Promise.resolve() : Promise.reject(error);
    },
  };
}
