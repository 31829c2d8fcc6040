// The headless Chromium the browser tests drive through playwright-core (design notes, "Browser tests"): where it
// is, the flags it runs with here, and the skip rule — absent, a test skips with the reason, except under CI=true,
// where it runs and fails.
import { existsSync } from "node:fs";
import { isCi } from "./services.js";

/** The Chromium executable: OMADM_TEST_CHROMIUM, else Debian's. */
export const CHROMIUM_PATH = process.env["OMADM_TEST_CHROMIUM"] ?? "/usr/bin/chromium";

/** Flags for Debian's chromium in a headless test setup. */
export const CHROMIUM_TEST_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Why the browser tests cannot run here (Chromium is not at CHROMIUM_PATH); undefined when it is there. */
export function chromiumAbsentReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  return `Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium, or set OMADM_TEST_CHROMIUM)`;
}

/** node:test `skip` for a test that needs Chromium: the reason when absent, except under CI=true (run, fail). */
export function chromiumSkip(): string | false {
  const reason = chromiumAbsentReason();
  return reason === undefined || isCi() ? false : reason;
}
