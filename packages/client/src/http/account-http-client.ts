// One HttpClient for a device whose accounts bring their own TLS credentials (docs/protocol.md §9.2, §11.2,
// §11.3): each request goes through a connection pool keyed by the credentials of the account it belongs to, so a
// PSK identity or client certificate is presented only to its own server.
//
// Which credentials a URL gets: an account holding `Auth/Bootstrap` keys its bootstrap server's URLs (its
// ServerURI and SrvURI, and everything below them: the CONT and capability URLs) with those keys (SecMode 0 PSK:
// ClientPubKey = identity, ClientSecretKey = key; SecMode 2 X.509: DER certificate and PKCS#8 key, the
// server verified against the configured CAs). Any other account keys its SrvURI (and the
// same origin: repository transfers) with `Auth/Trsp` (a DER certificate in Data → X.509 with the PKCS#8 key in
// Secret; otherwise PSK identity and key). Everything else uses the base options.
import { X509Certificate, createHash, createPrivateKey } from "node:crypto";
import type { DmAccount } from "../tree/dmacc.js";
import type { HttpRequest, HttpResponse } from "./http-client.js";
import { createUndiciHttpClient, type UndiciHttpClient, type UndiciHttpClientOptions } from "./undici-http-client.js";

/** `Auth/Bootstrap/SecMode` values (docs/protocol.md §9.2, omadm's choice: the LwM2M codes). */
export const SecMode = { Psk: 0, RawPublicKey: 1, X509: 2, NoSec: 3 } as const;

export interface AccountHttpClientOptions {
  /** The device's accounts as they are now (read at each request: a bootstrap adds accounts). */
  readonly accounts: () => readonly DmAccount[];
  /** TLS and limits every pool shares (CAs, timeouts, allowHttp); the default credentials too. */
  readonly base: UndiciHttpClientOptions;
  /** Builds a pool (tests); default createUndiciHttpClient. */
  readonly create?: (options: UndiciHttpClientOptions) => UndiciHttpClient;
}

type Credentials = Pick<UndiciHttpClientOptions, "psk" | "cert" | "key" | "ca">;

const pem = (der: Uint8Array): string => new X509Certificate(der).toString();
const keyPem = (der: Uint8Array): string =>
  createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" }).export({
    format: "pem",
    type: "pkcs8",
  }) as string;

function isCertificate(der: Uint8Array): boolean {
  try {
    new X509Certificate(der);
    return true;
  } catch {
    return false;
  }
}

/** The TLS credentials of `Auth/Bootstrap`, or undefined when they are unusable (missing keys, unknown SecMode). */
export function bootstrapTls(b: NonNullable<DmAccount["bootstrap"]>): Credentials | undefined {
  const mode = b.secMode[0];
  if (b.clientPubKey === undefined || b.clientSecretKey === undefined) return undefined;
  if (mode === SecMode.Psk) {
    return { psk: { identity: new TextDecoder().decode(b.clientPubKey), key: b.clientSecretKey } };
  }
  if (mode === SecMode.X509) {
    try {
      // The server is verified against the configured CAs (ServerPubKey is kept in the tree, not pinned).
      return { cert: pem(b.clientPubKey), key: keyPem(b.clientSecretKey) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The TLS credentials of `Auth/Trsp`, or undefined. */
export function trspTls(t: NonNullable<DmAccount["trsp"]>): Credentials | undefined {
  if (t.secret === undefined) return undefined;
  if (isCertificate(t.data)) {
    try {
      return { cert: pem(t.data), key: keyPem(t.secret) };
    } catch {
      return undefined;
    }
  }
  return { psk: { identity: new TextDecoder().decode(t.data), key: t.secret } };
}

function under(url: string, prefix: string): boolean {
  if (prefix === "" || !url.startsWith(prefix)) return false;
  const rest = url.slice(prefix.length);
  return rest === "" || prefix.endsWith("/") || rest.startsWith("/") || rest.startsWith("?");
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Which credentials a request URL gets (undefined: the base options). Pure. */
export function credentialsFor(url: string, accounts: readonly DmAccount[]): Credentials | undefined {
  let best: { length: number; creds: Credentials } | undefined;
  const consider = (prefix: string, creds: Credentials | undefined): void => {
    if (creds !== undefined && under(url, prefix) && (best === undefined || prefix.length > best.length)) {
      best = { length: prefix.length, creds };
    }
  };
  for (const a of accounts) {
    if (a.bootstrap !== undefined) {
      const creds = bootstrapTls(a.bootstrap);
      consider(a.bootstrap.serverUri, creds);
      consider(a.srvUri, creds);
    } else if (a.trsp !== undefined) consider(a.srvUri, trspTls(a.trsp));
  }
  if (best !== undefined) return best.creds;
  const origin = originOf(url);
  for (const a of accounts) {
    if (a.bootstrap === undefined && a.trsp !== undefined && origin !== undefined && originOf(a.srvUri) === origin) {
      return trspTls(a.trsp);
    }
  }
  return undefined;
}

/** The base options without the client credentials (an account brings its own). */
function withoutCredentials(o: UndiciHttpClientOptions): UndiciHttpClientOptions {
  return Object.fromEntries(Object.entries(o).filter(([k]) => k !== "psk" && k !== "cert" && k !== "key"));
}

function keyOf(c: Credentials): string {
  const h = createHash("sha256");
  for (const part of [c.psk?.identity, c.psk?.key, c.cert, c.key, c.ca]) {
    h.update(
      part === undefined
        ? "\u0000"
        : typeof part === "string" || part instanceof Uint8Array
          ? part
          : JSON.stringify(part),
    );
    h.update("\u0001");
  }
  return h.digest("hex");
}

export function createAccountHttpClient(options: AccountHttpClientOptions): UndiciHttpClient {
  const create = options.create ?? createUndiciHttpClient;
  const base = create(options.base);
  const pools = new Map<string, UndiciHttpClient>();
  const poolFor = (creds: Credentials | undefined): UndiciHttpClient => {
    if (creds === undefined) return base;
    const key = keyOf(creds);
    let pool = pools.get(key);
    if (pool === undefined) {
      // The account's credentials replace the base ones.
      pool = create({ ...withoutCredentials(options.base), ...creds });
      pools.set(key, pool);
    }
    return pool;
  };
  return {
    request(req: HttpRequest): Promise<HttpResponse> {
      return poolFor(credentialsFor(req.url, options.accounts())).request(req);
    },
    async close() {
      await Promise.all([base.close(), ...[...pools.values()].map((p) => p.close())]);
      pools.clear();
    },
  };
}
