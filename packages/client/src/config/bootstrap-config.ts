// The `bootstrap` section of a device config account (docs/bootstrap.md): the factory bootstrap credentials,
// turned into the DMAcc `Auth/Bootstrap` values (docs/protocol.md §9.2, omadm's choice of encodings: SecMode one
// byte; PSK: ClientPubKey = identity, ClientSecretKey = key, ServerPubKey = the server's identity hint; X.509:
// DER certificate and PKCS#8 DER key, ServerPubKey = the server's DER certificate).
import { X509Certificate, createPrivateKey } from "node:crypto";
import type { Static } from "typebox";
import type { DmAccountInput } from "../tree/dmacc.js";
import type { BootstrapSchema } from "./device-config-schema.js";

type BootstrapJson = Static<typeof BootstrapSchema>;

export type BootstrapInputResult =
  | { readonly ok: true; readonly value: NonNullable<DmAccountInput["bootstrap"]> }
  | { readonly ok: false; readonly key: string; readonly message: string };

function der(pemText: Uint8Array): Uint8Array {
  return new Uint8Array(new X509Certificate(pemText).raw);
}

export function bootstrapInput(
  b: BootstrapJson,
  srvUri: string,
  key: string,
  read: (key: string, path: string) => Uint8Array,
  hexFile: (key: string, content: Uint8Array) => Uint8Array,
  allowHttp: boolean,
): BootstrapInputResult {
  const serverUri = b.serverUri ?? srvUri;
  if (!serverUri.startsWith("https:") && !(allowHttp && serverUri.startsWith("http:"))) {
    return { ok: false, key: `${key}.serverUri`, message: "the bootstrap server is reached over https (§11.3)" };
  }
  if (b.secMode === "psk") {
    if (b.psk === undefined || b.cert !== undefined || b.key !== undefined) {
      return { ok: false, key, message: 'secMode "psk" needs psk (identity, keyFile) and no cert or key' };
    }
    return {
      ok: true,
      value: {
        serverUri,
        secMode: 0,
        clientPubKey: new TextEncoder().encode(b.psk.identity),
        clientSecretKey: hexFile(`${key}.psk.keyFile`, read(`${key}.psk.keyFile`, b.psk.keyFile)),
        serverPubKey: new TextEncoder().encode(b.serverIdentity ?? ""),
      },
    };
  }
  if (b.cert === undefined || b.key === undefined || b.psk !== undefined) {
    return { ok: false, key, message: 'secMode "x509" needs cert and key and no psk' };
  }
  try {
    const certDer = der(read(`${key}.cert`, b.cert));
    const keyDer = createPrivateKey(Buffer.from(read(`${key}.key`, b.key))).export({ format: "der", type: "pkcs8" });
    const serverDer = b.serverCert === undefined ? new Uint8Array() : der(read(`${key}.serverCert`, b.serverCert));
    return {
      ok: true,
      value: {
        serverUri,
        secMode: 2,
        clientPubKey: certDer,
        clientSecretKey: new Uint8Array(keyDer),
        serverPubKey: serverDer,
      },
    };
  } catch (error) {
    if (error instanceof Error && error.name === "DeviceConfigError") throw error;
    return { ok: false, key, message: `not a PEM certificate or private key (${String(error)})` };
  }
}
