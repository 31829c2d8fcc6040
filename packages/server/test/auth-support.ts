// Shared fixtures of the auth tests (auth-*.test.ts): real certificates made with the openssl CLI in a temp dir,
// and an HTTP Digest client written from RFC 7616 independently of src/auth (so the test checks the server
// against the RFC, not against itself).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Pem {
  readonly cert: string;
  readonly key: string;
}

export interface Pki {
  readonly ca: string;
  readonly server: Pem;
  /** Signed by the CA. */
  readonly deviceA: Pem;
  readonly deviceB: Pem;
  /** Self-signed: does not chain to the CA. */
  readonly rogue: Pem;
  cleanup(): Promise<void>;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** A CA, a server certificate for 127.0.0.1, two device certificates and a self-signed one (P-256 keys). */
export async function makePki(): Promise<Pki> {
  const dir = await mkdtemp(join(tmpdir(), "omadm-pki-"));
  const path = (name: string): string => join(dir, name);
  const openssl = (args: readonly string[]) => run("openssl", [...args]);
  await openssl([
    "req",
    "-x509",
    ...EC,
    "-keyout",
    path("ca.key"),
    "-out",
    path("ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=omadm test CA",
  ]);
  await writeFile(path("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  await writeFile(path("client.ext"), "extendedKeyUsage=clientAuth\n");
  const issue = async (name: string, subject: string, ext: string): Promise<Pem> => {
    await openssl([
      "req",
      "-new",
      ...EC,
      "-keyout",
      path(`${name}.key`),
      "-out",
      path(`${name}.csr`),
      "-subj",
      subject,
    ]);
    await openssl([
      "x509",
      "-req",
      "-in",
      path(`${name}.csr`),
      "-CA",
      path("ca.pem"),
      "-CAkey",
      path("ca.key"),
      "-CAcreateserial",
      "-out",
      path(`${name}.pem`),
      "-days",
      "2",
      "-extfile",
      path(ext),
    ]);
    return { cert: await readFile(path(`${name}.pem`), "utf8"), key: await readFile(path(`${name}.key`), "utf8") };
  };
  const server = await issue("server", "/CN=127.0.0.1", "server.ext");
  const deviceA = await issue("device-a", "/CN=IMEI:111", "client.ext");
  const deviceB = await issue("device-b", "/CN=IMEI:222", "client.ext");
  await openssl([
    "req",
    "-x509",
    ...EC,
    "-keyout",
    path("rogue.key"),
    "-out",
    path("rogue.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=IMEI:111",
  ]);
  const rogue = { cert: await readFile(path("rogue.pem"), "utf8"), key: await readFile(path("rogue.key"), "utf8") };
  return {
    ca: await readFile(path("ca.pem"), "utf8"),
    server,
    deviceA,
    deviceB,
    rogue,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

// ------------------------------------------------------------------------ an independent Digest client

/** The parameters of one `WWW-Authenticate: Digest …` challenge. */
export function parseChallenge(value: string): Record<string, string> {
  assertTrue(value.startsWith("Digest "), `not a Digest challenge: ${value}`);
  const out: Record<string, string> = {};
  const re = /([a-zA-Z-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g;
  for (const m of value.slice(7).matchAll(re)) {
    out[(m[1] ?? "").toLowerCase()] = m[2]?.replace(/\\(.)/g, "$1") ?? m[3] ?? "";
  }
  return out;
}

export interface DigestAnswer {
  readonly username: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
  readonly nc: number;
  readonly cnonce?: string;
}

/** `Authorization: Digest …` answering `challenge` (RFC 7616 §3.4, qop=auth). */
export function digestAuthorization(challenge: Record<string, string>, a: DigestAnswer): string {
  const algorithm = challenge["algorithm"] ?? "MD5";
  const h = (s: string): string =>
    createHash(algorithm === "SHA-256" ? "sha256" : "md5")
      .update(s, "utf8")
      .digest("hex");
  const realm = challenge["realm"] ?? "";
  const nonce = challenge["nonce"] ?? "";
  const nc = a.nc.toString(16).padStart(8, "0");
  const cnonce = a.cnonce ?? "0a4f113b";
  const ha1 = h(`${a.username}:${realm}:${a.password}`);
  const ha2 = h(`${a.method}:${a.uri}`);
  const response = h(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return (
    `Digest username="${a.username}", realm="${realm}", uri="${a.uri}", algorithm=${algorithm}, ` +
    `nonce="${nonce}", nc=${nc}, cnonce="${cnonce}", qop=auth, response="${response}"`
  );
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

function assertTrue(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
