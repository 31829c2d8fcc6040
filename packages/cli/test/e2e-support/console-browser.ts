// What the console's browser tests share: signing in with an API token, a record of the page's script errors
// (CSP violations and uncaught exceptions among them), how far the page overflows a narrow viewport, and the
// screenshots (into docs/img/ with OMADM_UPDATE_SCREENSHOTS=1, else into the test's temp directory).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";

const DOCS_IMG = fileURLToPath(new URL("../../../../docs/img/", import.meta.url));

/** Collects the page's errors; refused requests are expected (401 before signing in), scripts' errors are not. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
  });
  return problems;
}

export async function signIn(page: Page, origin: string, token: string): Promise<void> {
  await page.goto(`${origin}/`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Fleet" }).waitFor();
}

/** Pixels the page is wider than the viewport (≤ 0: it fits), with the first elements that stick out. */
export async function overflow(page: Page): Promise<{ px: number; wide: string[] }> {
  // Expressions as text: the tests compile without the DOM's types.
  const px = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
  const wide = await page.evaluate<string[]>(
    `[...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth)
      .slice(0, 8)
      .map((e) => e.tagName + "." + e.className + " " + e.getBoundingClientRect().right)`,
  );
  return { px, wide };
}

export async function screenshot(page: Page, tempDir: string, name: string): Promise<void> {
  const path =
    process.env["OMADM_UPDATE_SCREENSHOTS"] === "1" ? join(DOCS_IMG, name) : join(tempDir, "screenshots", name);
  mkdirSync(join(path, ".."), { recursive: true });
  await page.screenshot({ path, fullPage: true });
}
