// What operators do with the bootstrap role (docs/bootstrap.md), behind the REST API and `omadm bootstrap`:
// import credentials in bulk, keep the rules, and re-bootstrap a device — rotate its credentials, or move it to
// another rule's server — by revoking its session credentials at once (the old ones are refused from then on)
// and asking it to bootstrap with a Package#0 from the bootstrap server's SrvID (server-initiated bootstrap,
// docs/protocol.md §14). A device that misses the Package#0 bootstraps again after its authentication failures
// (the client's fallback).
import { ServerError, ServerErrorCode } from "../errors.js";
import type { Notifier } from "../notifier/notifier.js";
import type { Store } from "../store/store.js";
import type {
  BootstrapCredential,
  BootstrapRule,
  NewBootstrapCredential,
  BootstrapTarget,
  NewBootstrapRule,
  NewRemoteTarget,
  RemoteTarget,
} from "../store/types-bootstrap.js";
import type { RemoteTargetClient } from "./remote-target-client.js";
import { certificateFingerprint } from "../tls/client-certificate.js";
import { errorMessage } from "@omadm/protocol";
import type { BootstrapPskKeys } from "./bootstrap-psk.js";
import { NOTI_TYPE_SHA256_DIGEST } from "./provisioning.js";

/** A rule as the operator gives it: a remote target's srvId and srvUri may be left out. */
export type RuleInput = Omit<NewBootstrapRule, "targets"> & {
  readonly targets: readonly (Omit<BootstrapTarget, "srvId" | "srvUri"> & {
    readonly srvId?: string | undefined;
    readonly srvUri?: string | undefined;
  })[];
};

export type RemoteTargetInput = Omit<NewRemoteTarget, "token"> & { readonly token?: string | undefined };

export interface RebootstrapOutcome {
  readonly deviceId: string;
  readonly ruleId: string | null;
  /** Whether its old session credentials were revoked (the device was known here). */
  readonly revoked: boolean;
  /** Whether the server-initiated bootstrap Package#0 went out; else why not. */
  readonly notified: boolean;
  readonly notifyError: string | null;
}

export interface BootstrapAdmin {
  importCredentials(
    input: readonly (NewBootstrapCredential & { readonly certificate?: string | undefined })[],
  ): Promise<readonly BootstrapCredential[]>;
  deleteCredential(id: string): Promise<void>;
  /** Targets may name a remote target (targetId): its SrvID and SrvURI are filled in from the record. */
  putRule(input: RuleInput): Promise<BootstrapRule>;
  deleteRule(id: string): Promise<void>;
  /** Creates or replaces a remote target; the token may be left out on a replace (the stored one is kept). */
  putTarget(input: RemoteTargetInput): Promise<RemoteTarget>;
  /** BOOTSTRAP_TARGET_NOT_FOUND; BOOTSTRAP_TARGET_IN_USE while a rule targets it. */
  deleteTarget(id: string): Promise<void>;
  rebootstrap(
    deviceId: string,
    options: { readonly ruleId?: string | null | undefined; readonly wake?: boolean | undefined },
  ): Promise<RebootstrapOutcome>;
}

export function createBootstrapAdmin(deps: {
  readonly store: Store;
  readonly pskKeys: BootstrapPskKeys | null;
  /** Signs with SERVER-ID = bootstrap.serverId; null without a notifier. */
  readonly notifier: Pick<Notifier, "wake"> | null;
  /** This deployment's SrvID: a rule's target is this deployment, or a remote target (docs/bootstrap.md). */
  readonly serverId: string;
  /** Revokes a device's credentials at a remote target on re-bootstrap. */
  readonly remote: Pick<RemoteTargetClient, "revoke"> | null;
}): BootstrapAdmin {
  const { store } = deps;
  /** Revokes at the remote targets of the device's last bootstrap; whether there were any. */
  const revokeRemote = async (deviceId: string): Promise<boolean> => {
    const last = await store.bootstrap.lastCompleted(deviceId);
    const rule = last === null ? null : await store.bootstrap.getRule(last.ruleId);
    let any = false;
    for (const t of rule?.targets ?? []) {
      const remote = t.targetId === undefined ? null : await store.bootstrap.getTarget(t.targetId);
      if (remote === null) continue;
      if (deps.remote === null) throw new Error("a rule targets another deployment but no remote client was given");
      await deps.remote.revoke(remote, deviceId);
      any = true;
    }
    return any;
  };
  return {
    async importCredentials(input) {
      const checked = input.map((c, i) => {
        if (c.certificate === undefined) return c;
        let fingerprint: string;
        try {
          fingerprint = certificateFingerprint(c.certificate);
        } catch (cause) {
          throw new ServerError(ServerErrorCode.INVALID_INPUT, `credentials[${i}].certificate is not a certificate`, {
            cause,
          });
        }
        return { ...withoutKey(c, "certificate"), certFingerprint: fingerprint };
      });
      const stored = await store.bootstrap.importCredentials(checked);
      deps.pskKeys?.added(stored);
      return stored;
    },
    async deleteCredential(id) {
      const known = await store.bootstrap.getCredential(id);
      if (!(await store.bootstrap.deleteCredential(id))) {
        throw new ServerError(ServerErrorCode.BOOTSTRAP_CREDENTIAL_NOT_FOUND, `bootstrap credential ${id} not found`);
      }
      if (known?.pskIdentity != null) deps.pskKeys?.removed(known.pskIdentity);
    },
    async putRule(input) {
      const targets = await Promise.all(
        input.targets.map(async (t, i) => {
          if (t.targetId === undefined) {
            if (t.srvId !== deps.serverId) {
              throw new ServerError(
                ServerErrorCode.INVALID_INPUT,
                `targets[${i}].srvId "${t.srvId ?? ""}" is not this server's ("${deps.serverId}"): give a targetId ` +
                  "for a management server in another deployment",
              );
            }
            return { ...t, srvId: t.srvId, srvUri: t.srvUri ?? "" };
          }
          const remote = await store.bootstrap.getTarget(t.targetId);
          if (remote === null) {
            throw new ServerError(
              ServerErrorCode.BOOTSTRAP_TARGET_NOT_FOUND,
              `targets[${i}].targetId: no target ${t.targetId}`,
            );
          }
          return { ...t, srvId: remote.srvId, srvUri: remote.srvUri };
        }),
      );
      return store.bootstrap.putRule({ ...input, targets });
    },
    async deleteRule(id) {
      if (!(await store.bootstrap.deleteRule(id))) {
        throw new ServerError(ServerErrorCode.BOOTSTRAP_RULE_NOT_FOUND, `bootstrap rule ${id} not found`);
      }
    },
    async putTarget(input) {
      if (input.srvId === deps.serverId) {
        throw new ServerError(ServerErrorCode.INVALID_INPUT, `srvId "${input.srvId}" is this server's own`);
      }
      const token = input.token ?? (await store.bootstrap.getTarget(input.id))?.token;
      if (token === undefined) throw new ServerError(ServerErrorCode.INVALID_INPUT, "a new target needs its token");
      return store.bootstrap.putTarget({ ...input, token });
    },
    async deleteTarget(id) {
      const user = (await store.bootstrap.listRules()).find((r) => r.targets.some((t) => t.targetId === id));
      if (user !== undefined) {
        throw new ServerError(ServerErrorCode.BOOTSTRAP_TARGET_IN_USE, `bootstrap rule ${user.id} targets ${id}`);
      }
      if (!(await store.bootstrap.deleteTarget(id))) {
        throw new ServerError(ServerErrorCode.BOOTSTRAP_TARGET_NOT_FOUND, `bootstrap target ${id} not found`);
      }
    },
    async rebootstrap(deviceId, options) {
      // A device managed in another deployment loses its credentials there first: if that fails, nothing changes.
      const remoteRevoked = await revokeRemote(deviceId);
      if (options.ruleId !== undefined) await store.bootstrap.assign(deviceId, options.ruleId);
      const device = await store.devices.get(deviceId);
      // Revoked before the Package#0 goes out: from now on only a new bootstrap gives the device access.
      if (device !== null) await store.devices.update(deviceId, { http: null, psk: null });
      let notified = false;
      let notifyError: string | null = null;
      if (options.wake ?? true) {
        const last = await store.bootstrap.lastCompleted(deviceId);
        const credential = last === null ? null : await store.bootstrap.getCredential(last.credentialId);
        if (deps.notifier === null) notifyError = "this server sends no notifications (components.notifier)";
        else if (credential?.notiSecretHex == null)
          notifyError = "the device's bootstrap credential has no notiSecretHex";
        else {
          try {
            await deps.notifier.wake(deviceId, {
              reason: "re-bootstrap",
              credentials: {
                type: NOTI_TYPE_SHA256_DIGEST,
                secret: Buffer.from(credential.notiSecretHex, "hex"),
                authData: new TextEncoder().encode(deviceId),
              },
            });
            notified = true;
          } catch (error) {
            notifyError = errorMessage(error);
          }
        }
      }
      return {
        deviceId,
        ruleId: await store.bootstrap.assignment(deviceId),
        revoked: device !== null || remoteRevoked,
        notified,
        notifyError,
      };
    },
  };
}

function withoutKey<T extends object>(value: T, key: string): T {
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== key)) as T;
}
