// The SHOW page template (docs/protocol.md §4.6): what an operator asks the device user. The Web
// Server Component owns its shape (the spec leaves the UI session's content to implementations): a title, a
// text, and either choice buttons, form fields, or both. Checked once with a TypeBox schema plus the rules a
// schema cannot say (unique ids, select options), so a page that is stored can always be rendered.
import { Type } from "typebox";
import { Compile } from "typebox/compile";
import { ServerError, ServerErrorCode } from "../errors.js";

/** Choice ids and field names: what a form can carry without escaping surprises. */
const NAME_PATTERN = "^[A-Za-z0-9_.-]{1,64}$";
const Label = (max: number) => Type.String({ minLength: 1, maxLength: max });

export const UiFieldType = { Text: "text", Number: "number", Checkbox: "checkbox", Select: "select" } as const;
export type UiFieldType = (typeof UiFieldType)[keyof typeof UiFieldType];

export const UiChoiceSchema = Type.Object(
  { id: Type.String({ pattern: NAME_PATTERN }), label: Label(200) },
  { additionalProperties: false },
);

export const UiFieldSchema = Type.Object(
  {
    name: Type.String({ pattern: NAME_PATTERN }),
    label: Label(200),
    type: Type.Union(Object.values(UiFieldType).map((t) => Type.Literal(t))),
    /** The values a `select` offers (each is also its label). Only for `select`, and required there. */
    options: Type.Optional(Type.Array(Label(200), { minItems: 1, maxItems: 100 })),
    /** Text/number/select: must not be left empty; checkbox: must be ticked. */
    required: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const UiTemplateSchema = Type.Object(
  {
    title: Label(200),
    /** Plain text (never HTML); blank lines separate paragraphs. */
    text: Type.String({ maxLength: 10_000 }),
    /** Buttons; the one the user presses is the answer. */
    choices: Type.Optional(Type.Array(UiChoiceSchema, { minItems: 1, maxItems: 20 })),
    fields: Type.Optional(Type.Array(UiFieldSchema, { minItems: 1, maxItems: 50 })),
    /** The submit button's label when there are no choices (default "Submit"; "OK" for a text-only page). */
    submitLabel: Type.Optional(Label(100)),
  },
  { additionalProperties: false },
);

export interface UiChoice {
  readonly id: string;
  readonly label: string;
}
export interface UiField {
  readonly name: string;
  readonly label: string;
  readonly type: UiFieldType;
  readonly options?: readonly string[];
  readonly required?: boolean;
}
export interface UiTemplate {
  readonly title: string;
  readonly text: string;
  readonly choices?: readonly UiChoice[];
  readonly fields?: readonly UiField[];
  readonly submitLabel?: string;
}

/** The form member a pressed choice button submits; no field may use it. */
export const CHOICE_PARAM = "choice";

const check = Compile(UiTemplateSchema);

function invalid(path: string, rule: string): ServerError {
  return new ServerError(ServerErrorCode.UI_TEMPLATE_INVALID, `template${path} ${rule}`);
}

/** JSON pointer `/choices/0/id` → `.choices[0].id`. */
function readablePath(pointer: string): string {
  if (pointer === "") return "";
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`))
    .join("");
}

interface SchemaError {
  readonly keyword: string;
  readonly schemaPath: string;
  readonly instancePath: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message: string;
}

function describe(errors: readonly SchemaError[]): ServerError {
  // Prefer a concrete complaint over anyOf summaries; gather the constants of a failed union into one rule.
  const first = errors.find((e) => e.keyword !== "anyOf") ?? errors[0];
  if (first === undefined) return invalid("", "does not match the template schema");
  const at = readablePath(first.instancePath);
  switch (first.keyword) {
    case "required": {
      const names = first.params.requiredProperties;
      const name = Array.isArray(names) && typeof names[0] === "string" ? names[0] : "?";
      return invalid(`${at}.${name}`, "is required");
    }
    case "boolean":
      return invalid(at, "is not a known member");
    case "const": {
      const allowed = errors
        .filter((e) => e.keyword === "const" && e.instancePath === first.instancePath)
        .map((e) => JSON.stringify(e.params.allowedValue));
      return invalid(at, `must be one of ${allowed.join(", ")}`);
    }
    case "pattern":
      return invalid(at, "must be 1 to 64 letters, digits, '_', '.' or '-'");
    default:
      return invalid(at, first.message);
  }
}

function unique(values: readonly string[], path: string, what: string): void {
  const seen = new Set<string>();
  for (const [i, v] of values.entries()) {
    if (seen.has(v)) throw invalid(`${path}[${i}]`, `repeats the ${what} ${JSON.stringify(v)}`);
    seen.add(v);
  }
}

/**
 * Checks an operator's template and returns it typed. UI_TEMPLATE_INVALID (400) naming the member and the
 * rule: schema violations, duplicate choice ids / field names / options, a field named "choice", a `select`
 * without options, options on a non-select field.
 */
export function checkUiTemplate(value: unknown): UiTemplate {
  if (!check.Check(value)) throw describe(check.Errors(value));
  // The hand-written interfaces are the readonly view of the schema: this assignment fails to compile if they drift.
  const template: UiTemplate = value;
  unique(
    (template.choices ?? []).map((c) => c.id),
    ".choices",
    "id",
  );
  const fields = template.fields ?? [];
  unique(
    fields.map((f) => f.name),
    ".fields",
    "name",
  );
  for (const [i, field] of fields.entries()) {
    const at = `.fields[${i}]`;
    if (field.name === CHOICE_PARAM)
      throw invalid(`${at}.name`, `must not be "${CHOICE_PARAM}" (the choice buttons use it)`);
    if (field.type === UiFieldType.Select) {
      if (field.options === undefined) throw invalid(`${at}.options`, "is required for a select field");
      unique(field.options, `${at}.options`, "option");
    } else if (field.options !== undefined) {
      throw invalid(`${at}.options`, `is only allowed for a select field, not ${field.type}`);
    }
  }
  return template;
}
