// The pages of a UI session: the question (choices as buttons, fields as a labelled form), the thank-you page
// and the pages that explain why a link no longer works. Accessible without script: real <label>s, errors
// announced with role="alert" and tied to their inputs with aria-describedby, large buttons.
import type { FieldError } from "./form.js";
import { escapeHtml, page, paragraphs } from "./html.js";
import { UiFieldType, type UiField, type UiTemplate } from "./template.js";

export interface SessionPageInput {
  readonly template: UiTemplate;
  /** The form's action (relative: `?uiid=…`), unescaped. */
  readonly action: string;
  readonly errors?: readonly FieldError[];
  readonly values?: ReadonlyMap<string, string>;
}

const inputId = (name: string) => `f-${name}`;
const errorId = (name: string) => `e-${name}`;

function fieldHtml(field: UiField, value: string | undefined, error: FieldError | undefined): string {
  const id = escapeHtml(inputId(field.name));
  const name = escapeHtml(field.name);
  const label = escapeHtml(field.label);
  const required = field.required === true ? " required" : "";
  const described =
    error === undefined ? "" : ` aria-invalid="true" aria-describedby="${escapeHtml(errorId(field.name))}"`;
  const errorHtml =
    error === undefined
      ? ""
      : `<span class="error" id="${escapeHtml(errorId(field.name))}">${escapeHtml(error.message)}</span>`;
  const shown = value === undefined ? "" : ` value="${escapeHtml(value)}"`;
  switch (field.type) {
    case UiFieldType.Checkbox: {
      const checked = value === undefined ? "" : " checked";
      return `<div class="field check"><input type="checkbox" id="${id}" name="${name}" value="on"${checked}${required}${described}><label for="${id}">${label}</label>${errorHtml}</div>`;
    }
    case UiFieldType.Select: {
      const options = (field.options ?? [])
        .map((o) => `<option value="${escapeHtml(o)}"${o === value ? " selected" : ""}>${escapeHtml(o)}</option>`)
        .join("");
      return `<div class="field"><label for="${id}">${label}</label><select id="${id}" name="${name}"${required}${described}><option value="">Choose…</option>${options}</select>${errorHtml}</div>`;
    }
    case UiFieldType.Number:
      return `<div class="field"><label for="${id}">${label}</label><input type="number" step="any" inputmode="decimal" id="${id}" name="${name}"${shown}${required}${described}>${errorHtml}</div>`;
    case UiFieldType.Text:
      return `<div class="field"><label for="${id}">${label}</label><input type="text" id="${id}" name="${name}" maxlength="2000"${shown}${required}${described}>${errorHtml}</div>`;
  }
}

/** The question page of a UI session. */
export function renderSessionPage(input: SessionPageInput): string {
  const { template } = input;
  const errors = input.errors ?? [];
  const parts: string[] = [`<h1>${escapeHtml(template.title)}</h1>`, paragraphs(template.text)];
  if (errors.length > 0) {
    const items = errors
      .map((e) => {
        const target = e.name === "choice" ? "actions" : inputId(e.name);
        return `<li><a href="#${escapeHtml(target)}">${escapeHtml(e.message)}</a></li>`;
      })
      .join("");
    parts.push(`<div class="errors" role="alert"><p>Please correct the following:</p><ul>${items}</ul></div>`);
  }
  const fields = (template.fields ?? [])
    .map((f) =>
      fieldHtml(
        f,
        input.values?.get(f.name),
        errors.find((e) => e.name === f.name),
      ),
    )
    .join("\n");
  const choices = template.choices ?? [];
  const buttons =
    choices.length > 0
      ? choices
          .map((c) => `<button type="submit" name="choice" value="${escapeHtml(c.id)}">${escapeHtml(c.label)}</button>`)
          .join("")
      : `<button type="submit">${escapeHtml(template.submitLabel ?? (template.fields === undefined ? "OK" : "Submit"))}</button>`;
  parts.push(
    `<form method="post" action="${escapeHtml(input.action)}" novalidate>`,
    fields,
    `<div class="actions" id="actions">${buttons}</div>`,
    "</form>",
  );
  return page(template.title, parts.filter((p) => p !== "").join("\n"));
}

/** A page with a heading and a sentence: the thank-you page and every "this link does not work" page. */
export function renderMessagePage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1>\n<p class="muted">${escapeHtml(message)}</p>`);
}
