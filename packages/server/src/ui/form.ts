// What the user sent back from a SHOW page (docs/protocol.md §4.6 step 3: the Web Server Component stores the
// result of the user interaction). The browser's own checks (required, type=number) are a convenience; this
// is the check that counts, so a hand-made POST cannot record an answer the template does not allow.
import { CHOICE_PARAM, UiFieldType, type UiField, type UiTemplate } from "./template.js";

/** A field's answer: text and select → string (null when left empty), number → number | null, checkbox → boolean. */
export type UiFieldValue = string | number | boolean | null;

/** The recorded result of a UI session. */
export interface UiAnswer {
  /** The id of the choice button pressed; null when the template has no choices. */
  readonly choice: string | null;
  readonly fields: { readonly [name: string]: UiFieldValue };
}

export interface FieldError {
  /** The field's name, or "choice". */
  readonly name: string;
  readonly message: string;
}

export type Submission =
  | { readonly ok: true; readonly answer: UiAnswer }
  | {
      readonly ok: false;
      readonly errors: readonly FieldError[];
      /** What the user typed, to show the form again without losing it. */
      readonly values: ReadonlyMap<string, string>;
    };

/** (omadm's choice) Longest text answer kept. */
export const MAX_TEXT_ANSWER = 2000;

const NUMBER_TEXT = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

function fieldValue(field: UiField, raw: string | null): { value: UiFieldValue } | { error: string } {
  const text = raw ?? "";
  const empty = text.trim() === "";
  switch (field.type) {
    case UiFieldType.Checkbox: {
      const ticked = raw !== null;
      return field.required === true && !ticked ? { error: "must be ticked" } : { value: ticked };
    }
    case UiFieldType.Text:
      if (empty && field.required === true) return { error: "is required" };
      if (text.length > MAX_TEXT_ANSWER) return { error: `must be at most ${MAX_TEXT_ANSWER} characters` };
      return { value: text };
    case UiFieldType.Number: {
      if (empty) return field.required === true ? { error: "is required" } : { value: null };
      const n = Number(text.trim());
      if (!NUMBER_TEXT.test(text.trim()) || !Number.isFinite(n)) return { error: "must be a number" };
      return { value: n };
    }
    case UiFieldType.Select:
      if (empty) return field.required === true ? { error: "needs a choice" } : { value: null };
      if (!(field.options ?? []).includes(text)) return { error: "must be one of the offered options" };
      return { value: text };
  }
}

/** Checks a submitted form against the template. Unknown members are ignored; the first value of a name counts. */
export function parseSubmission(template: UiTemplate, form: URLSearchParams): Submission {
  const errors: FieldError[] = [];
  const values = new Map<string, string>();
  const fields: Record<string, UiFieldValue> = {};
  for (const field of template.fields ?? []) {
    const raw = form.get(field.name);
    if (raw !== null) values.set(field.name, raw);
    const result = fieldValue(field, raw);
    if ("error" in result) errors.push({ name: field.name, message: `${field.label} ${result.error}` });
    else fields[field.name] = result.value;
  }
  let choice: string | null = null;
  const choices = template.choices ?? [];
  if (choices.length > 0) {
    const pressed = form.get(CHOICE_PARAM);
    if (pressed !== null && choices.some((c) => c.id === pressed)) choice = pressed;
    else errors.push({ name: CHOICE_PARAM, message: "Please press one of the buttons" });
  }
  if (errors.length > 0) return { ok: false, errors, values };
  return { ok: true, answer: { choice, fields } };
}
