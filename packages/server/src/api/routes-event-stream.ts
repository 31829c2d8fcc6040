// GET /api/v1/events: the server events as Server-Sent Events (WHATWG HTML §9.2), resumable.
//
// Every event goes out as `id: <log id>`, `event: <kind>`, `data: <JSON>`. A client that reconnects with
// `Last-Event-ID` (EventSource does it by itself) gets every event after that id, in order, none twice, as long
// as the log still holds them (`events.retain`); `?after=<id>` does the same for clients that cannot set the
// header, and `?after=0` replays the whole log. Without either, the stream starts with the next event.
//
// The stream always reads from the event log, never from memory: the recorder's "appended" signal only wakes it
// (this node's events go out at once), and it also reads every `pollMs` (other nodes' events). A comment line
// every `heartbeatMs` keeps proxies from closing an idle stream. Streams end when the server stops.
import type { ServerResponse } from "node:http";
import { Type } from "typebox";
import type { EventRecorder } from "../events/event-recorder.js";
import type { EventLog, ServerEvent } from "../events/event-types.js";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { ApiApp } from "./api-context.js";
import { iso } from "./common-schemas.js";
import { problemResponses } from "./error-docs.js";

export interface EventStreamOptions {
  readonly log: EventLog;
  /** Wakes streams when this node appended; null: they only poll. */
  readonly recorder: Pick<EventRecorder, "onAppended"> | null;
  readonly heartbeatMs: number;
  readonly pollMs: number;
}

const READ_BATCH = 500;

const EventStreamQuery = Type.Object({
  kind: Type.Optional(
    Type.String({ minLength: 1, description: "Comma-separated event kinds, e.g. `command.state,alert.received`" }),
  ),
  deviceId: Type.Optional(Type.String({ minLength: 1, description: "Only this device's events" })),
  after: Type.Optional(
    Type.Integer({ minimum: 0, description: "Start after this event id (`Last-Event-ID` wins when both are given)" }),
  ),
});

const EVENT_STREAM_DOC =
  "`text/event-stream`. Each event: `id` (the log id), `event` (the kind), `data` (JSON: id, kind, deviceId, " +
  "sessionId, commandId, data, at). Comment lines (`: heartbeat`) keep the stream open.";

/** Registers the route; returns `closeAll`, which ends every open stream (called before the server closes). */
export function registerEventStreamRoute(app: ApiApp, options: EventStreamOptions): () => void {
  const open = new Set<() => void>();

  app.get(
    "/events",
    {
      schema: {
        tags: ["events"],
        operationId: "streamEvents",
        summary: "Follow server events as Server-Sent Events, resumable with Last-Event-ID",
        description: EVENT_STREAM_DOC,
        querystring: EventStreamQuery,
        headers: Type.Object({ "last-event-id": Type.Optional(Type.String()) }),
        produces: ["text/event-stream"],
        response: {
          200: { description: EVENT_STREAM_DOC, content: { "text/event-stream": { schema: Type.String() } } },
          ...problemResponses(ServerErrorCode.INVALID_INPUT),
        },
      },
    },
    async (request, reply) => {
      const header = request.headers["last-event-id"];
      let cursor: number;
      if (header !== undefined && header !== "") {
        if (!/^\d{1,15}$/.test(header)) {
          throw new ServerError(ServerErrorCode.INVALID_INPUT, "Last-Event-ID must be an event id (digits)");
        }
        cursor = Number(header);
      } else {
        cursor = request.query.after ?? (await options.log.lastId());
      }
      const kinds = request.query.kind
        ?.split(",")
        .map((k) => k.trim())
        .filter((k) => k !== "");
      const filter = { kinds, deviceId: request.query.deviceId };

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      res.write(`retry: 2000\n: stream from event ${cursor}\n\n`);

      let closed = false;
      const isClosed = () => closed;
      // Set by a wake-up that arrived while reading (a closure the compiler cannot follow).
      const wantsAgain = () => again;
      let reading = false;
      let again = false;
      let lastWrite = Date.now();
      const write = (text: string) => {
        lastWrite = Date.now();
        res.write(text);
      };
      const read = async (): Promise<void> => {
        if (closed) return;
        if (reading) {
          again = true;
          return;
        }
        reading = true;
        try {
          do {
            again = false;
            let batch: readonly ServerEvent[];
            do {
              batch = await options.log.after({ afterId: cursor, ...filterArgs(filter), limit: READ_BATCH });
              for (const e of batch) {
                if (isClosed()) return;
                write(formatEvent(e));
                cursor = e.id;
              }
            } while (batch.length === READ_BATCH);
          } while (wantsAgain() && !isClosed());
        } catch (error) {
          request.log.warn({ err: error }, "event stream could not read the event log; closing it");
          stop();
        } finally {
          reading = false;
        }
      };
      const poll = setInterval(() => void read(), options.pollMs);
      const heartbeat = setInterval(
        () => {
          if (!closed && Date.now() - lastWrite >= options.heartbeatMs - 50) write(": heartbeat\n\n");
        },
        Math.min(options.heartbeatMs, 1000),
      );
      const unsubscribe = options.recorder?.onAppended(() => void read()) ?? (() => undefined);
      function stop(): void {
        if (closed) return;
        closed = true;
        clearInterval(poll);
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(stop);
        endResponse(res);
      }
      open.add(stop);
      res.on("close", stop);
      await read();
    },
  );

  return () => {
    for (const stop of [...open]) stop();
  };
}

function filterArgs(f: { kinds: string[] | undefined; deviceId: string | undefined }) {
  return {
    ...(f.kinds === undefined || f.kinds.length === 0 ? {} : { kinds: f.kinds }),
    ...(f.deviceId === undefined ? {} : { deviceId: f.deviceId }),
  };
}

/** One SSE message; JSON has no raw newlines, so `data` is one line. */
export function formatEvent(e: ServerEvent): string {
  const body = { ...e, at: iso(e.at) };
  return `id: ${e.id}\nevent: ${e.kind}\ndata: ${JSON.stringify(body)}\n\n`;
}

function endResponse(res: ServerResponse): void {
  if (!res.writableEnded) res.end();
}
