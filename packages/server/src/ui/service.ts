// The Web Server Component's interface to the DM Server (docs/protocol.md §4.6 step 4: DM 2.0 leaves it to
// implementations): the operator side creates a UI session from a template and gets the ServerURI to put into
// SHOW — it carries the UI session id in its query (`?uiid=…`, as in the example of §4.6 step 1) — and later
// reads what the user answered.
import { ServerError, ServerErrorCode } from "../errors.js";
import type { Store } from "../store/store.js";
import type { Clock, JsonValue } from "../store/types.js";
import { UiSessionState, type UiSession } from "../store/types-content.js";
import { normalizeBaseUrl } from "../repository/paths.js";
import type { UiAnswer, UiFieldValue } from "./form.js";
import { checkUiTemplate } from "./template.js";

/** The route of the page (relative to the public base URL) and the query member that names the UI session. */
export const UI_SESSION_ROUTE = "/ui/session";
export const UIID_PARAM = "uiid";

/** (omadm's choice) A SHOW page stays answerable for a day unless the operator says otherwise; at most 30 days. */
export const DEFAULT_UI_TTL_SECONDS = 24 * 60 * 60;
export const MAX_UI_TTL_SECONDS = 30 * 24 * 60 * 60;

/** 128 random bits: the ServerURI is the only credential of a UI session, so its id must be unguessable. */
export const UI_ID_BYTES = 16;

export interface UiServiceDeps {
  readonly store: Store;
  readonly clock: Clock;
  /** Cryptographically strong random bytes (node:crypto randomBytes). */
  readonly random: (size: number) => Uint8Array;
}

export interface UiServiceOptions {
  /** Base of the ServerURIs handed out, e.g. `https://dm.example.com`. */
  readonly publicBaseUrl: string;
  readonly defaultTtlSeconds?: number | undefined;
}

export interface CreateUiSessionOptions {
  /** How long the page may be answered; 1 s … 30 days. */
  readonly ttlSeconds?: number | undefined;
  /** The SHOW command that will carry the ServerURI, when already queued. */
  readonly commandId?: string | undefined;
}

export interface CreatedUiSession {
  readonly uiSession: UiSession;
  /** The ServerURI for SHOW: `<publicBaseUrl>/ui/session?uiid=<id>`. */
  readonly serverUri: string;
}

/** A UI session as the DM Server sees it: its effective state and, once completed, the typed answer. */
export interface UiSessionResult {
  readonly id: string;
  readonly deviceId: string;
  readonly commandId: string | null;
  /** `expired` also for a pending/opened session past its expiry that no sweep has marked yet. */
  readonly state: UiSessionState;
  readonly answer: UiAnswer | null;
  readonly createdAt: number;
  readonly openedAt: number | null;
  readonly completedAt: number | null;
  readonly expiresAt: number | null;
}

export interface UiService {
  /**
   * Creates a `pending` UI session. UI_TEMPLATE_INVALID (the template), INVALID_INPUT (ttl), DEVICE_NOT_FOUND,
   * COMMAND_NOT_FOUND / INVALID_INPUT (commandId of another device).
   */
  create(deviceId: string, template: unknown, options?: CreateUiSessionOptions): Promise<CreatedUiSession>;
  /** The session's state and answer; null when unknown. */
  result(id: string): Promise<UiSessionResult | null>;
  /** Links the SHOW command that carries the page. UI_SESSION_NOT_FOUND, COMMAND_NOT_FOUND. */
  linkCommand(id: string, commandId: string): Promise<UiSession>;
  serverUri(id: string): string;
}

function checkTtl(seconds: number, what: string): number {
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_UI_TTL_SECONDS) {
    throw new ServerError(
      ServerErrorCode.INVALID_INPUT,
      `${what} must be a whole number of seconds from 1 to ${MAX_UI_TTL_SECONDS}, not ${seconds}`,
    );
  }
  return seconds;
}

/** The state a session has now: live sessions past their expiry are expired even before a sweep says so. */
export function effectiveUiState(ui: UiSession, now: number): UiSessionState {
  const live = ui.state === UiSessionState.Pending || ui.state === UiSessionState.Opened;
  return live && ui.expiresAt !== null && ui.expiresAt <= now ? UiSessionState.Expired : ui.state;
}

function isFieldValue(v: JsonValue): v is UiFieldValue {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

/** Reads a stored result back as a UiAnswer; null for anything else (a result not written by this component). */
export function asUiAnswer(value: JsonValue | null): UiAnswer | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const record = value as { readonly [key: string]: JsonValue };
  const choice = record.choice;
  const fields = record.fields;
  if (choice === undefined || (choice !== null && typeof choice !== "string")) return null;
  if (fields === undefined || fields === null || typeof fields !== "object" || Array.isArray(fields)) return null;
  const out: Record<string, UiFieldValue> = {};
  for (const [name, v] of Object.entries(fields as { readonly [key: string]: JsonValue })) {
    if (!isFieldValue(v)) return null;
    out[name] = v;
  }
  return { choice, fields: out };
}

export function uiServerUri(publicBaseUrl: string, id: string): string {
  return `${normalizeBaseUrl(publicBaseUrl)}${UI_SESSION_ROUTE}?${UIID_PARAM}=${encodeURIComponent(id)}`;
}

export function createUiService(deps: UiServiceDeps, options: UiServiceOptions): UiService {
  const baseUrl = normalizeBaseUrl(options.publicBaseUrl);
  const defaultTtl = checkTtl(options.defaultTtlSeconds ?? DEFAULT_UI_TTL_SECONDS, "defaultTtlSeconds");
  const { store, clock } = deps;

  const newId = (): string => {
    const bytes = deps.random(UI_ID_BYTES);
    if (bytes.byteLength < UI_ID_BYTES) {
      throw new ServerError(
        ServerErrorCode.INVALID_INPUT,
        `the random source gave ${bytes.byteLength} bytes, not ${UI_ID_BYTES}`,
      );
    }
    return Buffer.from(bytes.buffer, bytes.byteOffset, UI_ID_BYTES).toString("base64url");
  };

  return {
    create: async (deviceId, template, createOptions = {}) => {
      const checked = checkUiTemplate(template);
      const ttl =
        createOptions.ttlSeconds === undefined ? defaultTtl : checkTtl(createOptions.ttlSeconds, "ttlSeconds");
      const uiSession = await store.uiSessions.create({
        id: newId(),
        deviceId,
        template: checked,
        commandId: createOptions.commandId,
        expiresAt: clock.now() + ttl * 1000,
      });
      return { uiSession, serverUri: uiServerUri(baseUrl, uiSession.id) };
    },
    result: async (id) => {
      const ui = await store.uiSessions.get(id);
      if (ui === null) return null;
      const state = effectiveUiState(ui, clock.now());
      return {
        id: ui.id,
        deviceId: ui.deviceId,
        commandId: ui.commandId,
        state,
        answer: state === UiSessionState.Completed ? asUiAnswer(ui.result) : null,
        createdAt: ui.createdAt,
        openedAt: ui.openedAt,
        completedAt: ui.completedAt,
        expiresAt: ui.expiresAt,
      };
    },
    linkCommand: (id, commandId) => store.uiSessions.linkCommand(id, commandId),
    serverUri: (id) => uiServerUri(baseUrl, id),
  };
}
