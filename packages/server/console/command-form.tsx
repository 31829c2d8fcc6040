// Queue any command a device can be sent, through a form built from the protocol's own parameter tables
// (@omadm/protocol command-table.ts, docs/commands.md): one field per parameter with its meaning, a list for a
// OneOrMore parameter, optional ones marked. CONT and END are the server's own and cannot be queued.
import { useState } from "preact/hooks";
import {
  COMMAND_PARAMETERS,
  COMMANDS,
  ParamOccurrence,
  type CommandName,
} from "../../protocol/src/packages/command-table.js";
import { api, enc } from "./api.js";

const QUEUEABLE = COMMANDS.filter((c) => c !== "CONT" && c !== "END");

export function CommandForm({ deviceId, onQueued }: { deviceId: string; onQueued: () => void }) {
  const [name, setName] = useState<CommandName>("GET");
  const [values, setValues] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const params = COMMAND_PARAMETERS[name];

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const item: string[] = [name];
    for (const spec of params) {
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
    try {
      const queued = await api<{ id: string }>(`/api/v1/devices/${enc(deviceId)}/commands`, {
        method: "POST",
        body: { command: item },
      });
      setMessage({ ok: true, text: `${name} queued (${queued.id})` });
      onQueued();
    } catch (e) {
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
    }
  };

  return (
    <form class="command-form" onSubmit={(e) => void submit(e)} aria-labelledby="queue-heading">
      <h3 id="queue-heading">Queue a command</h3>
      <label for="command-name">Command</label>
      <select
        id="command-name"
        value={name}
        onChange={(e) => {
          setName(e.currentTarget.value as CommandName);
          setMessage(null);
        }}
      >
        {QUEUEABLE.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
      {params.map((spec) => {
        const id = `param-${name}-${spec.field}`;
        const key = `${name}.${spec.field}`;
        const many = spec.occurrence === ParamOccurrence.OneOrMore;
        const optional = spec.occurrence === ParamOccurrence.ZeroOrOne;
        const change = (value: string): void => {
          setValues((v) => ({ ...v, [key]: value }));
        };
        return (
          <div class="field" key={id}>
            <label for={id}>
              {spec.field}{" "}
              <span class="muted">
                ({spec.kind}
                {optional ? ", optional" : many ? ", one per line" : ""})
              </span>
            </label>
            {many ? (
              <textarea
                id={id}
                rows={3}
                required
                value={values[key] ?? ""}
                aria-describedby={`${id}-help`}
                onInput={(e) => {
                  change(e.currentTarget.value);
                }}
              />
            ) : (
              <input
                id={id}
                required={!optional}
                value={values[key] ?? ""}
                aria-describedby={`${id}-help`}
                onInput={(e) => {
                  change(e.currentTarget.value);
                }}
              />
            )}
            <p id={`${id}-help`} class="help">
              {spec.meaning}
            </p>
          </div>
        );
      })}
      <button type="submit">Queue {name}</button>
      {message !== null && (
        <p role={message.ok ? "status" : "alert"} class={message.ok ? "ok" : "error"}>
          {message.text}
        </p>
      )}
    </form>
  );
}
