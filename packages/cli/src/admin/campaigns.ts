// omadm campaigns create|list|show|start|pause|resume|cancel|watch — campaigns through /api/v1/campaigns
// (docs/campaigns.md). `watch` follows the server's events (SSE) and redraws a progress bar per wave (cli-progress,
// loaded only on a terminal; elsewhere one line per change) until the campaign ends; exit 0 completed, 4 halted,
// 5 cancelled.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../cli-errors.js";
import { action, withApiOptions, type AdminDeps, type Run } from "./context.js";
import { streamEvents } from "./follow.js";
import { cell, details, table, time } from "./format.js";
import { printPage, withPageOptions } from "./list-page.js";

type Json = Record<string, unknown>;
type Wave = { wave: number; size: number; counts: Record<string, number> };

export const CampaignExitCode = { Halted: 4, Cancelled: 5 } as const;
const END: Readonly<Record<string, number>> = {
  completed: 0,
  halted: CampaignExitCode.Halted,
  cancelled: CampaignExitCode.Cancelled,
};
const STATES = ["pending", "waking", "in_session", "done", "failed", "unreachable", "skipped"];
const collect = (value: string, previous: string[] = []) => [...previous, value];
const path = (id: string) => `/campaigns/${encodeURIComponent(id)}`;

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`${what} is not JSON: ${text}`);
  }
}

function printCampaign(run: Run, c: Json): void {
  run.out(
    details([
      ["id", cell(c["id"])],
      ["name", cell(c["name"])],
      ["kind", cell(c["kind"])],
      ["state", cell(c["state"])],
      ["reason", cell(c["reason"])],
      ["target", JSON.stringify(c["target"])],
      [
        "devices",
        `${cell(c["deviceCount"])} in ${cell(c["waveCount"])} waves, now wave ${Number(c["currentWave"]) + 1}`,
      ],
      ["started", time(c["startedAt"])],
      ["ended", time(c["endedAt"])],
    ]),
  );
  const waves = (c["waves"] ?? []) as Wave[];
  if (waves.length > 0) {
    run.out("");
    run.out(
      table(
        ["wave", "size", ...STATES],
        waves.map((w) => [String(w.wave + 1), String(w.size), ...STATES.map((s) => String(w.counts[s] ?? 0))]),
      ),
    );
  }
}

/** The request body from --file and the flags (flags win). */
function createBody(o: CreateOptions): Json {
  const body: Json = o.file === undefined ? {} : (parseJson(readFileSync(o.file, "utf8"), o.file) as Json);
  if (o.name !== undefined) body["name"] = o.name;
  if (o.group !== undefined && o.filter !== undefined) throw new UsageError("give --group or --filter, not both");
  if (o.group !== undefined) body["target"] = { group: o.group };
  if (o.filter !== undefined) body["target"] = { filter: o.filter };
  if (o.step !== undefined) body["steps"] = o.step.map((s) => ({ command: parseJson(s, "--step") }));
  const plan = {
    ...((body["plan"] as Json | undefined) ?? {}),
    ...(o.plan === undefined ? {} : (parseJson(o.plan, "--plan") as Json)),
  };
  if (o.waves !== undefined) plan["waves"] = o.waves.split(",").map((w) => (w.endsWith("%") ? w : Number(w)));
  if (o.maxInFlight !== undefined) plan["maxInFlight"] = Number(o.maxInFlight);
  if (o.errorThreshold !== undefined) plan["errorThreshold"] = Number(o.errorThreshold);
  if (o.successThreshold !== undefined) plan["successThreshold"] = Number(o.successThreshold);
  if (o.rate !== undefined) plan["ratePerMinute"] = Number(o.rate);
  if (o.rateGrowth !== undefined) plan["rateGrowth"] = Number(o.rateGrowth);
  if (Object.keys(plan).length > 0) body["plan"] = plan;
  if (o.start === true) body["start"] = true;
  if (body["name"] === undefined) throw new UsageError("a campaign needs --name (or a name in --file)");
  if (body["target"] === undefined)
    throw new UsageError("a campaign needs --group or --filter (or a target in --file)");
  if (body["steps"] === undefined) throw new UsageError("a campaign needs --step (or steps in --file)");
  return body;
}

interface CreateOptions {
  file?: string;
  name?: string;
  group?: string;
  filter?: string;
  step?: string[];
  waves?: string;
  maxInFlight?: string;
  errorThreshold?: string;
  successThreshold?: string;
  rate?: string;
  rateGrowth?: string;
  plan?: string;
  start?: boolean;
}

/** Bars on a terminal, one line per change elsewhere. */
async function progressView(run: Run, stream: NodeJS.WriteStream) {
  if (!stream.isTTY || run.json) {
    let last = "";
    return {
      draw(c: Json) {
        const waves = (c["waves"] ?? []) as Wave[];
        const line = `${cell(c["state"])} ${waves.map((w) => `wave ${w.wave + 1}: ${w.counts["done"] ?? 0}/${w.size} done, ${(w.counts["failed"] ?? 0) + (w.counts["unreachable"] ?? 0)} failed`).join("; ")}`;
        if (line !== last) run.out(line);
        last = line;
      },
      stop: () => undefined,
    };
  }
  const { MultiBar, Presets } = (await import("cli-progress")).default;
  const multi = new MultiBar(
    {
      format: "wave {wave} [{bar}] {value}/{total} done | {failed} failed | {active} active | {state}",
      stream,
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  const bars: ReturnType<typeof multi.create>[] = [];
  return {
    draw(c: Json) {
      const waves = (c["waves"] ?? []) as Wave[];
      waves.forEach((w, i) => {
        const payload = {
          wave: w.wave + 1,
          failed: (w.counts["failed"] ?? 0) + (w.counts["unreachable"] ?? 0),
          active: (w.counts["waking"] ?? 0) + (w.counts["in_session"] ?? 0),
          state: cell(c["state"]),
        };
        const ended = (w.counts["done"] ?? 0) + payload.failed + (w.counts["skipped"] ?? 0);
        const bar = bars[i] ?? multi.create(w.size, 0, payload);
        bars[i] = bar;
        bar.update(Math.min(ended, w.size), payload);
      });
    },
    stop: () => {
      multi.stop();
    },
  };
}

async function watch(run: Run, id: string): Promise<void> {
  const view = await progressView(run, process.stderr);
  const controller = new AbortController();
  let pending: Promise<void> | undefined;
  let again = false;
  let ended: Json | undefined;
  // `again` and `ended` change in callbacks while the loops await; reading them through functions keeps the
  // compiler from narrowing them to the value they had before the await.
  const askedAgain = (): boolean => again;
  const hasEnded = (): boolean => ended !== undefined;
  // Each campaign event asks for one fresh read; reads never overlap and bursts coalesce.
  const refresh = (): Promise<void> => {
    if (pending !== undefined) {
      again = true;
      return pending;
    }
    pending = (async () => {
      do {
        again = false;
        const { data } = await run.api.json<Json>("GET", path(id));
        view.draw(data);
        if (END[String(data["state"])] !== undefined) {
          ended = data;
          controller.abort();
        }
      } while (askedAgain() && !hasEnded());
    })().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  await refresh();
  while (!hasEnded()) {
    await streamEvents(
      run,
      {
        kind: "campaign.state,campaign.device,campaign.wave",
        deviceId: undefined,
        after: undefined,
        signal: controller.signal,
      },
      undefined,
      false,
      (_eventId, _kind, data) => {
        const e = parseJson(data, "event") as { data?: { campaignId?: string } };
        if (e.data?.campaignId === id) void refresh().catch(() => undefined);
      },
    );
    if (!hasEnded()) await refresh();
  }
  await pending;
  view.stop();
  const final: Json = ended ?? {};
  if (run.json) run.printJson(final);
  else run.out(`campaign ${id} ${cell(final["state"])}${final["reason"] == null ? "" : `: ${cell(final["reason"])}`}`);
  run.exit(END[String(final["state"])] ?? 0);
}

export function registerCampaignCommands(program: Command, deps: AdminDeps): void {
  const campaigns = program
    .command("campaigns")
    .description("campaigns: commands rolled out over many devices in waves");

  withApiOptions(campaigns.command("create").description("create a campaign (a draft unless --start)"))
    .option("--file <spec.json>", "the whole request body (docs/campaigns.md); flags override its fields")
    .option("--name <name>", "what the campaign is called")
    .option("--group <groupId>", "target: a saved group")
    .option("--filter <filter>", "target: a device filter (docs/filters.md)")
    .option(
      "--step <json>",
      'a step\'s command in the array form, e.g. \'["EXEC","urn:…/Ops/Reboot"]\' (repeatable)',
      collect,
    )
    .option("--waves <sizes>", 'wave sizes, counts or percentages: "10,10%,50%" (the rest is a last wave)')
    .option("--max-in-flight <n>", "most devices waking or in session at once (100)")
    .option("--error-threshold <fraction>", "share of a wave failed that halts the campaign (0.2)")
    .option("--success-threshold <fraction>", "share of a wave done before the next starts (1)")
    .option("--rate <perMinute>", "devices started per minute")
    .option("--rate-growth <factor>", "rate factor after each good wave")
    .option("--plan <json>", "more of the rollout plan (windows, time-outs, retries) as JSON")
    .option("--start", "start it at once")
    .action(
      action(deps, async (run, o: CreateOptions) => {
        const { data } = await run.api.json<Json>("POST", "/campaigns", { json: createBody(o) });
        if (run.json) {
          run.printJson(data);
          return;
        }
        run.out(`campaign ${cell(data["id"])} created`);
        printCampaign(run, data);
      }),
    );

  withPageOptions(
    withApiOptions(campaigns.command("list").description("list campaigns and bulk wakes (ordered by id)")).option(
      "--state <state>",
      "draft, running, paused, halted, cancelled or completed",
    ),
  ).action(
    action(deps, (run, o: { state?: string; limit?: string; cursor?: string }) =>
      printPage(
        run,
        "/campaigns",
        { state: o.state, limit: o.limit, cursor: o.cursor },
        ["id", "name", "kind", "state", "devices", "wave"],
        (c) => [
          cell(c["id"]),
          cell(c["name"]),
          cell(c["kind"]),
          cell(c["state"]),
          cell(c["deviceCount"]),
          `${Number(c["currentWave"]) + 1}/${cell(c["waveCount"])}`,
        ],
      ),
    ),
  );

  withApiOptions(
    campaigns.command("show").description("a campaign with its devices counted per wave").argument("<campaignId>"),
  ).action(
    action(deps, async (run, id: string) => {
      const { data } = await run.api.json<Json>("GET", path(id));
      if (run.json) run.printJson(data);
      else printCampaign(run, data);
    }),
  );

  for (const [verb, what] of [
    ["start", "start a draft: resolve its target into waves"],
    ["pause", "no new device starts; devices in flight finish"],
    ["resume", "go on after a pause"],
    ["cancel", "stop: devices not done are skipped, their queued commands cancelled"],
  ] as const) {
    withApiOptions(campaigns.command(verb).description(what).argument("<campaignId>")).action(
      action(deps, async (run, id: string) => {
        const { data } = await run.api.json<Json>("POST", `${path(id)}/${verb}`);
        if (run.json) run.printJson(data);
        else run.out(`campaign ${id} ${cell(data["state"])}`);
      }),
    );
  }

  withApiOptions(
    campaigns
      .command("watch")
      .description("live progress per wave until the campaign ends (exit 0 completed, 4 halted, 5 cancelled)")
      .argument("<campaignId>"),
  ).action(action(deps, (run, id: string) => watch(run, id)));
}
