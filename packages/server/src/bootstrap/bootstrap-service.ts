// The bootstrap session (docs/bootstrap.md; docs/protocol.md §14 omadm's flow, §11.3):
//
//   Package#1 at the bootstrap URI → (first contact, when the rule depends on DevInfo: CONT to the DevInfo URL and
//     a GET of DevInfo; its Package#3 comes back there and goes on as a Package#1 with those values) the rule for the device; fresh credentials per target server; in one store
//     transaction the target's device record learns them (before the device can arrive there) and a provision
//     with one single-use capability per target is opened → Package#2: CONT to the session URL, DELETE of the
//     DMAcc instances an earlier bootstrap created (a re-bootstrap), HGET of each capability URL.
//   GET capability URL → that target's DMAcc MO data, once (then the secrets are erased from the store).
//   Package#3 at the session URL → completed when every HGET answered 200, else failed → Package#2 END.
import { createHash } from "node:crypto";
import { MOID_DEVINFO, Status, type Package1, type Package2, type Package3 } from "@omadm/protocol";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { Store } from "../store/store.js";
import { devInfoFromItems } from "../registry/devinfo-capture.js";
import { mergeDevInfo } from "../store/device-rules.js";
import type { Clock, Device, JsonValue } from "../store/types.js";
import {
  ProvisionState,
  type BootstrapCredential,
  type BootstrapProvision,
  type BootstrapRule,
  type RemoteTarget,
} from "../store/types-bootstrap.js";
import { provisionTarget } from "./provisioning.js";
import type { RemoteTargetClient } from "./remote-target-client.js";
import { chooseRule, needsDevInfo, type DeviceFacts } from "./rule-match.js";

export interface BootstrapServiceOptions {
  /** The bootstrap endpoint's absolute URL (public base URL + bootstrap.path), known at listen. */
  readonly endpointUrl: () => string;
  readonly capabilityTtlMs: number;
  /** The Digest realm of the management server's device authentication. */
  readonly realm: string;
}

export interface BootstrapService {
  handlePackage1(credential: BootstrapCredential, devId: string, p1: Package1): Promise<Package2>;
  /** The Package#3 answering the DevInfo GET of a first contact: then as handlePackage1. */
  handleDevInfo(credential: BootstrapCredential, devId: string, p3: Package3): Promise<Package2>;
  handlePackage3(devId: string, sessionToken: string, p3: Package3): Promise<Package2>;
  /** The MO data behind a capability URL, once; CAPABILITY refused (404) otherwise. */
  fetchCapability(devId: string, token: string): Promise<unknown>;
}

export const sha256Hex = (text: string): string => createHash("sha256").update(text).digest("hex");

const SESSION_SEGMENT = "s";
const DEVINFO_SEGMENT = "devinfo";
const CAPABILITY_SEGMENT = "c";

export function bootstrapSessionPath(base: string): string {
  return `${base}/${SESSION_SEGMENT}`;
}

/** Where the Package#3 answering the DevInfo GET goes (no token: the TLS credential says who it is). */
export function bootstrapDevInfoPath(base: string): string {
  return `${base}/${DEVINFO_SEGMENT}`;
}

export function bootstrapCapabilityPath(base: string): string {
  return `${base}/${CAPABILITY_SEGMENT}`;
}

function notFound(what: string): ServerError {
  return new ServerError(ServerErrorCode.BOOTSTRAP_PROVISION_NOT_FOUND, `there is no ${what} at this URL`);
}

/** The device's facts for rule matching: credential labels overlaid by the registry's. */
function factsOf(
  devId: string,
  credential: BootstrapCredential,
  device: Device | null,
  reported: Readonly<Record<string, JsonValue>> | null,
): DeviceFacts {
  return {
    devId,
    labels: { ...credential.labels, ...(device?.labels ?? {}) },
    devInfo: reported === null ? (device?.devInfo ?? null) : mergeDevInfo(device?.devInfo ?? null, reported),
  };
}

/** What a bootstrap decision reads from the store. */
interface Known {
  readonly rules: readonly BootstrapRule[];
  readonly pinned: string | null;
  readonly device: Device | null;
  readonly previous: BootstrapProvision | null;
}

export function createBootstrapService(
  deps: {
    readonly store: Store;
    readonly clock: Clock;
    readonly random: (size: number) => Uint8Array;
    /** Registers devices at management servers of other deployments (remote targets). */
    readonly remote?: RemoteTargetClient | undefined;
  },
  options: BootstrapServiceOptions,
): BootstrapService {
  const token = (): string => Buffer.from(deps.random(24)).toString("base64url");
  const base = (): string => options.endpointUrl().replace(/\/$/, "");

  const remoteClient = (): RemoteTargetClient => {
    if (deps.remote === undefined) throw new Error("a rule targets another deployment but no remote client was given");
    return deps.remote;
  };
  const remoteTarget = async (id: string): Promise<RemoteTarget> => {
    const record = await deps.store.bootstrap.getTarget(id);
    if (record === null) {
      throw new ServerError(ServerErrorCode.BOOTSTRAP_TARGET_UNAVAILABLE, `the rule's remote target ${id} is gone`);
    }
    return record;
  };

  const load = async (devId: string): Promise<Known> => {
    const { store } = deps;
    const [rules, pinned, device, previous] = await Promise.all([
      store.bootstrap.listRules(),
      store.bootstrap.assignment(devId),
      store.devices.get(devId),
      store.bootstrap.lastCompleted(devId),
    ]);
    return { rules, pinned, device, previous };
  };

  /** Chooses the rule, generates the secrets, and opens the provision (Package#2: CONT, DELETEs, HGETs). */
  const provision = async (
    credential: BootstrapCredential,
    devId: string,
    known: Known,
    reported: Readonly<Record<string, JsonValue>> | null,
  ): Promise<Package2> => {
    const { store } = deps;
    const { device, previous } = known;
    const rule = chooseRule(known.rules, known.pinned, factsOf(devId, credential, device, reported));
    if (rule === undefined) {
      throw new ServerError(ServerErrorCode.BOOTSTRAP_NO_RULE, `no bootstrap rule matches the device ${devId}`);
    }
    const targets = await Promise.all(
      rule.targets.map(async (t) => {
        const remote = t.targetId === undefined ? null : await remoteTarget(t.targetId);
        // A remote target's SrvID and SrvURI are its record's (the rule keeps copies from when it was saved).
        const effective = remote === null ? t : { ...t, srvId: remote.srvId, srvUri: remote.srvUri };
        return { ...provisionTarget(effective, devId, { realm: options.realm, random: deps.random }), remote };
      }),
    );
    const sessionToken = token();
    const capabilityTokens = targets.map(() => token());
    const labels = { ...credential.labels, ...(device?.labels ?? {}) };
    // Another deployment learns the credentials first, through its API: if it refuses or cannot be reached,
    // nothing is written here and the device is answered 503 to try again later (docs/bootstrap.md).
    for (const t of targets) {
      if (t.remote !== null) await remoteClient().register(t.remote, devId, labels, t.remoteCredentials);
    }
    await store.transaction(async (tx) => {
      // The management server learns the credentials before the device can arrive there (same store).
      for (const t of targets) {
        if (t.remote !== null) continue;
        const existing = await tx.devices.get(devId);
        if (existing === null) await tx.devices.create({ id: devId, labels, ...t.devicePatch });
        else
          await tx.devices.update(devId, {
            ...t.devicePatch,
            http: t.devicePatch.http ?? null,
            psk: t.devicePatch.psk ?? null,
          });
      }
      // The registry keeps the DevInfo the device reported, as from any GET (docs/protocol.md §9.1).
      if (reported !== null) await tx.devices.mergeDevInfo(devId, reported);
      await tx.bootstrap.openProvision({
        deviceId: devId,
        credentialId: credential.id,
        ruleId: rule.id,
        sessionHash: sha256Hex(sessionToken),
        targets: targets.map((t) => ({ srvId: t.srvId, miid: t.miid })),
        capabilities: targets.map((t, i) => ({ tokenHash: sha256Hex(capabilityTokens[i] ?? ""), payload: t.moData })),
        expiresAt: deps.clock.now() + options.capabilityTtlMs,
      });
    });
    const cmd: string[][] = [["CONT", `${bootstrapSessionPath(base())}/${sessionToken}`]];
    // A re-bootstrap replaces the accounts the last one created: the bootstrap server created them, so it may
    // remove them (docs/protocol.md §10, §11.3); new MIIDs make the client owe each new account a
    // BootstrapComplete session (§14 step 6).
    for (const old of previous?.targets ?? []) cmd.push(["DELETE", `urn:oma:mo:oma-dm-dmacc:1.2/${old.miid}/`]);
    for (const t of capabilityTokens) cmd.push(["HGET", `${bootstrapCapabilityPath(base())}/${t}`]);
    return { CMD: cmd };
  };

  return {
    async handlePackage1(credential, devId) {
      const known = await load(devId);
      // First contact and the rule depends on DevInfo: ask for it first (a GET in this session, answered in the
      // Package#3 at the DevInfo URL), since Package#1 carries none (docs/protocol.md §3.1, docs/bootstrap.md).
      if (needsDevInfo(known.rules, known.pinned, factsOf(devId, credential, known.device, null))) {
        return {
          CMD: [
            ["CONT", bootstrapDevInfoPath(base())],
            ["GET", `${MOID_DEVINFO}//`],
          ],
        };
      }
      return provision(credential, devId, known, null);
    },

    async handleDevInfo(credential, devId, p3) {
      // The GET's status carries the values (§3.3); a refused GET (the factory account's Perm lacks DevInfo)
      // leaves the rules to match without them.
      const reported = devInfoFromItems(p3.Status.flatMap((s) => s.Data ?? [])) ?? null;
      return provision(credential, devId, await load(devId), reported);
    },

    async handlePackage3(devId, sessionToken, p3) {
      const provision: BootstrapProvision | null = await deps.store.bootstrap.findProvisionBySession(
        sha256Hex(sessionToken),
      );
      if (provision === null || provision.deviceId !== devId) throw notFound("bootstrap session");
      if (provision.state !== ProvisionState.Pending || provision.expiresAt <= deps.clock.now()) {
        throw new ServerError(
          ServerErrorCode.BOOTSTRAP_PROVISION_NOT_PENDING,
          `the bootstrap session is ${provision.state === ProvisionState.Pending ? "expired" : provision.state}`,
        );
      }
      // Statuses answer CONT, the DELETEs (a missing old account is fine: 404) and the HGETs, in order (§3.3).
      const hgets = p3.Status.slice(p3.Status.length - provision.targets.length);
      const deletes = p3.Status.slice(1, p3.Status.length - provision.targets.length);
      const ok =
        hgets.length === provision.targets.length &&
        hgets.every((s) => s.sc === Status.OK) &&
        deletes.every((s) => s.sc === Status.OK || s.sc === Status.NOT_FOUND);
      await deps.store.bootstrap.finishProvision(provision.id, ok ? ProvisionState.Completed : ProvisionState.Failed);
      return { CMD: [["END"]] };
    },

    async fetchCapability(devId, capabilityToken) {
      const payload = await deps.store.bootstrap.takeCapability(sha256Hex(capabilityToken), devId);
      if (payload === null) throw notFound("capability (unknown, used or expired)");
      return payload;
    },
  };
}
