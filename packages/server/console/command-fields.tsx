// A command's fields, built from the protocol's own parameter tables (@omadm/protocol command-table.ts,
// docs/commands.md): a select of the commands that can be queued and one field per parameter with its meaning, a
// list for a OneOrMore parameter, optional ones marked. Shared by the device page's command form and the campaign
// form's step rows; `commandItem` turns what was typed into the P2 array form the API takes.
import {
  COMMAND_PARAMETERS,
  COMMANDS,
  ParamOccurrence,
  type CommandName,
} from "../../protocol/src/packages/command-table.js";

/** CONT and END are the server's own and cannot be queued. */
export const QUEUEABLE = COMMANDS.filter((c) => c !== "CONT" && c !== "END");

export interface CommandDraft {
  readonly name: CommandName;
  /** Typed values by `${name}.${field}`, so switching commands and back keeps them. */
  readonly values: Readonly<Record<string, string>>;
}

export const emptyDraft = (name: CommandName = "GET"): CommandDraft => ({ name, values: {} });

/** The command in the array form `POST …/commands` and campaign steps take: `["GET", "urn:…//FwV"]`. */
export function commandItem({ name, values }: CommandDraft): string[] {
  const item: string[] = [name];
  for (const spec of COMMAND_PARAMETERS[name]) {
    const raw = (values[`${name}.${spec.field}`] ?? "").trim();
    if (spec.occurrence === ParamOccurrence.OneOrMore)
      item.push(
        ...raw
          .split("\n")
          .map((l) => l.trim())
          .filter((l) => l !== ""),
      );
    else if (raw !== "") item.push(raw);
  }
  return item;
}

export function CommandFields({
  idPrefix,
  label,
  draft,
  onChange,
}: {
  /** Makes the fields' ids unique on a page with several rows. */
  idPrefix: string;
  label: string;
  draft: CommandDraft;
  onChange: (draft: CommandDraft) => void;
}) {
  const { name, values } = draft;
  return (
    <>
      <label for={`${idPrefix}-name`}>{label}</label>
      <select
        id={`${idPrefix}-name`}
        value={name}
        onChange={(e) => {
          onChange({ name: e.currentTarget.value as CommandName, values });
        }}
      >
        {QUEUEABLE.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
      {COMMAND_PARAMETERS[name].map((spec) => {
        const id = `${idPrefix}-${name}-${spec.field}`;
        const key = `${name}.${spec.field}`;
        const many = spec.occurrence === ParamOccurrence.OneOrMore;
        const optional = spec.occurrence === ParamOccurrence.ZeroOrOne;
        const input = (e: { currentTarget: { value: string } }): void => {
          onChange({ name, values: { ...values, [key]: e.currentTarget.value } });
        };
        const common = { id, value: values[key] ?? "", "aria-describedby": `${id}-help`, onInput: input };
        return (
          <div class="field" key={id}>
            <label for={id}>
              {spec.field}{" "}
              <span class="muted">
                ({spec.kind}
                {optional ? ", optional" : many ? ", one per line" : ""})
              </span>
            </label>
            {many ? <textarea rows={3} required {...common} /> : <input required={!optional} {...common} />}
            <p id={`${id}-help`} class="help">
              {spec.meaning}
            </p>
          </div>
        );
      })}
    </>
  );
}
