// HTTP authentication of a DM Client towards its DM Server (docs/protocol.md §11.2): Basic (RFC 7617, client MUST)
// and Digest (RFC 7616, client MAY; MD5, SHA-256, SHA-512-256 and their -sess variants, qop auth/auth-int).
// Credentials come from the account's Ext/HttpAuth (§9.2, omadm's choice). The cnonce comes from an injected random
// source, so the Authorization values are reproducible in tests.
import { createHash } from "node:crypto";
import { err, ok, OmadmError, type Result } from "@omadm/protocol";
import type { HttpAuthCredentials } from "../tree/dmacc.js";
import { parseWwwAuthenticate, type AuthChallenge } from "./auth-challenge.js";

export const AuthErrorCode = {
  /** The account has no HTTP credentials (Ext/HttpAuth). */
  NO_CREDENTIALS: "OMADM_AUTH_NO_CREDENTIALS",
  /** The WWW-Authenticate header is absent or malformed. */
  BAD_CHALLENGE: "OMADM_AUTH_BAD_CHALLENGE",
  /** No offered scheme (or Digest algorithm) is supported, or the account's type forbids the offered one. */
  UNSUPPORTED: "OMADM_AUTH_UNSUPPORTED",
  /** Only Basic was offered and the URL is plain http (§11.2 (omadm's choice): never Basic over non-TLS). */
  BASIC_OVER_HTTP: "OMADM_AUTH_BASIC_OVER_HTTP",
  /** The user name contains ":" (RFC 7617 §2 forbids it for Basic). */
  BAD_CREDENTIALS: "OMADM_AUTH_BAD_CREDENTIALS",
} as const;
export type AuthErrorCode = (typeof AuthErrorCode)[keyof typeof AuthErrorCode];

export class HttpAuthError extends OmadmError<AuthErrorCode> {
  override readonly name = "HttpAuthError";
}

/** The request an Authorization value is computed for. */
export interface AuthRequest {
  readonly method: string;
  readonly url: string;
  /** Needed only for qop=auth-int. */
  readonly body?: Uint8Array;
}

/** Digest algorithms (RFC 7616 §3.3 plus the legacy default MD5) mapped to node:crypto hash names. */
const DIGEST_HASHES: ReadonlyMap<string, string> = new Map([
  ["md5", "md5"],
  ["sha-256", "sha256"],
  ["sha-512-256", "sha512-256"],
]);
/** Strongest first: the order a client picks among several Digest challenges (RFC 7616 §3.7). */
const ALGORITHM_RANK = ["sha-512-256", "sha-256", "md5"];

// ---- Basic -------------------------------------------------------------------------------------------------

/** RFC 7617: `Basic base64(user-id ":" password)`, user-id in UTF-8, the secret's bytes as they are. */
export function basicAuthorization(credentials: HttpAuthCredentials): Result<string, HttpAuthError> {
  if (credentials.name.includes(":")) {
    return err(
      new HttpAuthError(AuthErrorCode.BAD_CREDENTIALS, 'a Basic user name must not contain ":" (RFC 7617 §2)'),
    );
  }
  const user = Buffer.from(`${credentials.name}:`, "utf8");
  return ok(`Basic ${Buffer.concat([user, credentials.secret]).toString("base64")}`);
}

// ---- Digest ------------------------------------------------------------------------------------------------

export interface DigestInput {
  readonly challenge: AuthChallenge;
  readonly credentials: HttpAuthCredentials;
  readonly request: AuthRequest;
  /** Client nonce (hex or any token); fresh for every request. */
  readonly cnonce: string;
  /** Nonce count for this nonce, starting at 1. */
  readonly nc: number;
}

/** RFC 7616 §3.4: the `Digest …` Authorization value for one challenge. */
export function digestAuthorization(input: DigestInput): Result<string, HttpAuthError> {
  const { challenge, credentials, request, cnonce, nc } = input;
  const realm = challenge.params.get("realm") ?? "";
  const nonce = challenge.params.get("nonce");
  if (nonce === undefined) return err(new HttpAuthError(AuthErrorCode.BAD_CHALLENGE, "Digest challenge has no nonce"));
  const algorithmName = challenge.params.get("algorithm") ?? "MD5";
  const parsed = parseAlgorithm(algorithmName);
  if (parsed === undefined) {
    return err(
      new HttpAuthError(
        AuthErrorCode.UNSUPPORTED,
        `Digest algorithm ${JSON.stringify(algorithmName)} is not supported`,
      ),
    );
  }
  const H = (...parts: (string | Uint8Array)[]): string => {
    const h = createHash(parsed.hash);
    parts.forEach((p, i) => {
      if (i > 0) h.update(":");
      h.update(p);
    });
    return h.digest("hex");
  };
  const qop = chooseQop(challenge.params.get("qop"));
  if (qop === null)
    return err(new HttpAuthError(AuthErrorCode.UNSUPPORTED, "Digest qop offers neither auth nor auth-int"));
  const uri = requestTarget(request.url);
  const userhash = challenge.params.get("userhash")?.toLowerCase() === "true";
  const username = userhash ? H(credentials.name, realm) : credentials.name;
  let ha1 = H(Buffer.from(credentials.name, "utf8"), Buffer.from(realm, "utf8"), credentials.secret);
  if (parsed.session) ha1 = H(ha1, nonce, cnonce);
  const ha2 = qop === "auth-int" ? H(request.method, uri, H(request.body ?? new Uint8Array())) : H(request.method, uri);
  const ncText = nc.toString(16).padStart(8, "0");
  const response = qop === undefined ? H(ha1, nonce, ha2) : H(ha1, nonce, ncText, cnonce, qop, ha2);
  const parts = [
    `username=${quote(username)}`,
    `realm=${quote(realm)}`,
    `uri=${quote(uri)}`,
    `algorithm=${algorithmName}`,
    `nonce=${quote(nonce)}`,
  ];
  if (qop !== undefined) parts.push(`nc=${ncText}`, `cnonce=${quote(cnonce)}`, `qop=${qop}`);
  parts.push(`response=${quote(response)}`);
  const opaque = challenge.params.get("opaque");
  if (opaque !== undefined) parts.push(`opaque=${quote(opaque)}`);
  if (userhash) parts.push("userhash=true");
  return ok(`Digest ${parts.join(", ")}`);
}

function parseAlgorithm(name: string): { readonly hash: string; readonly session: boolean } | undefined {
  const lower = name.toLowerCase();
  const session = lower.endsWith("-sess");
  const hash = DIGEST_HASHES.get(session ? lower.slice(0, -5) : lower);
  return hash === undefined ? undefined : { hash, session };
}

/** "auth" when offered, else "auth-int"; undefined for an RFC 2069 challenge without qop; null if neither. */
function chooseQop(offered: string | undefined): "auth" | "auth-int" | undefined | null {
  if (offered === undefined) return undefined;
  const list = offered.split(",").map((q) => q.trim().toLowerCase());
  if (list.includes("auth")) return "auth";
  if (list.includes("auth-int")) return "auth-int";
  return null;
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => "\\" + c)}"`;
}

/** The request-target of the URL (path and query), as the Digest `uri` parameter wants it. */
function requestTarget(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}

// ---- choosing and answering --------------------------------------------------------------------------------

export interface HttpAuthenticatorOptions {
  /** The account's credentials; without them every challenge fails with NO_CREDENTIALS. */
  readonly credentials: HttpAuthCredentials | undefined;
  /** Random bytes for the Digest cnonce. */
  readonly randomBytes: (size: number) => Uint8Array;
  /** §11.2 (omadm's choice): Basic is never sent over plain http unless this is set (tests on loopback). */
  readonly allowBasicOverHttp?: boolean;
}

/** Answers 401 challenges for one session, and authorizes the later requests of that session up front. */
export interface HttpAuthenticator {
  /** The Authorization value answering a 401's WWW-Authenticate values. */
  answer(wwwAuthenticate: readonly string[], request: AuthRequest): Result<string, HttpAuthError>;
  /**
   * The Authorization value for a later request to the same origin, from the challenge last answered (Digest:
   * the same nonce with the next nc); undefined before any challenge or for another origin.
   */
  preemptive(request: AuthRequest): string | undefined;
}

export function createHttpAuthenticator(options: HttpAuthenticatorOptions): HttpAuthenticator {
  let last: { readonly challenge: AuthChallenge; readonly origin: string } | undefined;
  const counts = new Map<string, number>();

  const authorize = (challenge: AuthChallenge, credentials: HttpAuthCredentials, request: AuthRequest) => {
    if (challenge.scheme === "basic") return basicAuthorization(credentials);
    const nonce = challenge.params.get("nonce") ?? "";
    const nc = (counts.get(nonce) ?? 0) + 1;
    counts.set(nonce, nc);
    const cnonce = Buffer.from(options.randomBytes(16)).toString("hex");
    return digestAuthorization({ challenge, credentials, request, cnonce, nc });
  };

  return {
    answer(wwwAuthenticate, request) {
      const credentials = options.credentials;
      if (credentials === undefined) {
        return err(
          new HttpAuthError(AuthErrorCode.NO_CREDENTIALS, "the DM Account has no HTTP credentials (Ext/HttpAuth)"),
        );
      }
      const parsed = parseWwwAuthenticate(wwwAuthenticate);
      if (!parsed.ok) return err(new HttpAuthError(AuthErrorCode.BAD_CHALLENGE, parsed.error.message));
      const chosen = chooseChallenge(parsed.value, credentials, request.url, options.allowBasicOverHttp === true);
      if (!chosen.ok) return chosen;
      last = { challenge: chosen.value, origin: originOf(request.url) };
      return authorize(chosen.value, credentials, request);
    },
    preemptive(request) {
      const credentials = options.credentials;
      if (last === undefined || credentials === undefined || originOf(request.url) !== last.origin) return undefined;
      if (last.challenge.scheme === "basic" && !basicAllowed(request.url, options.allowBasicOverHttp === true))
        return undefined;
      const r = authorize(last.challenge, credentials, request);
      return r.ok ? r.value : undefined;
    },
  };
}

/**
 * The challenge to answer: the strongest Digest algorithm offered, else Basic (over https, or where allowed).
 * An account whose type is DIGEST never answers Basic: that would be a downgrade an attacker could ask for.
 */
export function chooseChallenge(
  challenges: readonly AuthChallenge[],
  credentials: HttpAuthCredentials,
  url: string,
  allowBasicOverHttp: boolean,
): Result<AuthChallenge, HttpAuthError> {
  if (challenges.length === 0) return err(new HttpAuthError(AuthErrorCode.BAD_CHALLENGE, "401 carried no challenge"));
  const digests = challenges
    .filter((c) => c.scheme === "digest" && c.params.has("nonce"))
    .map((c) => ({ c, alg: parseAlgorithm(c.params.get("algorithm") ?? "MD5") }))
    .filter((x) => x.alg !== undefined && chooseQop(x.c.params.get("qop")) !== null)
    .sort((a, b) => rank(a.c) - rank(b.c));
  const bestDigest = digests[0];
  if (bestDigest !== undefined) return ok(bestDigest.c);
  const basic = challenges.find((c) => c.scheme === "basic");
  const offered = challenges.map((c) => c.scheme).join(", ");
  if (basic === undefined) {
    return err(new HttpAuthError(AuthErrorCode.UNSUPPORTED, `no supported authentication scheme offered (${offered})`));
  }
  if (credentials.type.toUpperCase() === "DIGEST") {
    return err(
      new HttpAuthError(AuthErrorCode.UNSUPPORTED, "the account requires Digest but the server offered only Basic"),
    );
  }
  if (!basicAllowed(url, allowBasicOverHttp)) {
    return err(
      new HttpAuthError(AuthErrorCode.BASIC_OVER_HTTP, `Basic credentials are never sent over plain http (${url})`),
    );
  }
  return ok(basic);
}

function rank(c: AuthChallenge): number {
  const name = (c.params.get("algorithm") ?? "MD5").toLowerCase().replace(/-sess$/, "");
  const i = ALGORITHM_RANK.indexOf(name);
  return i < 0 ? ALGORITHM_RANK.length : i;
}

function basicAllowed(url: string, allowBasicOverHttp: boolean): boolean {
  return allowBasicOverHttp || url.toLowerCase().startsWith("https:");
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
