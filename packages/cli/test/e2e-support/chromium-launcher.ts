// A Web Browser Component for SHOW (docs/protocol.md §4.6) made of a real headless Debian Chromium
// driven by playwright-core: the DM Client's `BrowserLauncher` seam. `launch(serverUri)` opens a new tab on the
// ServerURI and resolves as soon as the navigation has started — the client waits for the launch, never for the
// UI session — and hands the page to the test, which then acts as the user.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page, type Response } from "playwright-core";
import type { BrowserLauncher } from "@omadm/client";
import { createInbox, type Inbox } from "../../../../test-support/async-inbox.js";
import { isCi } from "../../../../test-support/services.js";
import { CHROMIUM_PATH, CHROMIUM_TEST_ARGS } from "../../../../test-support/chromium.js";

export { chromiumSkip } from "../../../../test-support/chromium.js";

export interface OpenedPage {
  readonly url: string;
  readonly page: Page;
  /** The navigation the launch started (the page's own response). */
  readonly loaded: Promise<Response | null>;
}

export interface ChromiumLauncher extends BrowserLauncher {
  /** Every page a SHOW opened, in order. */
  readonly opened: Inbox<OpenedPage>;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/** Starts Chromium once (a new empty profile); each launch is a new tab. */
export async function startChromiumLauncher(): Promise<ChromiumLauncher> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}${isCi() ? " (CI=true, so this is a failure)" : ""}`);
  }
  const profile = await mkdtemp(join(tmpdir(), "omadm-e2e-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_TEST_ARGS],
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  const opened = createInbox<OpenedPage>();
  return {
    opened,
    async launch(serverUri) {
      const page = await context.newPage();
      const loaded = page.goto(serverUri);
      // The test awaits `loaded`; a failure must not also surface as an unhandled rejection.
      loaded.catch(() => undefined);
      opened.push({ url: serverUri, page, loaded });
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
