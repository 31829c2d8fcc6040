// The bootstrap role's part of the Store (docs/bootstrap.md). Same guarantees as store.ts: every change commits
// before its promise resolves, a refused change changes nothing, and it joins `store.transaction` like any part,
// so a provision and the target server's device record are written together.
import type { Page, PageQuery } from "./types.js";
import type {
  BootstrapCredential,
  BootstrapCredentialKey,
  BootstrapProvision,
  BootstrapRule,
  CapabilityPayload,
  NewBootstrapCredential,
  NewBootstrapRule,
  NewProvision,
  NewRemoteTarget,
  ProvisionQuery,
  RemoteTarget,
} from "./types-bootstrap.js";

export interface BootstrapStore {
  /** Stores every credential or none: INVALID_INPUT, BOOTSTRAP_CREDENTIAL_CONFLICT (identity, fingerprint or id taken). */
  importCredentials(input: readonly NewBootstrapCredential[]): Promise<readonly BootstrapCredential[]>;
  findCredential(key: BootstrapCredentialKey): Promise<BootstrapCredential | null>;
  getCredential(id: string): Promise<BootstrapCredential | null>;
  /** Ordered by id. */
  listCredentials(query?: PageQuery): Promise<Page<BootstrapCredential>>;
  deleteCredential(id: string): Promise<boolean>;
  /** Creates or replaces the rule with this id. INVALID_INPUT. */
  putRule(input: NewBootstrapRule): Promise<BootstrapRule>;
  getRule(id: string): Promise<BootstrapRule | null>;
  /** Every rule, by priority then id. */
  listRules(): Promise<readonly BootstrapRule[]>;
  deleteRule(id: string): Promise<boolean>;
  /** Pins a device to a rule (an operator moves it), or unpins it with null. BOOTSTRAP_RULE_NOT_FOUND. */
  assign(deviceId: string, ruleId: string | null): Promise<void>;
  /** The rule a device is pinned to, or null. */
  assignment(deviceId: string): Promise<string | null>;
  /**
   * Opens a provision (`pending`) with its capabilities; the device's earlier pending provisions become
   * `superseded` and their unused capabilities are dropped. INVALID_INPUT for a session or token hash in use.
   */
  openProvision(input: NewProvision): Promise<BootstrapProvision>;
  /**
   * Spends a capability: the payload of an unused, unexpired capability of a pending provision of `deviceId`,
   * once (its payload is erased as it is read); null otherwise.
   */
  takeCapability(tokenHash: string, deviceId: string): Promise<CapabilityPayload | null>;
  /** The provision a CONT URL belongs to (any state), or null. */
  findProvisionBySession(sessionHash: string): Promise<BootstrapProvision | null>;
  /** pending → completed | failed (drops its capabilities). BOOTSTRAP_PROVISION_NOT_PENDING, BOOTSTRAP_PROVISION_NOT_FOUND. */
  finishProvision(id: string, state: "completed" | "failed"): Promise<BootstrapProvision>;
  /** The device's latest completed provision, or null. */
  lastCompleted(deviceId: string): Promise<BootstrapProvision | null>;
  /** Newest first. */
  listProvisions(query?: ProvisionQuery): Promise<Page<BootstrapProvision>>;
  /** Creates or replaces a remote target (migration 0015_bootstrap_targets). INVALID_INPUT. */
  putTarget(input: NewRemoteTarget): Promise<RemoteTarget>;
  getTarget(id: string): Promise<RemoteTarget | null>;
  /** Ordered by id. */
  listTargets(): Promise<readonly RemoteTarget[]>;
  deleteTarget(id: string): Promise<boolean>;
}
