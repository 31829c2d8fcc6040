// /api/console/session: the web console's sign-in (docs/console.md), beside /api/v1 and outside its
// authentication hook (signing in is how a browser gets authenticated):
//   POST   an API token (or, from loopback while api.loopbackWithoutToken is on, none) → the session cookie
//          (HttpOnly, SameSite=Strict, Secure with TLS) and the CSRF token the console sends with each write
//   GET    the current sign-in (its CSRF token again, for a reloaded page), or 401
//   DELETE sign out (needs the CSRF token); the cookie is removed either way
// The token is checked by the API's own `authenticate`, so a token the API refuses cannot sign in.
import { Type } from "typebox";
import { authenticate, type ApiAuthOptions } from "../api/auth.js";
import type { ApiApp } from "../api/api-context.js";
import { Time } from "../api/common-schemas.js";
import { BODY_ERROR_CODES, problemResponses } from "../api/error-docs.js";
import { ServerError, ServerErrorCode } from "../errors.js";
import { hashApiToken } from "../services/api-tokens.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../store/types.js";
import { CSRF_HEADER, readCookie, sessionCookie, type ConsoleAuth } from "./console-auth.js";

const C = ServerErrorCode;
const tags = ["console"];

const SignIn = Type.Object({
  csrfToken: Type.String({ description: `Send it as ${CSRF_HEADER} with every write made with the cookie` }),
  expiresAt: Time,
  caller: Type.Union([Type.Literal("token"), Type.Literal("loopback")], {
    description: "token: signed in with an API token; loopback: without one, from a loopback peer",
  }),
});

const SignInBody = Type.Object(
  {
    token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description: "An API token; absent: a loopback sign-in (only while api.loopbackWithoutToken is on)",
      }),
    ),
  },
  { additionalProperties: false },
);

export interface ConsoleSessionRouteOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly auth: ConsoleAuth;
  readonly apiAuth: ApiAuthOptions;
}

/** A sign-in posted from another site's page (its Origin names another host) is refused: login CSRF. */
function checkOrigin(origin: string | undefined, host: string | undefined): void {
  if (origin === undefined) return;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    originHost = "";
  }
  if (originHost !== host) {
    throw new ServerError(C.CONSOLE_CSRF_REJECTED, "the sign-in was posted from another site's page");
  }
}

export function registerConsoleSessionRoutes(app: ApiApp, options: ConsoleSessionRouteOptions): void {
  const { auth } = options;
  const view = (csrfToken: string, expiresAt: number, withToken: boolean) => ({
    csrfToken,
    expiresAt: new Date(expiresAt).toISOString(),
    caller: withToken ? ("token" as const) : ("loopback" as const),
  });

  app.post(
    "/console/session",
    {
      schema: {
        tags,
        operationId: "consoleSignIn",
        summary: "Sign the web console in: an API token for a session cookie",
        security: [],
        body: SignInBody,
        response: { 201: SignIn, ...problemResponses(C.CONSOLE_CSRF_REJECTED, ...BODY_ERROR_CODES) },
      },
    },
    async (request, reply) => {
      checkOrigin(request.headers.origin, request.headers.host);
      const token = request.body.token;
      // The API's own check, on the token of the body (an Authorization header of the request plays no part);
      // the other headers stay, so that a proxied request (X-Forwarded-For, …) is never taken for loopback.
      const headers = { ...request.headers };
      delete headers.authorization;
      const caller = await authenticate(
        options.store,
        {
          headers: token === undefined ? headers : { ...headers, authorization: `Bearer ${token}` },
          socket: request.socket,
        },
        options.apiAuth,
      );
      const signedWith =
        caller.kind === "token" && token !== undefined ? { id: caller.token.id, hash: hashApiToken(token) } : null;
      const created = await auth.sessions.create(signedWith);
      const maxAge = created.expiresAt - options.clock.now();
      return reply
        .code(201)
        .header("set-cookie", sessionCookie(auth, created.cookie, maxAge))
        .header("cache-control", "no-store")
        .send(view(created.csrf, created.expiresAt, signedWith !== null));
    },
  );

  app.get(
    "/console/session",
    {
      schema: {
        tags,
        operationId: "consoleSession",
        summary: "The web console's current sign-in",
        security: [],
        response: { 200: SignIn, ...problemResponses() },
      },
    },
    async (request, reply) => {
      const cookie = readCookie(request.headers.cookie, auth.cookieName);
      const session = cookie === undefined ? null : await auth.sessions.touch(cookie);
      if (session === null) throw new ServerError(C.API_UNAUTHORIZED, "the console is not signed in");
      return reply
        .header("cache-control", "no-store")
        .send(view(session.csrf, session.expiresAt, session.token !== null));
    },
  );

  app.delete(
    "/console/session",
    {
      schema: {
        tags,
        operationId: "consoleSignOut",
        summary: "Sign the web console out",
        security: [],
        response: { 204: Type.Null(), ...problemResponses(C.CONSOLE_CSRF_REJECTED) },
      },
    },
    async (request, reply) => {
      const cookie = readCookie(request.headers.cookie, auth.cookieName);
      const session = cookie === undefined ? null : await auth.sessions.touch(cookie);
      if (session !== null && cookie !== undefined) {
        const presented = request.headers[CSRF_HEADER];
        if (!auth.sessions.csrfMatches(session, Array.isArray(presented) ? presented[0] : presented)) {
          throw new ServerError(C.CONSOLE_CSRF_REJECTED, `signing out needs the CSRF token in ${CSRF_HEADER}`);
        }
        await auth.sessions.end(cookie);
      }
      return reply
        .code(204)
        .header("set-cookie", sessionCookie(auth, "", 0))
        .send(null);
    },
  );
}
