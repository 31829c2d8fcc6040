// `omadm simulate --bootstrap-uri …`: devices that leave the factory with bootstrap credentials only
// (docs/bootstrap.md, docs/simulator.md). The template's accounts are replaced by one factory account of the
// bootstrap server holding a batch PSK (a credential whose DevID pattern covers the fleet), so that every device
// bootstraps at its first start, then opens its BootstrapComplete session at the management server it was given.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { loadDeviceConfig, parseDeviceConfig, type DeviceConfig } from "@omadm/client";
import { MOID_DEVINFO, MOID_DMACC } from "@omadm/protocol";
import { errorMessage } from "@omadm/protocol/omadm-error";
import { ConfigProblem, UsageError } from "../cli-errors.js";

export interface BootstrapFlags {
  readonly bootstrapUri?: string;
  readonly bootstrapPskIdentity?: string;
  readonly bootstrapPskKey?: string;
  readonly bootstrapSrvid?: string;
  readonly bootstrapCa?: string;
}

/** The device template: the config file as it is, or with its accounts replaced by a factory bootstrap account. */
export function loadTemplate(file: string, flags: BootstrapFlags): DeviceConfig {
  if (flags.bootstrapUri === undefined) {
    if (flags.bootstrapPskIdentity !== undefined || flags.bootstrapPskKey !== undefined) {
      throw new UsageError("--bootstrap-psk-identity and --bootstrap-psk-key need --bootstrap-uri");
    }
    const loaded = loadDeviceConfig(file);
    if (!loaded.ok) throw new ConfigProblem(`${file}: ${loaded.error.message}`, loaded.error);
    return loaded.value;
  }
  if (flags.bootstrapPskIdentity === undefined || flags.bootstrapPskKey === undefined) {
    throw new UsageError("--bootstrap-uri needs --bootstrap-psk-identity and --bootstrap-psk-key (a batch PSK)");
  }
  const path = resolve(file);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigProblem(`${file}: ${errorMessage(error)}`, error);
  }
  const accounts = Array.isArray(raw.accounts) ? (raw.accounts as Record<string, unknown>[]) : [];
  // The bootstrap server's CA: the flag, else the template's first account's TLS section (relative to the file).
  const tls = flags.bootstrapCa === undefined ? accounts[0]?.tls : { ca: resolve(flags.bootstrapCa) };
  const factory = {
    srvId: flags.bootstrapSrvid ?? "omadm-bootstrap",
    srvUri: flags.bootstrapUri,
    name: "factory bootstrap server",
    // DMAcc: the bootstrap server creates the accounts; DevInfo: rules may match on it (docs/bootstrap.md).
    permittedMoids: [MOID_DMACC, MOID_DEVINFO],
    miid: "factory",
    bootstrap: {
      secMode: "psk",
      psk: { identity: flags.bootstrapPskIdentity, keyFile: resolve(flags.bootstrapPskKey) },
    },
    ...(tls === undefined ? {} : { tls }),
  };
  const parsed = parseDeviceConfig(
    { ...raw, accounts: [factory] },
    { baseDir: dirname(path), readFile: (p) => new Uint8Array(readFileSync(p)) },
  );
  if (!parsed.ok) throw new ConfigProblem(`${file} with the bootstrap account: ${parsed.error.message}`, parsed.error);
  return parsed.value;
}

/** Whether the template's devices bootstrap (an account holds Auth/Bootstrap keys). */
export function bootstraps(template: DeviceConfig): boolean {
  return template.accounts.some((a) => a.input.bootstrap !== undefined);
}
