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
  NewBootstrapRule,
} from "../store/types-bootstrap.js";
import { certificateFingerprint } from "../tls/client-certificate.js";
import { errorMessage } from "@omadm/protocol";
import type { BootstrapPskKeys } from "./bootstrap-psk.js";
import { NOTI_TYPE_SHA256_DIGEST } from "./provisioning.js";

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
  putRule(input: NewBootstrapRule): Promise<BootstrapRule>;
  deleteRule(id: string): Promise<void>;
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
  /** This deployment's SrvID: the only management server a rule may target (remote targets: docs/bootstrap.md). */
  readonly serverId: string;
}): BootstrapAdmin {
  const { store } = deps;
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
      const other = input.targets.find((t) => t.srvId !== deps.serverId);
      if (other !== undefined) {
        throw new ServerError(
          ServerErrorCode.INVALID_INPUT,
          `target srvId "${other.srvId}" is not this server's ("${deps.serverId}"): a rule provisions this deployment`,
        );
      }
      return store.bootstrap.putRule(input);
    },
    async deleteRule(id) {
      if (!(await store.bootstrap.deleteRule(id))) {
        throw new ServerError(ServerErrorCode.BOOTSTRAP_RULE_NOT_FOUND, `bootstrap rule ${id} not found`);
      }
    },
    async rebootstrap(deviceId, options) {
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
        revoked: device !== null,
        notified,
        notifyError,
      };
    },
  };
}

function withoutKey<T extends object>(value: T, key: string): T {
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== key)) as T;
}
