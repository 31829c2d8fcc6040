// How `omadm client` prints what happened: each command of a session with its status, the outcome, the DM Tree
// as an indented outline, and the events of the daemon. Plain text, one line per fact, so it reads in a
// terminal and greps in a log.
import { statusName } from "@omadm/protocol";
import type { DmClientEvents, DmTree, MoDataObject, MoDataValue, SessionOutcome, SessionTrigger } from "@omadm/client";

export function describeTrigger(trigger: SessionTrigger): string {
  switch (trigger.kind) {
    case "client-initiated":
      return "ClientInitiatedMgmt";
    case "server-initiated":
      return `ServerInitiatedMgmt${trigger.notificationId === undefined ? "" : `, NOTIFICATION-ID ${trigger.notificationId}`}${trigger.reqMos ? ", MOS" : ""}`;
    case "bootstrap-complete":
      return "BootstrapComplete";
    case "async-report":
      return `asynchronous report to ${trigger.targetUri}`;
  }
}

/** One line per command (`  [1.2] EXEC urn:…/Ops/Reboot → 202 Accepted`), then the outcome. */
export function formatOutcome(outcome: SessionOutcome): string[] {
  const lines = outcome.commands.map((c) => {
    const meaning = statusName(c.status.sc);
    const extra = c.status.URI === undefined ? "" : ` ${c.status.URI.join(" ")}`;
    const note = c.reported ? "" : " (not reported)";
    return `  [${c.packageNumber}.${c.index + 1}] ${c.item.join(" ")} → ${c.status.sc}${meaning === undefined ? "" : ` ${meaning}`}${extra}${note}`;
  });
  const head = `session ${outcome.sessionId} with ${outcome.serverId} (${describeTrigger(outcome.trigger)})`;
  if (outcome.kind === "completed") {
    lines.push(`${head}: completed, ${outcome.commands.length} command(s), ${outcome.packagesAcknowledged} package(s)`);
  } else {
    const r = outcome.reason;
    const http = r.httpStatus === undefined ? "" : ` (HTTP ${r.httpStatus})`;
    lines.push(`${head}: aborted — ${r.code}${http}: ${r.message}`);
  }
  return lines;
}

/** A leaf value as printed: strings as they are, null as "(null)", the rest as JSON. */
export function scalar(value: MoDataValue): string {
  if (value === null) return "(null)";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The MO data of a node as an outline: interior nodes end in "/", leaves print "name = value". */
export function formatMoData(data: MoDataObject, indent = "  "): string[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(data)) {
    if (value !== null && typeof value === "object") {
      lines.push(`${indent}${name}/`);
      lines.push(...formatMoData(value, `${indent}  `));
    } else {
      lines.push(`${indent}${name} = ${scalar(value)}`);
    }
  }
  return lines;
}

/** Every instance of every MO, each headed by its ClientURI. */
export function formatTree(tree: DmTree): string[] {
  const lines: string[] = [];
  for (const moid of tree.moids()) {
    for (const miid of tree.instances(moid)) {
      const data = tree.read(moid, miid, []);
      if (!data.ok) continue;
      lines.push(`${moid}/${miid}/`);
      for (const content of Object.values(data.value)) {
        if (content !== null && typeof content === "object") lines.push(...formatMoData(content));
      }
    }
  }
  return lines;
}

type EventLine = { [K in keyof DmClientEvents]: (event: DmClientEvents[K]) => string[] };

/** The daemon's line(s) for each event. */
export const EVENT_LINES: Partial<EventLine> = {
  "session-start": (e) => [`session → ${e.serverId} (${describeTrigger(e.trigger)})`],
  session: (o) => formatOutcome(o),
  "notification-accepted": (e) => [
    `notification from ${e.serverId} accepted (${e.source.transport} ${e.source.address}${e.notificationId === undefined ? "" : `, NOTIFICATION-ID ${e.notificationId}`}, bearer ${e.bearer})`,
  ],
  "notification-deferred": (e) => [`notification from ${e.serverId} waits for a bearer (${e.preferred.join(", ")})`],
  "notification-rejected": (e) => [
    `notification dropped (${e.reason}) from ${e.source.transport} ${e.source.address}: ${e.message}`,
  ],
  "alert-queued": (a) => [
    `alert queued for ${a.serverId}: ${a.alert.AlertType}${a.alert.SourceURI === undefined ? "" : ` ${a.alert.SourceURI}`}${a.targetUri === undefined ? "" : ` → ${a.targetUri}`}`,
  ],
  "state-save-failed": (e) => [`warning: the state could not be saved: ${e.message}`],
};
