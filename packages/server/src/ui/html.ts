// The page shell of the Web Server Component: dependency-free HTML, every piece of user or operator text
// escaped, no external resource and no script. The one inline stylesheet is allowed by its hash, so the
// Content-Security-Policy can forbid everything else (default-src 'none').
import { createHash } from "node:crypto";

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Mobile first: one readable column, large touch targets (WCAG 2.5.5: 44 px), visible focus, dark mode. */
export const PAGE_CSS = `
:root{color-scheme:light dark;--fg:#1b1b1f;--bg:#fff;--muted:#55565e;--accent:#0b57d0;--err:#b3261e;--line:#c4c6d0}
@media (prefers-color-scheme:dark){:root{--fg:#e4e2e6;--bg:#1b1b1f;--muted:#c4c6d0;--accent:#a8c7fa;--err:#f2b8b5;--line:#5e5f67}}
*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:40rem;margin:0 auto;padding:1.25rem}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}
p{margin:0 0 1rem}
.field{margin:0 0 1rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
.check label{display:inline;font-weight:400;margin-left:.5rem}
input[type=text],input[type=number],select{width:100%;min-height:44px;padding:.5rem;font:inherit;color:inherit;background:transparent;border:1px solid var(--line);border-radius:.375rem}
input[type=checkbox]{width:1.5rem;height:1.5rem;vertical-align:middle}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.5rem}
button{min-height:44px;min-width:44px;padding:.625rem 1.25rem;font:inherit;font-weight:600;color:var(--bg);background:var(--accent);border:0;border-radius:1.5rem;cursor:pointer}
button:focus-visible,input:focus-visible,select:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.errors{border:2px solid var(--err);border-radius:.375rem;padding:.75rem 1rem;margin:0 0 1rem}
.errors a,.error{color:var(--err)}
.error{display:block;margin-top:.25rem}
.muted{color:var(--muted)}
`.trim();

const STYLE_HASH = createHash("sha256").update(PAGE_CSS).digest("base64");

/**
 * No script, no external resource, no framing, forms only back to this origin, no <base> tricks. The only
 * thing allowed is the inline stylesheet above, by hash.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** A complete page. `title` is plain text; `body` is HTML the caller built from escaped parts. */
export function page(title: string, body: string): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${PAGE_CSS}</style>`,
    "</head>",
    "<body>",
    "<main>",
    body,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** Plain text as paragraphs: blank lines separate paragraphs, single newlines become line breaks. */
export function paragraphs(text: string): string {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map((p) => `<p>${p.split(/\r?\n/).map(escapeHtml).join("<br>")}</p>`)
    .join("\n");
}
