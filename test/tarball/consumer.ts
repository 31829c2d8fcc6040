// A TypeScript consumer of the published packages: scripts/tarball-test.mjs type-checks it (never runs it)
// against the `.d.ts` files shipped in the tarballs, in a fresh project with a consumer's plain strict settings.
// The @ts-expect-error lines fail the check if the shipped types were missing or `any`.
import {
  createDmClient,
  createMemoryStateStore,
  createUndiciHttpClient,
  parseDeviceConfig,
  type DeviceConfig,
  type DmClient,
  type SessionOutcome,
} from "@omadm/client";
import { statusName } from "@omadm/protocol";
import {
  createMemoryStore,
  createOmadmServer,
  loadServerConfig,
  type OmadmServer,
  type ServerConfig,
  type Store,
} from "@omadm/server";

export function deviceConfig(srvUri: string): DeviceConfig {
  const parsed = parseDeviceConfig(
    {
      devInfo: {
        devId: "IMEI:350000000009999",
        man: "consumer",
        mod: "C-1",
        lang: "en-US",
        devType: "sensor",
        oem: "omadm",
        fwV: "1",
        swV: "1",
        hwV: "1",
      },
      accounts: [{ srvId: "omadm", srvUri, name: "omadm" }],
      allowHttp: true,
    },
    { baseDir: ".", readFile: () => new Uint8Array() },
  );
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

export function device(config: DeviceConfig): DmClient {
  return createDmClient(
    {
      stateStore: createMemoryStateStore(),
      http: createUndiciHttpClient({ allowHttp: true }),
      clock: { now: () => Date.now() },
      timers: {
        setTimeout: (f, ms) => setTimeout(f, ms),
        clearTimeout: (h) => {
          clearTimeout(h as NodeJS.Timeout);
        },
      },
      random: (n) => new Uint8Array(n),
      logger: { info: () => undefined, warn: () => undefined },
    },
    config,
  );
}

export async function oneSession(client: DmClient): Promise<string> {
  const outcome: SessionOutcome = await client.runSession("omadm");
  // @ts-expect-error the server id is a string
  await client.runSession(42);
  if (outcome.kind !== "completed") return "aborted";
  return outcome.commands.map((c) => `${c.item[0] ?? "?"} ${statusName(c.status.sc)}`).join(", ");
}

export function server(): { server: OmadmServer; store: Store; config: ServerConfig } {
  const loaded = loadServerConfig({ overrides: { listen: { port: 0 } } });
  if (!loaded.ok) throw new Error(loaded.error.message);
  const store = createMemoryStore({ clock: { now: () => Date.now() } });
  // @ts-expect-error a server needs its store
  createOmadmServer({}, loaded.value);
  return { server: createOmadmServer({ store }, loaded.value), store, config: loaded.value };
}
