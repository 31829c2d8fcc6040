// omadm audit — the audit log of operator writes through the API (the server's docs/operators.md "Audit"): who
// (token id and name, never a secret), what (method and route), which target, when, and the status answered.
// Needs an admin token (or loopback without one).
import type { Command } from "commander";
import { action, withApiOptions, type AdminDeps } from "./context.js";
import { cell, time } from "./format.js";
import { printPage, withPageOptions } from "./list-page.js";

interface AuditOptions {
  by?: string;
  action?: string;
  since?: string;
  until?: string;
  asc?: boolean;
  limit?: string;
  cursor?: string;
}

export function registerAuditCommands(program: Command, deps: AdminDeps): void {
  withPageOptions(
    withApiOptions(program.command("audit").description("list audit records of operator writes (newest first)"))
      .option("--by <tokenId>", "only this API token's writes")
      .option("--action <action>", 'only this action, e.g. "DELETE /api/v1/devices/:id"')
      .option("--since <time>", "only records at or after this RFC 3339 time")
      .option("--until <time>", "only records before this RFC 3339 time")
      .option("--asc", "oldest first"),
  ).action(
    action(deps, (run, o: AuditOptions) =>
      printPage(
        run,
        "/audit",
        {
          tokenId: o.by,
          action: o.action,
          since: o.since,
          until: o.until,
          order: o.asc === true ? "asc" : undefined,
          limit: o.limit,
          cursor: o.cursor,
        },
        ["AT", "TOKEN", "ACTION", "TARGET", "STATUS"],
        (r) => [
          time(r["at"]),
          r["tokenId"] === null ? "(loopback)" : `${cell(r["tokenName"])} (${cell(r["tokenId"])})`,
          cell(r["action"]),
          Object.entries((r["target"] ?? {}) as Record<string, unknown>)
            .map(([k, v]) => `${k}=${cell(v)}`)
            .join(" ") || "-",
          cell(r["status"]),
        ],
      ),
    ),
  );
}
