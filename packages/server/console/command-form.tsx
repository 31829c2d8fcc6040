// Queue any command a device can be sent: the command's fields (command-fields.tsx, from the protocol's parameter
// tables) and a submit that posts it to the device's queue.
import { useState } from "preact/hooks";
import { api, enc } from "./api.js";
import { CommandFields, commandItem, emptyDraft } from "./command-fields.js";

export function CommandForm({ deviceId, onQueued }: { deviceId: string; onQueued: () => void }) {
  const [draft, setDraft] = useState(emptyDraft);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    try {
      const queued = await api<{ id: string }>(`/api/v1/devices/${enc(deviceId)}/commands`, {
        method: "POST",
        body: { command: commandItem(draft) },
      });
      setMessage({ ok: true, text: `${draft.name} queued (${queued.id})` });
      onQueued();
    } catch (e) {
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
    }
  };

  return (
    <form class="command-form" onSubmit={(e) => void submit(e)} aria-labelledby="queue-heading">
      <h3 id="queue-heading">Queue a command</h3>
      <CommandFields
        idPrefix="command"
        label="Command"
        draft={draft}
        onChange={(d) => {
          if (d.name !== draft.name) setMessage(null);
          setDraft(d);
        }}
      />
      <button type="submit">Queue {draft.name}</button>
      {message !== null && (
        <p role={message.ok ? "status" : "alert"} class={message.ok ? "ok" : "error"}>
          {message.text}
        </p>
      )}
    </form>
  );
}
