// Kysely table types of the bootstrap tables (migration 0005_bootstrap); conventions as in schema.ts.
import type { Generated } from "kysely";

export interface BootstrapDatabase {
  bootstrap_credentials: BootstrapCredentialsTable;
  bootstrap_rules: BootstrapRulesTable;
  bootstrap_assignments: BootstrapAssignmentsTable;
  bootstrap_provisions: BootstrapProvisionsTable;
  bootstrap_capabilities: BootstrapCapabilitiesTable;
  bootstrap_targets: BootstrapTargetsTable;
}

export interface BootstrapCredentialsTable {
  id: string;
  sec_mode: number;
  psk_identity: string | null;
  psk_key: string | null;
  cert_fingerprint: string | null;
  device_id: string | null;
  dev_id_pattern: string | null;
  /** JSON object. */
  labels: string;
  noti_secret: string | null;
  created_at: number;
}

export interface BootstrapRulesTable {
  id: string;
  priority: number;
  /** JSON: devIdPattern, labels, devInfo, targets. */
  body: string;
  created_at: number;
  updated_at: number;
}

export interface BootstrapAssignmentsTable {
  device_id: string;
  rule_id: string;
}

export interface BootstrapProvisionsTable {
  seq: Generated<number>;
  id: string;
  device_id: string;
  credential_id: string;
  rule_id: string;
  /** SHA-256 hex of the CONT URL's token. */
  session_hash: string;
  state: string;
  /** JSON [{ srvId, miid }]. */
  targets: string;
  created_at: number;
  expires_at: number;
  completed_at: number | null;
}

export interface BootstrapCapabilitiesTable {
  /** SHA-256 hex of the capability URL's token. */
  token_hash: string;
  provision_id: string;
  device_id: string;
  /** JSON MO data with the device's fresh secrets; null once fetched. */
  payload: string | null;
  expires_at: number;
}

/** Migration 0015_bootstrap_targets: management servers in other deployments. */
export interface BootstrapTargetsTable {
  id: string;
  srv_id: string;
  srv_uri: string;
  api_base_url: string;
  /** The API token used at that server (write-only through the API). */
  token: string;
  ca_pem: string | null;
  created_at: number;
  updated_at: number;
}
