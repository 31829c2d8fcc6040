// The `tls` configuration (docs/protocol.md §11.2): keys from overrides, a file and OMADM_TLS_* variables; what is
// derived from deviceAuth.modes; combinations that cannot work and unreadable files refused naming the key and
// the file; unusable PEM material refused when the server is composed, before anything listens.
import assert from "node:assert/strict";
import { relative } from "node:path";
import { after, before, test } from "node:test";
import { createOmadmServer } from "../src/app.js";
import { loadServerConfig, type ConfigResult, type ServerConfigInput } from "../src/config.js";
import { ServerError } from "../src/errors.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { checkTlsMaterial, loadTlsMaterial } from "../src/tls/tls-material.js";
import { makeFilePki, skipWithoutOpenssl, type FilePki } from "../../../test-support/openssl-pki.js";

const skip = skipWithoutOpenssl();
if (skip !== false) console.log(`# ${skip}`);
let pki: FilePki;
before(async () => {
  if (skip === false) pki = await makeFilePki();
});
after(async () => {
  await pki?.cleanup(); // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- absent when skipped
});

const load = (overrides: ServerConfigInput, env: Record<string, string> = {}): ConfigResult =>
  loadServerConfig({ overrides, env });

function value(r: ConfigResult) {
  if (!r.ok) throw r.error;
  return r.value;
}

function problems(r: ConfigResult): string[] {
  assert.ok(!r.ok, "expected the configuration to be refused");
  assert.equal(r.error.code, "OMADM_SRV_CONFIG_INVALID");
  return r.problems.map((p) => `${p.key}: ${p.message}`);
}

const x509 = () => ({ enabled: true, certFile: pki.server.certFile, keyFile: pki.server.keyFile });

test("default: no TLS, plain-http public URL; with TLS the derived public URL is https", { skip }, () => {
  const plain = value(load({}));
  assert.equal(plain.tls.enabled, false);
  assert.equal(plain.tls.minVersion, "TLSv1.2");
  assert.equal(plain.publicBaseUrl, "http://127.0.0.1:8080");
  const tls = value(load({ tls: x509() }));
  assert.equal(tls.publicBaseUrl, "https://127.0.0.1:8080");
  assert.equal(tls.tls.requestClientCert, false);
  assert.equal(tls.tls.psk, false);
});

test("OMADM_TLS_* variables set every key; relative paths are resolved", { skip }, () => {
  const c = value(
    load(
      { deviceAuth: { modes: ["mtls", "psk"] } },
      {
        OMADM_TLS_ENABLED: "true",
        OMADM_TLS_CERT_FILE: relative(process.cwd(), pki.server.certFile),
        OMADM_TLS_KEY_FILE: pki.server.keyFile,
        OMADM_TLS_CA_FILE: pki.caFile,
        OMADM_TLS_REQUEST_CLIENT_CERT: "yes",
        OMADM_TLS_PSK: "1",
        OMADM_TLS_PSK_IDENTITY_HINT: "dm.example",
        OMADM_TLS_MIN_VERSION: "TLSv1.1",
      },
    ),
  );
  assert.deepEqual(c.tls, {
    enabled: true,
    certFile: pki.server.certFile,
    keyFile: pki.server.keyFile,
    caFile: pki.caFile,
    requestClientCert: true,
    psk: true,
    pskIdentityHint: "dm.example",
    minVersion: "TLSv1.1",
  });
});

test("deviceAuth mtls asks for client certificates, psk turns PSK-TLS on, unless set otherwise", { skip }, () => {
  const mtls = value(load({ tls: { ...x509(), caFile: pki.caFile }, deviceAuth: { modes: ["mtls", "basic"] } }));
  assert.equal(mtls.tls.requestClientCert, true);
  const psk = value(load({ tls: x509(), deviceAuth: { modes: ["psk"] } }));
  assert.equal(psk.tls.psk, true);
  assert.deepEqual(problems(load({ tls: { ...x509(), psk: false }, deviceAuth: { modes: ["psk"] } })), [
    'tls.psk: tls.psk is false, but deviceAuth.modes has "psk"',
  ]);
  assert.deepEqual(problems(load({ tls: { ...x509(), requestClientCert: false }, deviceAuth: { modes: ["mtls"] } })), [
    'tls.requestClientCert: tls.requestClientCert is false, but deviceAuth.modes has "mtls"',
  ]);
});

test("combinations that cannot work are refused naming the keys", { skip }, () => {
  assert.match(problems(load({ deviceAuth: { modes: ["mtls"] } })).join(), /deviceAuth.modes "mtls" needs TLS/);
  assert.match(problems(load({ deviceAuth: { modes: ["psk"] } })).join(), /deviceAuth.modes "psk" needs TLS/);
  assert.deepEqual(problems(load({ tls: { enabled: true, certFile: pki.server.certFile } })), [
    "tls.keyFile: tls.certFile and tls.keyFile must be given together",
  ]);
  assert.deepEqual(problems(load({ tls: { enabled: true } })), [
    "tls.enabled: tls.enabled needs a server certificate (tls.certFile and tls.keyFile), or tls.psk, or both",
  ]);
  assert.match(
    problems(load({ tls: { enabled: true, psk: true }, deviceAuth: { modes: ["psk", "mtls"] } })).join(),
    /deviceAuth.modes asks devices for certificates, which needs a server certificate/,
  );
  assert.deepEqual(problems(load({ tls: { ...x509(), psk: true } })), [
    'tls.psk: tls.psk needs "psk" in deviceAuth.modes (the devices\' PSK credentials are the keys)',
  ]);
  assert.match(
    problems(load({}, { OMADM_TLS_MIN_VERSION: "TLSv1.0" })).join(),
    /OMADM_TLS_MIN_VERSION must be one of TLSv1.2, TLSv1.1/,
  );
  assert.match(problems(load({ tls: { certFile: "" } })).join(), /tls.certFile must be a non-empty string/);
});

test("an unreadable TLS file is refused at load, naming the key and the file", { skip }, () => {
  const missing = `${pki.dir}/nowhere/server.pem`;
  const found = problems(load({ tls: { ...x509(), caFile: missing }, deviceAuth: { modes: ["mtls"] } }));
  assert.equal(found.length, 1);
  assert.ok(found[0]?.startsWith(`tls.caFile: tls.caFile ${missing} cannot be read: ENOENT`), found[0]);
});

test(
  "warnings: TLS keys without tls.enabled, client certificates without a CA, PSK without a certificate",
  { skip },
  () => {
    const ignored = load({ tls: { certFile: pki.server.certFile } });
    assert.ok(ignored.ok);
    assert.deepEqual(ignored.warnings, ["tls.certFile ignored: tls.enabled is false"]);
    const noCa = load({ tls: x509(), deviceAuth: { modes: ["mtls"] } });
    assert.ok(noCa.ok);
    assert.match(noCa.warnings.join(), /tls.requestClientCert without tls.caFile/);
    const pskOnly = load({ tls: { enabled: true }, deviceAuth: { modes: ["psk"] } });
    assert.ok(pskOnly.ok);
    assert.match(pskOnly.warnings.join(), /only PSK-TLS clients can connect/);
    const httpUrl = load({ tls: x509(), publicBaseUrl: "http://dm.example" });
    assert.ok(httpUrl.ok);
    assert.match(httpUrl.warnings.join(), /plain http although tls.enabled/);
  },
);

test("unusable PEM material stops the composition with CONFIG_INVALID naming the file", { skip }, async () => {
  const garbage = await pki.writeFile("garbage.pem", "not a certificate\n");
  const cases: [Parameters<typeof loadTlsMaterial>[0], RegExp][] = [
    [{ certFile: garbage, keyFile: pki.server.keyFile, caFile: null }, /tls.certFile .*garbage.pem and tls.keyFile/],
    // A key that belongs to another certificate.
    [{ certFile: pki.server.certFile, keyFile: pki.deviceA.keyFile, caFile: null }, /not a usable certificate/],
    [{ certFile: null, keyFile: null, caFile: garbage }, /tls.caFile .*garbage.pem holds no PEM certificate/],
  ];
  for (const [files, message] of cases) {
    assert.throws(
      () => loadTlsMaterial(files),
      (e: unknown) => e instanceof ServerError && e.code === "OMADM_SRV_CONFIG_INVALID" && message.test(e.message),
    );
  }
  assert.throws(() => {
    checkTlsMaterial({ cert: null, key: null, ca: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----" });
  }, /certificate 1 cannot be parsed/);
  // The configuration only checks readability; the composition root reads and checks the content.
  const config = value(load({ tls: { enabled: true, certFile: garbage, keyFile: pki.server.keyFile } }));
  const store = createMemoryStore({ clock: { now: () => 0 } });
  assert.throws(() => createOmadmServer({ store }, config), /tls.certFile .*garbage.pem/);
  await store.close();
});

test("PSK-TLS without an authenticator that keeps PSK keys is refused when composing", { skip }, async () => {
  const config = value(load({ tls: x509(), deviceAuth: { modes: ["psk"] } }));
  const store = createMemoryStore({ clock: { now: () => 0 } });
  assert.throws(
    () => createOmadmServer({ store, authenticator: null }, config),
    /tls.psk needs a device authenticator with the "psk" mode/,
  );
  await store.close();
});
