// omadm events, omadm commands wait, and the read-only lists omadm sessions, notifications and uploads.
// `events` follows GET /api/v1/events (Server-Sent Events) over node:http and, when the connection drops,
// reconnects with Last-Event-ID so that no event is missed or printed twice. `commands wait` polls the command
// until it reaches an end state; its exit code says which.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Command } from "commander";
import { ApiError, ConnectionError, UsageError } from "../cli-errors.js";
import { action, withApiOptions, type AdminDeps, type Run } from "./context.js";
import { cell, time } from "./format.js";
import { printPage, withPageOptions } from "./list-page.js";

type Json = Record<string, unknown>;

/** Exit codes of `omadm commands wait` beyond the shared ones (0 done, 1 refused, 2 usage, 3 unreachable). */
export const WaitExitCode = { Failed: 4, Ended: 5, Timeout: 6 } as const;
const END_STATES: Readonly<Record<string, number>> = {
  done: 0,
  failed: WaitExitCode.Failed,
  expired: WaitExitCode.Ended,
  cancelled: WaitExitCode.Ended,
};

export function registerFollowCommands(program: Command, deps: AdminDeps): void {
  withApiOptions(
    program.command("events").description("follow server events live (resumes after a dropped connection)"),
  )
    .option("--kind <kinds>", "only these kinds, comma-separated (e.g. command.state,session.ended)")
    .option("--device <deviceId>", "only this device's events")
    .option("--after <id>", "start after this event id (0: everything the server keeps)")
    .action(
      action(deps, (run, o: { kind?: string; device?: string; after?: string }) => {
        if (o.after !== undefined && !/^\d+$/.test(o.after))
          throw new UsageError(`--after ${o.after} is not an event id`);
        return followEvents(run, { kind: o.kind, deviceId: o.device, after: o.after });
      }),
    );

  const commands = program.commands.find((c) => c.name() === "commands") ?? program.command("commands");
  withApiOptions(
    commands
      .command("wait")
      .description("wait until a command is done, failed, expired or cancelled (exit 0, 4, 5, 5; 6 on timeout)")
      .argument("<commandId>"),
  )
    .option("--timeout <seconds>", "give up after this long (default 300)")
    .action(
      action(deps, async (run, id: string, o: { timeout?: string }) => {
        const seconds = Number(o.timeout ?? "300");
        if (!Number.isFinite(seconds) || seconds <= 0)
          throw new UsageError(`--timeout ${o.timeout} is not a number of seconds`);
        const deadline = Date.now() + seconds * 1000;
        for (;;) {
          const { data } = await run.api.json<Json>("GET", `/commands/${encodeURIComponent(id)}`);
          const state = String(data["state"]);
          const code = END_STATES[state];
          if (code !== undefined) {
            if (run.json) run.printJson(data);
            else run.out(`${id} ${state} (status ${cell(data["statusCode"])})`);
            run.exit(code);
            return;
          }
          if (Date.now() >= deadline) {
            run.out(`${id} still ${state} after ${seconds} s`);
            run.exit(WaitExitCode.Timeout);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, Math.min(500, Math.max(0, deadline - Date.now()))));
        }
      }),
    );

  withPageOptions(
    withApiOptions(program.command("sessions").description("list DM sessions, newest first"))
      .option("--device <deviceId>", "only this device's sessions")
      .option("--status <status>", "open, ended, aborted, superseded or expired")
      .option("--asc", "oldest first"),
  ).action(
    action(deps, (run, o: { device?: string; status?: string; asc?: boolean; limit?: string; cursor?: string }) =>
      printPage(
        run,
        "/sessions",
        {
          deviceId: o.device,
          status: o.status,
          order: o.asc === true ? "asc" : undefined,
          limit: o.limit,
          cursor: o.cursor,
        },
        ["CREATED", "SESSION", "DEVICE", "STATUS", "PACKAGE", "ENDED"],
        (s) => [
          time(s["createdAt"]),
          cell(s["id"]),
          cell(s["deviceId"]),
          cell(s["status"]),
          cell(s["packageNo"]),
          time(s["endedAt"]),
        ],
      ),
    ),
  );

  withPageOptions(
    withApiOptions(program.command("notifications").description("list the Package#0 notifications sent"))
      .option("--device <deviceId>", "only this device's notifications")
      .option("--desc", "newest first"),
  ).action(
    action(deps, (run, o: { device?: string; desc?: boolean; limit?: string; cursor?: string }) =>
      printPage(
        run,
        "/notifications",
        { deviceId: o.device, order: o.desc === true ? "desc" : undefined, limit: o.limit, cursor: o.cursor },
        ["SENT", "DEVICE", "NOTIFICATION-ID", "TRANSPORT", "OUTCOME", "ERROR"],
        (n) => [
          time(n["sentAt"]),
          cell(n["deviceId"]),
          cell(n["notificationId"]),
          cell(n["transport"]),
          cell(n["outcome"]),
          n["error"] === null ? "-" : cell(n["error"]),
        ],
      ),
    ),
  );

  withPageOptions(
    withApiOptions(
      program.command("uploads").description("list what devices uploaded (HPUT, HPOST, SUB reports)"),
    ).option("--device <deviceId>", "only this device's uploads"),
  ).action(
    action(deps, (run, o: { device?: string; limit?: string; cursor?: string }) =>
      printPage(
        run,
        "/uploads",
        { deviceId: o.device, limit: o.limit, cursor: o.cursor },
        ["RECEIVED", "ID", "DEVICE", "METHOD", "PATH", "TYPE", "SIZE"],
        (u) => [
          time(u["receivedAt"]),
          cell(u["id"]),
          cell(u["deviceId"]),
          cell(u["method"]),
          cell(u["path"]),
          cell(u["mediaType"]),
          cell(u["size"]),
        ],
      ),
    ),
  );
}

export interface FollowOptions {
  readonly kind: string | undefined;
  readonly deviceId: string | undefined;
  readonly after: string | undefined;
  /** Ends the stream (it then resolves "dropped"). */
  readonly signal?: AbortSignal | undefined;
}

/** Prints events until the process is stopped; reconnects (from the last id printed) after a dropped stream. */
async function followEvents(run: Run, o: FollowOptions): Promise<void> {
  let lastId: string | undefined = o.after === undefined ? undefined : o.after;
  let useHeader = false;
  for (;;) {
    await streamEvents(run, o, lastId, useHeader, (id, kind, data) => {
      lastId = id;
      useHeader = true;
      if (run.json) run.out(data);
      else {
        const e = JSON.parse(data) as Json;
        run.out(`${cell(e["at"])}  ${id}  ${kind}  ${cell(e["deviceId"])}  ${JSON.stringify(e["data"])}`);
      }
    });
    // The stream dropped (server restart, network): resume from the last id after a pause.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** One connection to the event stream: each event to `onEvent` until the stream drops (or `o.signal` aborts). */
export function streamEvents(
  run: Run,
  o: FollowOptions,
  lastId: string | undefined,
  useHeader: boolean,
  onEvent: (id: string, kind: string, data: string) => void,
): Promise<"dropped"> {
  const url = new URL(`${run.server.baseUrl.replace(/\/$/, "")}/api/v1/events`);
  if (o.kind !== undefined) url.searchParams.set("kind", o.kind);
  if (o.deviceId !== undefined) url.searchParams.set("deviceId", o.deviceId);
  if (lastId !== undefined && !useHeader) url.searchParams.set("after", lastId);
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (run.server.token !== undefined) headers["authorization"] = `Bearer ${run.server.token}`;
  if (lastId !== undefined && useHeader) headers["last-event-id"] = lastId;
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { headers, ...(o.signal && { signal: o.signal }) }, (res) => {
      if (res.statusCode !== 200) {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => {
          let detail = body;
          let code: string | undefined;
          try {
            const problem = JSON.parse(body) as Json;
            detail = typeof problem["detail"] === "string" ? problem["detail"] : body;
            code = typeof problem["code"] === "string" ? problem["code"] : undefined;
          } catch {
            // not a problem document: show the body as it is
          }
          reject(new ApiError(res.statusCode ?? 0, code ?? null, detail));
        });
        return;
      }
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields = new Map<string, string>();
          for (const line of block.split("\n")) {
            const i = line.indexOf(":");
            if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1).trimStart());
          }
          const id = fields.get("id");
          const data = fields.get("data");
          if (id !== undefined && data !== undefined) onEvent(id, fields.get("event") ?? "message", data);
        }
      });
      res.on("close", () => {
        resolve("dropped");
      });
    });
    req.on("error", (error) => {
      if (o.signal?.aborted === true) resolve("dropped");
      else if (lastId === undefined && !useHeader)
        reject(new ConnectionError(`cannot reach ${url.origin}: ${error.message}`));
      else resolve("dropped");
    });
    req.end();
  });
}
