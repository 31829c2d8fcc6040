// A per-session cookie jar (docs/protocol.md §1.4 (omadm's choice): the client keeps HTTP cookies for the duration of a
// session, so a server can correlate Package#3 with its session). An RFC 6265 subset: name=value, Domain, Path,
// Expires / Max-Age, Secure. The jar lives only as long as one session; the runner drops it at the end, so no
// cookie crosses sessions. Time comes from an injected clock.

export interface CookieClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  /** Lower-case host (host-only) or Domain attribute value. */
  readonly domain: string;
  readonly hostOnly: boolean;
  readonly path: string;
  readonly secure: boolean;
  /** Absolute expiry in ms; undefined for a session cookie. */
  readonly expiresAt: number | undefined;
  readonly created: number;
}

export interface CookieJar {
  /** Takes the Set-Cookie values of a response to `url`. Malformed or foreign-domain cookies are ignored. */
  store(url: string, setCookie: readonly string[]): void;
  /** The Cookie header value for a request to `url`, or undefined when no cookie applies. */
  header(url: string): string | undefined;
  readonly size: number;
}

/** Bounds against a hostile server: a DM session needs one or two cookies. */
const MAX_COOKIES = 50;
const MAX_COOKIE_BYTES = 4096;

export function createCookieJar(clock: CookieClock): CookieJar {
  const cookies: StoredCookie[] = [];
  let counter = 0;

  const dropExpired = (now: number): void => {
    for (let i = cookies.length - 1; i >= 0; i--) {
      const c = cookies[i];
      if (c?.expiresAt !== undefined && c.expiresAt <= now) cookies.splice(i, 1);
    }
  };

  return {
    store(url, setCookie) {
      const target = parseUrl(url);
      if (target === undefined) return;
      const now = clock.now();
      for (const line of setCookie) {
        const cookie = parseSetCookie(line, target, now, counter++);
        if (cookie === undefined) continue;
        // RFC 6265 §5.3 step 11: a cookie with the same name, domain and path replaces the old one.
        const i = cookies.findIndex(
          (c) => c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path,
        );
        const created = i >= 0 ? (cookies[i]?.created ?? cookie.created) : cookie.created;
        if (i >= 0) cookies.splice(i, 1);
        if (cookie.expiresAt !== undefined && cookie.expiresAt <= now) continue; // an expiry in the past deletes
        cookies.push({ ...cookie, created });
        if (cookies.length > MAX_COOKIES) cookies.shift();
      }
    },
    header(url) {
      const target = parseUrl(url);
      if (target === undefined) return undefined;
      dropExpired(clock.now());
      const matching = cookies
        .filter(
          (c) =>
            (c.hostOnly ? c.domain === target.host : domainMatch(target.host, c.domain)) &&
            pathMatch(target.path, c.path) &&
            (!c.secure || target.secure),
        )
        // RFC 6265 §5.4 step 2: longer paths first, then earlier creation.
        .sort((a, b) => b.path.length - a.path.length || a.created - b.created);
      return matching.length === 0 ? undefined : matching.map((c) => `${c.name}=${c.value}`).join("; ");
    },
    get size() {
      return cookies.length;
    },
  };
}

interface Target {
  readonly host: string;
  readonly path: string;
  readonly secure: boolean;
}

function parseUrl(url: string): Target | undefined {
  try {
    const u = new URL(url);
    return {
      host: u.hostname.toLowerCase().replace(/^\[|\]$/g, ""),
      path: u.pathname || "/",
      secure: u.protocol === "https:",
    };
  } catch {
    return undefined;
  }
}

/** RFC 6265 §5.2 parsing, with §5.3 storage rules applied against the request URL. */
function parseSetCookie(line: string, target: Target, now: number, created: number): StoredCookie | undefined {
  if (line.length > MAX_COOKIE_BYTES) return undefined;
  const [pair = "", ...attributes] = line.split(";");
  const eq = pair.indexOf("=");
  if (eq < 0) return undefined; // RFC 6265 §5.2 step 2: no "=" → ignore the whole line
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  if (name === "") return undefined;
  let domain: string | undefined;
  let path: string | undefined;
  let secure = false;
  let maxAge: number | undefined;
  let expires: number | undefined;
  for (const attribute of attributes) {
    const i = attribute.indexOf("=");
    const key = (i < 0 ? attribute : attribute.slice(0, i)).trim().toLowerCase();
    const val = i < 0 ? "" : attribute.slice(i + 1).trim();
    switch (key) {
      case "expires": {
        const t = Date.parse(val);
        if (!Number.isNaN(t)) expires = t;
        break;
      }
      case "max-age":
        // RFC 6265 §5.2.2: digits with an optional leading "-"; zero or less means "expire now".
        if (/^-?[0-9]+$/.test(val)) maxAge = Number(val);
        break;
      case "domain":
        if (val !== "") domain = val.replace(/^\./, "").toLowerCase();
        break;
      case "path":
        path = val.startsWith("/") ? val : undefined;
        break;
      case "secure":
        secure = true;
        break;
      default:
        break; // HttpOnly, SameSite and unknown attributes do not matter to a device
    }
  }
  // RFC 6265bis §5.7: a Secure cookie is only accepted from a secure origin.
  if (secure && !target.secure) return undefined;
  // RFC 6265 §5.3 step 6: a Domain that does not cover the request host is refused (no cookies for other hosts).
  if (domain !== undefined && !domainMatch(target.host, domain)) return undefined;
  const expiresAt = maxAge !== undefined ? (maxAge <= 0 ? now : now + maxAge * 1000) : expires; // Max-Age wins
  return {
    name,
    value,
    domain: domain ?? target.host,
    hostOnly: domain === undefined,
    path: path ?? defaultPath(target.path),
    secure,
    expiresAt,
    created,
  };
}

/** RFC 6265 §5.1.3: identical, or a suffix at a label boundary of a host name (never of an IP address). */
function domainMatch(host: string, domain: string): boolean {
  if (host === domain) return true;
  const isIp = /^[0-9.]+$/.test(host) || host.includes(":");
  return !isIp && host.endsWith("." + domain);
}

/** RFC 6265 §5.1.4: the directory of the request path. */
function defaultPath(path: string): string {
  if (!path.startsWith("/")) return "/";
  const last = path.lastIndexOf("/");
  return last <= 0 ? "/" : path.slice(0, last);
}

/** RFC 6265 §5.1.4 path-match. */
function pathMatch(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath.charAt(cookiePath.length) === "/";
}
