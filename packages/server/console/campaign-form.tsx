// A new campaign (POST /api/v1/campaigns, docs/campaigns.md): its name, the target (a filter or a saved group),
// the steps as command rows (each built like the device page's command form, from the protocol's parameter
// tables), and the plan's main knobs (waves, success and error thresholds, most devices in flight); the rest of
// the plan keeps the server's defaults. Created as a draft, or started at once; then its page opens.
import { useEffect, useState } from "preact/hooks";
import { api, type Page } from "./api.js";
import type { Campaign } from "./campaign-data.js";
import { CommandFields, commandItem, emptyDraft, type CommandDraft } from "./command-fields.js";

interface StepRow {
  readonly key: number;
  readonly draft: CommandDraft;
  readonly name: string;
}

/** "10, 10%, 50%" → [10, "10%", "50%"] (the server checks each). */
export function parseWaves(text: string): (number | string)[] {
  return text
    .split(/[\s,]+/)
    .filter((w) => w !== "")
    .map((w) => (/^\d+$/.test(w) ? Number(w) : w));
}

/** A percentage field as the API's fraction; empty keeps the server's default. */
const fraction = (text: string): number | undefined => (text.trim() === "" ? undefined : Number(text) / 100);

let nextKey = 1;
const newRow = (): StepRow => ({ key: nextKey++, draft: emptyDraft(), name: "" });

function Field(props: { id: string; label: string; help: string; children: preact.ComponentChildren }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      <p id={`${props.id}-help`} class="help">
        {props.help}
      </p>
    </div>
  );
}

export function CampaignForm() {
  const [name, setName] = useState("");
  const [by, setBy] = useState<"filter" | "group">("filter");
  const [filter, setFilter] = useState("");
  const [group, setGroup] = useState("");
  const [groups, setGroups] = useState<string[]>([]);
  const [steps, setSteps] = useState<StepRow[]>(() => [newRow()]);
  const [plan, setPlan] = useState({ waves: "", success: "", error: "", inFlight: "" });
  const [start, setStart] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    api<Page<{ id: string }>>("/api/v1/groups", { query: { limit: 200 } }).then(
      (p) => {
        setGroups(p.items.map((g) => g.id));
      },
      () => undefined,
    );
  }, []);

  const setStep = (key: number, change: Partial<StepRow>): void => {
    setSteps((rows) => rows.map((r) => (r.key === key ? { ...r, ...change } : r)));
  };
  const planInput = (field: keyof typeof plan) => (e: { currentTarget: { value: string } }) => {
    setPlan((p) => ({ ...p, [field]: e.currentTarget.value }));
  };

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const body = {
      name: name.trim(),
      target: by === "filter" ? { filter: filter.trim() } : { group },
      steps: steps.map((s) => ({
        command: commandItem(s.draft),
        ...(s.name.trim() !== "" && { name: s.name.trim() }),
      })),
      plan: Object.fromEntries(
        Object.entries({
          waves: plan.waves.trim() === "" ? undefined : parseWaves(plan.waves),
          successThreshold: fraction(plan.success),
          errorThreshold: fraction(plan.error),
          maxInFlight: plan.inFlight.trim() === "" ? undefined : Number(plan.inFlight),
        }).filter(([, v]) => v !== undefined),
      ),
      start,
    };
    try {
      const created = await api<Campaign>("/api/v1/campaigns", { method: "POST", body });
      location.hash = `#/campaigns/${encodeURIComponent(created.id)}`;
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <>
      <p class="crumbs">
        <a href="#/campaigns">Campaigns</a>
      </p>
      <h1>New campaign</h1>
      <form class="campaign-form" onSubmit={(e) => void submit(e)}>
        <Field id="campaign-name" label="Name" help="Shown in the list and in events.">
          <input
            id="campaign-name"
            required
            maxLength={200}
            value={name}
            aria-describedby="campaign-name-help"
            onInput={(e) => {
              setName(e.currentTarget.value);
            }}
          />
        </Field>
        <fieldset>
          <legend>Target</legend>
          <div class="choice">
            {(["filter", "group"] as const).map((b) => (
              <label key={b} class="inline">
                <input
                  type="radio"
                  name="target-by"
                  checked={by === b}
                  onChange={() => {
                    setBy(b);
                  }}
                />{" "}
                {b === "filter" ? "Devices matching a filter" : "A saved group"}
              </label>
            ))}
          </div>
          {by === "filter" ? (
            <Field
              id="campaign-filter"
              label="Filter"
              help="The filter language of the device list; resolved once, when the campaign starts."
            >
              <input
                id="campaign-filter"
                required
                value={filter}
                placeholder="label:site=berlin and Mod=GW-1"
                aria-describedby="campaign-filter-help"
                onInput={(e) => {
                  setFilter(e.currentTarget.value);
                }}
              />
            </Field>
          ) : (
            <Field id="campaign-group" label="Group" help="Its members when the campaign starts.">
              <select
                id="campaign-group"
                required
                value={group}
                aria-describedby="campaign-group-help"
                onChange={(e) => {
                  setGroup(e.currentTarget.value);
                }}
              >
                <option value="">{groups.length === 0 ? "no saved group" : "choose…"}</option>
                {groups.map((g) => (
                  <option key={g}>{g}</option>
                ))}
              </select>
            </Field>
          )}
        </fieldset>
        <fieldset>
          <legend>Steps</legend>
          <p class="help">Run in order on each device; the steps up to an EXEC go in one session.</p>
          {steps.map((row, i) => (
            <fieldset class="step" key={row.key}>
              <legend>Step {i + 1}</legend>
              <CommandFields
                idPrefix={`step-${row.key}`}
                label="Command"
                draft={row.draft}
                onChange={(draft) => {
                  setStep(row.key, { draft });
                }}
              />
              <label for={`step-${row.key}-label`}>
                Step name <span class="muted">(optional)</span>
              </label>
              <input
                id={`step-${row.key}-label`}
                value={row.name}
                maxLength={200}
                onInput={(e) => {
                  setStep(row.key, { name: e.currentTarget.value });
                }}
              />
              {steps.length > 1 && (
                <button
                  type="button"
                  class="secondary"
                  onClick={() => {
                    setSteps((rows) => rows.filter((r) => r.key !== row.key));
                  }}
                >
                  Remove step {i + 1}
                </button>
              )}
            </fieldset>
          ))}
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setSteps((rows) => [...rows, newRow()]);
            }}
          >
            Add a step
          </button>
        </fieldset>
        <fieldset>
          <legend>Plan</legend>
          <div class="plan-grid">
            <Field
              id="plan-waves"
              label="Waves"
              help='Sizes: counts or percentages, e.g. "10, 10%, 50%"; the rest is a last wave.'
            >
              <input
                id="plan-waves"
                value={plan.waves}
                aria-describedby="plan-waves-help"
                onInput={planInput("waves")}
              />
            </Field>
            <Field
              id="plan-success"
              label="Success threshold (%)"
              help="Share of a wave done for the next to start (100)."
            >
              <input
                id="plan-success"
                type="number"
                min={0}
                max={100}
                step="any"
                value={plan.success}
                aria-describedby="plan-success-help"
                onInput={planInput("success")}
              />
            </Field>
            <Field
              id="plan-error"
              label="Error threshold (%)"
              help="Share of a wave failed or unreachable that halts it (20)."
            >
              <input
                id="plan-error"
                type="number"
                min={0}
                max={100}
                step="any"
                value={plan.error}
                aria-describedby="plan-error-help"
                onInput={planInput("error")}
              />
            </Field>
            <Field id="plan-in-flight" label="Max in flight" help="Most devices waking or in session at once (100).">
              <input
                id="plan-in-flight"
                type="number"
                min={1}
                step={1}
                value={plan.inFlight}
                aria-describedby="plan-in-flight-help"
                onInput={planInput("inFlight")}
              />
            </Field>
          </div>
        </fieldset>
        <label class="inline">
          <input
            type="checkbox"
            checked={start}
            onChange={(e) => {
              setStart(e.currentTarget.checked);
            }}
          />{" "}
          Start at once (otherwise a draft, started from its page)
        </label>
        <div class="toolbar">
          <button type="submit">Create campaign</button>
        </div>
        {problem !== null && (
          <p role="alert" class="error">
            {problem}
          </p>
        )}
      </form>
    </>
  );
}
