// A fastify instance with the server's HTTP edge (one error handler, problem answers, time-outs, decorations), as
// app.ts composes it, for tests that register one component's plugin on their own.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { edgeServerOptions, HTTP_LIMIT_DEFAULTS, installHttpEdge, type HttpLimits } from "../src/edge/http-edge.js";

export function edgeApp(
  options: Pick<FastifyServerOptions, "logger"> & { readonly limits?: Partial<HttpLimits> } = {},
): FastifyInstance {
  const { limits, ...rest } = options;
  const app = Fastify({ ...edgeServerOptions({ ...HTTP_LIMIT_DEFAULTS, ...limits }), ...rest });
  installHttpEdge(app);
  return app;
}
