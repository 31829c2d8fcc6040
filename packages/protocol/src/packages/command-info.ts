// What each of the twelve DM commands is for, which side must support it, and the status codes a DM Client can
// end it with (docs/protocol.md §4, §4.1–§4.12, §5). Data only: docs/commands.md is generated from it together
// with the parameter tables (command-table.ts), and `omadm commands queue --help` prints it.
import { Status } from "../status/status-codes.js";
import type { CommandName } from "./command-table.js";

/** How strongly DM 2.0 requires a side to support a command (docs/protocol.md §4). */
export const SupportLevel = { Must: "MUST", Should: "SHOULD" } as const;
export type SupportLevel = (typeof SupportLevel)[keyof typeof SupportLevel];

/** Stands for any HTTP error status a Data Repository answered, which the client copies into `sc` (§5). */
export const RELAYED_HTTP_ERROR = "4xx/5xx";

/** One status code a command can end with, and when. */
export interface CommandOutcome {
  readonly code: number | typeof RELAYED_HTTP_ERROR;
  readonly when: string;
}

export interface CommandInfo {
  /** What the server asks of the client, in one sentence. */
  readonly summary: string;
  /** The section of docs/protocol.md that describes the command. */
  readonly section: string;
  readonly server: SupportLevel;
  readonly client: SupportLevel;
  /** The status codes a DM Client answers (omadm's client; docs/protocol.md §5), most common first. */
  readonly outcomes: readonly CommandOutcome[];
}

const { Must, Should } = SupportLevel;
const o = (code: number, when: string): CommandOutcome => ({ code, when });
const relayed = (what: string): CommandOutcome => ({
  code: RELAYED_HTTP_ERROR,
  when: `any other HTTP error status the ${what} answered, copied`,
});

const badRequest = (what: string) => o(Status.BAD_REQUEST, `wrong number of parameters, or ${what}`);
const failed = o(Status.COMMAND_FAILED, "the client failed while executing it");

export const COMMAND_INFO: { readonly [N in CommandName]: CommandInfo } = {
  HGET: {
    summary: "Fetch MO data from a Data Repository with HTTP GET and add it to, or replace it in, the DM Tree.",
    section: "4.1",
    server: Must,
    client: Must,
    outcomes: [
      o(Status.OK, "stored; the status's URI lists the concrete ClientURIs written (new instances get a MIID)"),
      badRequest("a malformed URI, a wildcard or x-name in a target, several items for one ClientURI"),
      o(Status.FORBIDDEN, "the MOID is not provisioned for this server, or it has no Write right"),
      o(Status.NOT_FOUND, 'the target instance is ambiguous (mo-inst "" with several instances)'),
      o(Status.COMMAND_NOT_ALLOWED, "the target is permanent or not writable (DDF Scope or AccessType)"),
      o(Status.UNSUPPORTED_MEDIA_TYPE, "the repository answered in a format the client cannot read"),
      o(Status.SERVICE_UNAVAILABLE, "the repository could not be reached or did not answer in time"),
      relayed("repository"),
      failed,
    ],
  },
  HPUT: {
    summary: "Send the data at the ClientURIs to a Data Repository with HTTP PUT.",
    section: "4.2",
    server: Must,
    client: Must,
    outcomes: [
      o(Status.OK, "the repository accepted the data (any 2xx)"),
      o(Status.NOT_MODIFIED, "the cv in the ClientURI still matches; nothing was sent"),
      badRequest("a malformed URI"),
      o(Status.FORBIDDEN, "the MOID is not provisioned, no Read right, or a node that is never readable"),
      o(Status.NOT_FOUND, "a ClientURI resolves to nothing"),
      o(Status.NOT_ACCEPTABLE, "the repository answered 415 and listed no format the client writes"),
      o(Status.REQUEST_ENTITY_TOO_LARGE, "the data is too large to send"),
      o(Status.SERVICE_UNAVAILABLE, "the repository could not be reached or did not answer in time"),
      relayed("repository"),
      failed,
    ],
  },
  HPOST: {
    summary: "Send the data at the ClientURIs to a Data Repository with HTTP POST.",
    section: "4.2",
    server: Must,
    client: Must,
    outcomes: [
      o(Status.OK, "the repository accepted the data (any 2xx)"),
      o(Status.NOT_MODIFIED, "the cv in the ClientURI still matches; nothing was sent"),
      badRequest("a malformed URI"),
      o(Status.FORBIDDEN, "the MOID is not provisioned, no Read right, or a node that is never readable"),
      o(Status.NOT_FOUND, "a ClientURI resolves to nothing"),
      o(Status.NOT_ACCEPTABLE, "the repository answered 415 and listed no format the client writes"),
      o(Status.REQUEST_ENTITY_TOO_LARGE, "the data is too large to send"),
      o(Status.SERVICE_UNAVAILABLE, "the repository could not be reached or did not answer in time"),
      relayed("repository"),
      failed,
    ],
  },
  DELETE: {
    summary: "Delete a node of the DM Tree and everything below it.",
    section: "4.3",
    server: Must,
    client: Must,
    outcomes: [
      o(Status.OK, "deleted"),
      badRequest("a malformed ClientURI"),
      o(Status.FORBIDDEN, "the MOID is not provisioned for this server, or it has no Write right"),
      o(Status.NOT_FOUND, "the ClientURI resolves to nothing"),
      o(Status.COMMAND_NOT_ALLOWED, "the node is permanent, or the DDF AccessType has no Delete"),
      failed,
    ],
  },
  EXEC: {
    summary: "Execute an executable node; with a ServerURI the result is reported later in a Generic Alert.",
    section: "4.4",
    server: Must,
    client: Must,
    outcomes: [
      o(Status.OK, "executed and reported synchronously (the device's handler may answer another final code)"),
      o(Status.ACCEPTED, "started; the final status follows in a Generic Alert (always so with a ServerURI)"),
      badRequest("a malformed URI, or a ClientURI naming several nodes"),
      o(Status.FORBIDDEN, "the MOID is not provisioned for this server, or it has no Exec right"),
      o(Status.NOT_FOUND, "the ClientURI resolves to nothing"),
      o(Status.COMMAND_NOT_ALLOWED, "the DDF AccessType has no Exec, or the device has no handler for the node"),
      failed,
    ],
  },
  GET: {
    summary: "Read data of the DM Tree; the client returns it in the command's status.",
    section: "4.5",
    server: Must,
    client: Should,
    outcomes: [
      o(Status.OK, "read; the status carries the data (Data) and the concrete ClientURIs read (URI)"),
      o(Status.NO_CONTENT, "the node exists but has no value"),
      o(Status.NOT_MODIFIED, "the cv in the ClientURI still matches; no data"),
      badRequest("a malformed ClientURI"),
      o(Status.FORBIDDEN, "the MOID is not provisioned, no Read right, or a node that is never readable"),
      o(Status.NOT_FOUND, "the ClientURI resolves to nothing"),
      failed,
    ],
  },
  SHOW: {
    summary: "Open a web page (a UI session of the Web Server Component) in the device's browser.",
    section: "4.6",
    server: Must,
    client: Should,
    outcomes: [
      o(Status.OK, "the browser was started; the user's answer reaches the server through the UI session"),
      badRequest("a malformed ServerURI"),
      o(Status.COMMAND_FAILED, "the browser could not be started (in time)"),
      o(Status.NOT_IMPLEMENTED, "the device has no Web Browser Component"),
    ],
  },
  CONT: {
    summary: "Send the rest of this session's Package#3s to another URL (issued by the server itself).",
    section: "4.7",
    server: Must,
    client: Must,
    outcomes: [o(Status.OK, "the next Package#3 already goes to the new URL"), badRequest("a malformed ServerURI")],
  },
  END: {
    summary: "End the session (issued by the server itself when the queue is empty); never answered.",
    section: "4.8",
    server: Must,
    client: Must,
    outcomes: [],
  },
  DEFAULT: {
    summary: "Store where to fetch the configuration of a MOID the device does not have (one URI per MOID).",
    section: "4.9",
    server: Must,
    client: Should,
    outcomes: [
      o(Status.OK, "stored, replacing an earlier DEFAULT for the MOID"),
      badRequest("a malformed ServerURI or MOID"),
      o(Status.FORBIDDEN, "the MOID is not provisioned for this server"),
      failed,
    ],
  },
  SUB: {
    summary: "Subscribe to changes of a part of the DM Tree; the client PUTs the subtree after each change.",
    section: "4.10",
    server: Should,
    client: Should,
    outcomes: [
      o(Status.OK, "subscribed (a SUB for the same ClientURI replaces the ServerURI)"),
      badRequest("a malformed URI"),
      o(Status.FORBIDDEN, "the MOID is not provisioned, no Read right, or a node that is never readable"),
      o(Status.NOT_FOUND, "the device does not support the MO"),
      failed,
    ],
  },
  UNSUB: {
    summary: "End a subscription made with SUB.",
    section: "4.11",
    server: Should,
    client: Should,
    outcomes: [
      o(Status.OK, "unsubscribed"),
      badRequest("a malformed ClientURI"),
      o(Status.NOT_FOUND, "this server has no subscription with exactly this ClientURI"),
    ],
  },
};
