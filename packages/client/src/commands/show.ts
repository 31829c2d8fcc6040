// SHOW (docs/protocol.md §4.6 status, omadm's choice): start the Web Browser Component on the ServerURI and
// go on — never wait for the UI session. 200 = launched, 500 = the launch failed or did not finish within the
// launch timeout (processing continues either way), 501 = no launcher configured (SHOW is a SHOULD).
import { errorMessage, Status, type StatusItem, parseServerUri } from "@omadm/protocol";
import type { BrowserLauncher } from "./browser-launcher.js";
import type { CommandEnv } from "./command-env.js";

export async function performShow(
  env: CommandEnv,
  launcher: BrowserLauncher | undefined,
  serverUri: string,
): Promise<{ readonly status: StatusItem; readonly message?: string }> {
  const url = parseServerUri(serverUri, { allowHttp: env.allowHttp });
  if (!url.ok) return { status: { sc: Status.BAD_REQUEST }, message: url.error.message };
  if (launcher === undefined) {
    return { status: { sc: Status.NOT_IMPLEMENTED }, message: "no Web Browser Component is configured" };
  }
  let timer: unknown;
  const timeout = new Promise<{ readonly kind: "timeout" }>((resolve) => {
    timer = env.timers.setTimeout(() => {
      resolve({ kind: "timeout" });
    }, env.launchTimeoutMs);
  });
  let launch: Promise<void>;
  try {
    launch = launcher.launch(serverUri);
  } catch (error) {
    launch = Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  // Both outcomes are values, so a launch that fails after the timeout is not an unhandled rejection.
  const launched = launch.then(
    () => ({ kind: "launched" as const }),
    (error: unknown) => ({ kind: "failed" as const, error }),
  );
  const r = await Promise.race([launched, timeout]);
  env.timers.clearTimeout(timer);
  switch (r.kind) {
    case "launched":
      return { status: { sc: Status.OK } };
    case "timeout":
      return {
        status: { sc: Status.COMMAND_FAILED },
        message: `the Web Browser Component did not start within ${env.launchTimeoutMs} ms`,
      };
    case "failed":
      return {
        status: { sc: Status.COMMAND_FAILED },
        message: `the Web Browser Component could not be started: ${errorMessage(r.error)}`,
      };
  }
}
