// Request logging of the edge: fastify's "incoming request" line, but with every credential taken out of the URL:
// the query (a SHOW page's `uiid` is its only credential) and the token of a DM session URL (`/dm/s/<token>`).
// "request completed" lines carry no URL. Used as the instance's `logController` (./http-edge.ts).
import { LogController, type FastifyRequest } from "fastify";

/** A URL as it may be logged: the path without query, session tokens replaced. */
export function loggableUrl(url: string): string {
  const end = url.search(/[?#]/);
  const path = end === -1 ? url : url.slice(0, end);
  const redacted = path.replace(/^\/dm\/s\/[^/]*/, "/dm/s/<token>");
  return end === -1 ? redacted : `${redacted}?<redacted>`;
}

export class RedactingLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.info({ request: { method: request.method, url: loggableUrl(request.url) } }, "incoming request");
  }
}
