// The operator's side of the end-to-end tests: a small REST API client over real loopback HTTP (undici
// `request`), speaking /api/v1 exactly as an operator's script would. Every call checks the HTTP status it
// expects and throws with the problem details otherwise, so a failing test names what the server said.
import { request } from "undici";

/** A command as the API shows it (the fields the tests read; see record-schemas.ts CommandView). */
export interface CommandView {
  readonly id: string;
  readonly deviceId: string;
  readonly name: string;
  readonly params: readonly string[];
  readonly state: string;
  readonly attempts: number;
  readonly delivery: string;
  readonly reason: string | null;
  readonly sessionId: string | null;
  readonly statusCode: number | null;
  readonly result: { readonly uris: readonly string[]; readonly data: unknown } | null;
  readonly completedAt: string | null;
}

export interface DeviceView {
  readonly id: string;
  readonly state: string;
  readonly devInfo: unknown;
  readonly mos: unknown;
  readonly mosAt: string | null;
  readonly lastContactAt: string | null;
  readonly notifyAddress: unknown;
}

export interface UploadView {
  readonly id: string;
  readonly deviceId: string;
  readonly path: string;
  readonly method: string;
  readonly clientUris: readonly string[] | null;
  readonly mediaType: string;
  readonly size: number;
  readonly sessionId: string | null;
  readonly commandId: string | null;
}

export interface NotificationView {
  readonly id: string;
  readonly deviceId: string;
  readonly notificationId: number;
  readonly transport: string;
  readonly sentAt: string;
  readonly outcome: string;
  readonly error: string | null;
}

export interface AlertView {
  readonly id: string;
  readonly deviceId: string;
  readonly sessionId: string | null;
  readonly alertType: string;
  readonly sourceUri: string | null;
  readonly data: unknown;
  readonly matchedCommandId: string | null;
}

export interface SessionView {
  readonly id: string;
  readonly deviceId: string;
  readonly status: string;
  readonly packageNo: number;
}

export interface UiSessionView {
  readonly id: string;
  readonly deviceId: string;
  readonly state: string;
  readonly commandId: string | null;
  /** What the user chose or entered, once completed. */
  readonly result: unknown;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: number;
  constructor(method: string, path: string, status: number, body: string) {
    super(`${method} ${path} answered ${status}: ${body.slice(0, 500)}`);
    this.status = status;
  }
}

export interface ApiClient {
  /** The API base, e.g. `http://127.0.0.1:41234/api/v1`. */
  readonly base: string;
  call(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<ApiResponse>;
  json<T>(method: "GET" | "POST" | "PATCH", path: string, body: unknown, expect: readonly number[]): Promise<T>;

  createDevice(body: Record<string, unknown>): Promise<DeviceView>;
  patchDevice(deviceId: string, body: Record<string, unknown>): Promise<DeviceView>;
  device(deviceId: string): Promise<DeviceView>;
  /** Queues one command (P2 array form or named form); 201. */
  /** `extra`: more body fields, e.g. `{ delivery: "at-least-once" }`. */
  queue(
    deviceId: string,
    command: readonly string[] | Record<string, unknown>,
    extra?: Record<string, unknown>,
  ): Promise<CommandView>;
  command(id: string): Promise<CommandView>;
  /** Every command of a device in enqueue order. */
  commands(deviceId: string): Promise<readonly CommandView[]>;
  wake(deviceId: string, body?: Record<string, unknown>): Promise<NotificationView>;
  /** Stores repository content and returns the item with its ServerURI (`url`). */
  putContent(
    ref: { readonly path: string; readonly deviceId?: string },
    mediaType: string,
    body: string | Uint8Array,
  ): Promise<{ readonly url: string; readonly etag: string }>;
  /** The bytes of a repository item (what an upload replaced, or what the operator put). */
  content(ref: { readonly path: string; readonly deviceId?: string }): Promise<{ mediaType: string; body: string }>;
  uploads(deviceId: string): Promise<readonly UploadView[]>;
  /** The body of one upload as text. */
  uploadContent(id: string): Promise<string>;
  alerts(deviceId: string): Promise<readonly AlertView[]>;
  sessions(deviceId: string): Promise<readonly SessionView[]>;
  createUiSession(body: Record<string, unknown>): Promise<{
    readonly uiSession: UiSessionView;
    readonly serverUri: string;
    readonly command: CommandView | null;
  }>;
  uiSession(id: string): Promise<UiSessionView>;
}

export function createApiClient(origin: string): ApiClient {
  const base = `${origin}/api/v1`;
  const call: ApiClient["call"] = async (method, path, body) => {
    const res = await request(`${base}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  };
  const json = async <T>(
    method: "GET" | "POST" | "PATCH",
    path: string,
    body: unknown,
    expect: readonly number[],
  ): Promise<T> => {
    const res = await call(method, path, body);
    if (!expect.includes(res.status)) throw new ApiError(method, path, res.status, res.text);
    return JSON.parse(res.text) as T;
  };
  const get = <T>(path: string): Promise<T> => json<T>("GET", path, undefined, [200]);
  /** Follows `nextCursor` until the last page. */
  const all = async <T>(path: string): Promise<T[]> => {
    const out: T[] = [];
    let cursor: string | null = null;
    for (;;) {
      const sep = path.includes("?") ? "&" : "?";
      const page: Page<T> = await get<Page<T>>(
        cursor === null ? path : `${path}${sep}cursor=${encodeURIComponent(cursor)}`,
      );
      out.push(...page.items);
      if (page.nextCursor === null) return out;
      cursor = page.nextCursor;
    }
  };
  const dev = (deviceId: string): string => encodeURIComponent(deviceId);
  const refQuery = (ref: { readonly path: string; readonly deviceId?: string }): string =>
    `path=${encodeURIComponent(ref.path)}${ref.deviceId === undefined ? "" : `&deviceId=${dev(ref.deviceId)}`}`;

  return {
    base,
    call,
    json,
    createDevice: (body) => json("POST", "/devices", body, [201]),
    patchDevice: (deviceId, body) => json("PATCH", `/devices/${dev(deviceId)}`, body, [200]),
    device: (deviceId) => get(`/devices/${dev(deviceId)}`),
    queue: (deviceId, command, extra = {}) =>
      json("POST", `/devices/${dev(deviceId)}/commands`, { ...extra, command }, [201]),
    command: (id) => get(`/commands/${encodeURIComponent(id)}`),
    commands: (deviceId) => all(`/devices/${dev(deviceId)}/commands?order=asc`),
    wake: (deviceId, body = {}) => json("POST", `/devices/${dev(deviceId)}/wake`, body, [200]),
    async putContent(ref, mediaType, body) {
      const path = `/repository/content?${refQuery(ref)}`;
      const res = await request(`${base}${path}`, { method: "PUT", headers: { "content-type": mediaType }, body });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new ApiError("PUT", path, res.statusCode, text);
      return JSON.parse(text) as { url: string; etag: string };
    },
    async content(ref) {
      const path = `/repository/content?${refQuery(ref)}`;
      const res = await request(`${base}${path}`);
      const body = await res.body.text();
      if (res.statusCode !== 200) throw new ApiError("GET", path, res.statusCode, body);
      return { mediaType: String(res.headers["content-type"]), body };
    },
    uploads: (deviceId) => all(`/uploads?deviceId=${dev(deviceId)}&order=asc`),
    async uploadContent(id) {
      const path = `/uploads/${encodeURIComponent(id)}/content`;
      const res = await request(`${base}${path}`);
      const body = await res.body.text();
      if (res.statusCode !== 200) throw new ApiError("GET", path, res.statusCode, body);
      return body;
    },
    alerts: (deviceId) => all(`/alerts?deviceId=${dev(deviceId)}&order=asc`),
    sessions: (deviceId) => all(`/sessions?deviceId=${dev(deviceId)}`),
    createUiSession: (body) => json("POST", "/ui-sessions", body, [201]),
    uiSession: (id) => get(`/ui-sessions/${encodeURIComponent(id)}`),
  };
}
