// SHOW page templates, answers and rendering without HTTP (docs/protocol.md §4.6): what an
// operator may ask, what a submitted form may answer, and that no operator text can become markup.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { hasServerErrorCode, ServerErrorCode } from "../src/errors.js";
import { checkUiTemplate, type UiTemplate } from "../src/ui/template.js";
import { escapeHtml, PAGE_CSP } from "../src/ui/html.js";
import { parseSubmission } from "../src/ui/form.js";
import { renderMessagePage, renderSessionPage } from "../src/ui/render.js";

const FORM: UiTemplate = {
  title: "Maintenance window",
  text: "Your gateway will update tonight.\n\nIs that convenient?",
  choices: [
    { id: "yes", label: "Yes" },
    { id: "later", label: "Later" },
  ],
  fields: [
    { name: "note", label: "Note", type: "text" },
    { name: "hour", label: "Preferred hour", type: "number", required: true },
    { name: "notify", label: "Notify me", type: "checkbox" },
    { name: "day", label: "Day", type: "select", options: ["Mon", "Tue"] },
  ],
};

const invalidTemplate = (message: RegExp) => (e: unknown) =>
  hasServerErrorCode(e, ServerErrorCode.UI_TEMPLATE_INVALID) && message.test(e.message);

test("templates: a full template and a text-only one are accepted as given", () => {
  assert.deepEqual(checkUiTemplate(FORM), FORM);
  assert.deepEqual(checkUiTemplate({ title: "Notice", text: "" }), { title: "Notice", text: "" });
});

test("templates: each broken rule is refused with the member and the rule named", () => {
  const cases: [unknown, RegExp][] = [
    ["text", /^template must be object/],
    [{ text: "x" }, /template\.title is required/],
    [{ title: "", text: "x" }, /template\.title/],
    [{ title: "t", text: "x", extra: 1 }, /template\.extra is not a known member/],
    [{ title: "t", text: "x", choices: [] }, /template\.choices/],
    [
      { title: "t", text: "x", choices: [{ id: "a b", label: "A" }] },
      /template\.choices\[0\]\.id must be 1 to 64 letters/,
    ],
    [
      {
        title: "t",
        text: "x",
        choices: [
          { id: "a", label: "A" },
          { id: "a", label: "B" },
        ],
      },
      /template\.choices\[1\] repeats the id "a"/,
    ],
    [
      { title: "t", text: "x", fields: [{ name: "f", label: "F", type: "date" }] },
      /template\.fields\[0\]\.type must be one of "text", "number", "checkbox", "select"/,
    ],
    [
      { title: "t", text: "x", fields: [{ name: "f", label: "F", type: "select" }] },
      /template\.fields\[0\]\.options is required for a select field/,
    ],
    [
      { title: "t", text: "x", fields: [{ name: "f", label: "F", type: "text", options: ["a"] }] },
      /options is only allowed for a select field/,
    ],
    [
      { title: "t", text: "x", fields: [{ name: "f", label: "F", type: "select", options: ["a", "a"] }] },
      /options\[1\] repeats the option "a"/,
    ],
    [
      { title: "t", text: "x", fields: [{ name: "choice", label: "C", type: "text" }] },
      /fields\[0\]\.name must not be "choice"/,
    ],
    [
      {
        title: "t",
        text: "x",
        fields: [
          { name: "a", label: "A", type: "text" },
          { name: "a", label: "B", type: "text" },
        ],
      },
      /fields\[1\] repeats the name "a"/,
    ],
    [{ title: "t".repeat(201), text: "x" }, /template\.title/],
  ];
  for (const [value, message] of cases)
    assert.throws(() => checkUiTemplate(value), invalidTemplate(message), JSON.stringify(value));
});

test("template checking is total: any JSON value is accepted or refused with UI_TEMPLATE_INVALID", () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
      try {
        checkUiTemplate(value);
      } catch (e) {
        assert.ok(hasServerErrorCode(e, ServerErrorCode.UI_TEMPLATE_INVALID), String(e));
      }
    }),
  );
});

test("answers: a valid submission gives typed values; unknown members are ignored", () => {
  const form = new URLSearchParams({
    choice: "later",
    note: "after 22h",
    hour: "23",
    notify: "on",
    day: "Tue",
    x: "1",
  });
  assert.deepEqual(parseSubmission(FORM, form), {
    ok: true,
    answer: { choice: "later", fields: { note: "after 22h", hour: 23, notify: true, day: "Tue" } },
  });
  const minimal = parseSubmission(FORM, new URLSearchParams({ choice: "yes", hour: "-1.5e1" }));
  assert.deepEqual(minimal, {
    ok: true,
    answer: { choice: "yes", fields: { note: "", hour: -15, notify: false, day: null } },
  });
  const textOnly = parseSubmission({ title: "t", text: "x" }, new URLSearchParams());
  assert.deepEqual(textOnly, { ok: true, answer: { choice: null, fields: {} } });
});

test("answers: every refused value is named, and what the user typed is kept for the retry", () => {
  const form = new URLSearchParams({ choice: "maybe", hour: "12abc", day: "Sun", note: "n".repeat(2001) });
  const result = parseSubmission(FORM, form);
  assert.ok(!result.ok);
  assert.deepEqual(
    result.errors.map((e) => e.name),
    ["note", "hour", "day", "choice"],
  );
  assert.match(result.errors[1]?.message ?? "", /Preferred hour must be a number/);
  assert.equal(result.values.get("hour"), "12abc");
  const missing = parseSubmission(FORM, new URLSearchParams({ choice: "yes" }));
  assert.ok(!missing.ok);
  assert.deepEqual(missing.errors, [{ name: "hour", message: "Preferred hour is required" }]);
  for (const hour of ["Infinity", "NaN", "1e400", " ", "0x10"]) {
    const r = parseSubmission(FORM, new URLSearchParams({ choice: "yes", hour }));
    assert.ok(!r.ok, hour);
  }
});

test("rendering: operator text is escaped everywhere it appears, the page has no script and no external resource", () => {
  const hostile = '<script>alert("x")</script>';
  const template: UiTemplate = {
    title: hostile,
    text: `${hostile}\nline two`,
    choices: [{ id: "a", label: `<img src=x onerror=alert(1)>` }],
    fields: [{ name: "f", label: `"><b>`, type: "select", options: [`"'&<>`] }],
  };
  const html = renderSessionPage({ template, action: '?uiid="><x', values: new Map([["f", `"'&<>`]]) });
  assert.ok(!html.includes("<script"), "no script element");
  assert.ok(!html.includes("<img"), "no injected element");
  assert.ok(!html.includes("<b>"), "no injected element");
  assert.ok(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
  assert.ok(html.includes(`<title>&lt;script&gt;`));
  assert.ok(html.includes(`action="?uiid=&quot;&gt;&lt;x"`));
  assert.ok(html.includes(`<option value="&quot;&#39;&amp;&lt;&gt;" selected>`));
  assert.ok(!/\b(?:src|href)=["']?(?:https?:)?\/\//.test(html), "no external resource");
  assert.equal(escapeHtml(`<&>"'`), "&lt;&amp;&gt;&quot;&#39;");
  assert.ok(!renderMessagePage(hostile, hostile).includes("<script"));
});

test("rendering: labels belong to their inputs, errors are announced and tied to their fields", () => {
  const html = renderSessionPage({
    template: FORM,
    action: "?uiid=u1",
    errors: [{ name: "hour", message: "Preferred hour is required" }],
  });
  for (const name of ["note", "hour", "notify", "day"]) {
    assert.ok(html.includes(`<label for="f-${name}">`), name);
    assert.ok(html.includes(`id="f-${name}" name="${name}"`) || html.includes(`id="f-${name}"`), name);
  }
  assert.match(html, /<div class="errors" role="alert">/);
  assert.match(html, /id="f-hour" name="hour" required aria-invalid="true" aria-describedby="e-hour"/);
  assert.match(html, /<button type="submit" name="choice" value="yes">Yes<\/button>/);
  assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
});

test("the Content-Security-Policy forbids everything but the page's own stylesheet (by hash)", () => {
  assert.match(
    PAGE_CSP,
    /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'$/,
  );
  assert.ok(!PAGE_CSP.includes("unsafe"));
});
