// Shared test helper: a throw-away PKI made with the openssl CLI in a temp dir (real certificates, real files —
// the server's `tls.certFile`/`keyFile`/`caFile` configuration reads them from disk). Used by the server's and
// the CLI's TLS tests (docs/protocol.md §11.2: X.509 server certificates and device client certificates).
//
//   const pki = await makeFilePki();       // CA, server certificate for 127.0.0.1, two device certificates
//   … config tls: { certFile: pki.server.certFile, keyFile: pki.server.keyFile, caFile: pki.caFile } …
//   await pki.cleanup();
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface PemPair {
  /** PEM text. */
  readonly cert: string;
  readonly key: string;
  /** Where they are on disk. */
  readonly certFile: string;
  readonly keyFile: string;
}

export interface FilePki {
  readonly dir: string;
  readonly ca: string;
  readonly caFile: string;
  /** For 127.0.0.1 and localhost, signed by the CA. */
  readonly server: PemPair;
  /** Device client certificates signed by the CA. */
  readonly deviceA: PemPair;
  readonly deviceB: PemPair;
  /** Writes a file into the PKI directory (for broken-file tests); returns its path. */
  writeFile(name: string, content: string): Promise<string>;
  cleanup(): Promise<void>;
}

/** Whether the openssl CLI can be run. */
export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * The skip option for tests needing openssl: false when it is installed; a reason when it is not; and with
 * `CI=true` an absent openssl is a failure (as for every service, test-support/services.ts), so this throws.
 */
export function skipWithoutOpenssl(): false | string {
  if (hasOpenssl()) return false;
  if (process.env.CI === "true") throw new Error("the openssl CLI is required for the TLS tests (CI=true)");
  return "the openssl CLI is not installed; TLS tests skipped";
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** A CA, a server certificate for 127.0.0.1 and two device certificates (P-256 keys, valid two days). */
export async function makeFilePki(): Promise<FilePki> {
  const dir = await mkdtemp(join(tmpdir(), "omadm-tls-pki-"));
  const path = (name: string): string => join(dir, name);
  const openssl = (args: readonly string[]) => run("openssl", [...args]);
  const caFile = path("ca.pem");
  await openssl(["req", "-x509", ...EC, "-keyout", path("ca.key"), "-out", caFile, "-days", "2"].concat(subj("CA")));
  await writeFile(path("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  await writeFile(path("client.ext"), "extendedKeyUsage=clientAuth\n");
  const issue = async (name: string, cn: string, ext: string): Promise<PemPair> => {
    const certFile = path(`${name}.pem`);
    const keyFile = path(`${name}.key`);
    await openssl(["req", "-new", ...EC, "-keyout", keyFile, "-out", path(`${name}.csr`), ...subj(cn)]);
    await openssl(
      ["x509", "-req", "-in", path(`${name}.csr`), "-CA", caFile, "-CAkey", path("ca.key"), "-CAcreateserial"].concat([
        "-out",
        certFile,
        "-days",
        "2",
        "-extfile",
        path(ext),
      ]),
    );
    return { cert: await readFile(certFile, "utf8"), key: await readFile(keyFile, "utf8"), certFile, keyFile };
  };
  return {
    dir,
    ca: await readFile(caFile, "utf8"),
    caFile,
    server: await issue("server", "127.0.0.1", "server.ext"),
    deviceA: await issue("device-a", "IMEI:350000000000901", "client.ext"),
    deviceB: await issue("device-b", "IMEI:350000000000902", "client.ext"),
    async writeFile(name, content) {
      await writeFile(path(name), content);
      return path(name);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

function subj(cn: string): string[] {
  return ["-subj", `/CN=omadm test ${cn}`];
}
