// Kysely table types of the SQL stores (SQLite and PostgreSQL share them). Conventions: snake_case columns;
// times are epoch milliseconds (SQLite INTEGER, PostgreSQL BIGINT parsed to number); JSON is TEXT; bytes are
// BLOB / BYTEA (Buffer at runtime); `seq` columns are auto-increment keys that give lists a stable order.
import type { Generated } from "kysely";

export interface Database {
  devices: DevicesTable;
  device_labels: DeviceLabelsTable;
  commands: CommandsTable;
  sessions: SessionsTable;
  alerts: AlertsTable;
  counters: CountersTable;
  notifications: NotificationsTable;
  repository_items: RepositoryItemsTable;
  uploads: UploadsTable;
  ui_sessions: UiSessionsTable;
  api_tokens: ApiTokensTable;
  capabilities: CapabilitiesTable;
  audit_log: AuditLogTable;
  device_attributes: DeviceAttributesTable;
  device_mos: DeviceMosTable;
  device_groups: DeviceGroupsTable;
  group_members: GroupMembersTable;
  firmware_images: FirmwareImagesTable;
  campaigns: CampaignsTable;
  campaign_devices: CampaignDevicesTable;
  console_sign_ins: ConsoleSignInsTable;
}

export interface DevicesTable {
  id: string;
  state: string;
  /** JSON object; the copy the device record is read from (device_labels serves the filters). */
  labels: string;
  created_at: number;
  updated_at: number;
  first_contact_at: number | null;
  last_contact_at: number | null;
  dev_info: string | null;
  dev_info_at: number | null;
  mos: string | null;
  mos_at: number | null;
  noti_type: number | null;
  noti_secret: Buffer | null;
  noti_auth_data: Buffer | null;
  /** JSON NotificationAddress. */
  notify_address: string | null;
  /** JSON HttpCredentials; its username is also in http_username (unique, for lookups). */
  http: string | null;
  http_username: string | null;
  cert_fingerprint: string | null;
  psk_identity: string | null;
  psk_key: string | null;
}

export interface DeviceLabelsTable {
  device_id: string;
  name: string;
  value: string;
}

export interface CommandsTable {
  seq: Generated<number>;
  id: string;
  device_id: string;
  name: string;
  /** JSON: the Package#2 array [name, ...params] (docs/protocol.md §3.2). */
  p2: string;
  idempotency_key: string | null;
  state: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  sent_at: number | null;
  completed_at: number | null;
  attempts: number;
  session_id: string | null;
  package_no: number | null;
  position: number | null;
  status_code: number | null;
  /** JSON CommandResult. */
  result: string | null;
  async_source_uri: string | null;
  async_server_uri: string | null;
  /** DeliveryPolicy (migration 0003). */
  delivery: string;
  max_deliveries: number;
  reason: string | null;
}

export interface SessionsTable {
  id: string;
  device_id: string;
  status: string;
  state_name: string;
  state_data: string;
  package_no: number;
  cont_token: string | null;
  cookie: string | null;
  created_at: number;
  last_activity_at: number;
  idle_timeout_ms: number;
  idle_expires_at: number;
  ended_at: number | null;
  version: number;
}

export interface AlertsTable {
  seq: Generated<number>;
  id: string;
  device_id: string;
  session_id: string | null;
  alert_type: string;
  source_uri: string | null;
  target_uri: string | null;
  mark: string | null;
  data_type: string | null;
  data: string | null;
  received_at: number;
  matched_command_id: string | null;
}

export interface CountersTable {
  name: string;
  value: number;
}

export interface NotificationsTable {
  seq: Generated<number>;
  id: string;
  device_id: string;
  notification_id: number;
  transport: string;
  sent_at: number;
  outcome: string;
  error: string | null;
}

export interface RepositoryItemsTable {
  /** A device id, or "" for items shared by every device. */
  scope: string;
  path: string;
  media_type: string;
  body: Buffer;
  size: number;
  etag: string;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface UploadsTable {
  seq: Generated<number>;
  id: string;
  device_id: string;
  path: string;
  method: string;
  /** JSON string array. */
  client_uris: string | null;
  media_type: string;
  body: Buffer;
  size: number;
  received_at: number;
  session_id: string | null;
  command_id: string | null;
}

export interface UiSessionsTable {
  id: string;
  device_id: string;
  template: string;
  state: string;
  result: string | null;
  command_id: string | null;
  created_at: number;
  opened_at: number | null;
  completed_at: number | null;
  expires_at: number | null;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  scope: Generated<string>;
}

export interface CapabilitiesTable {
  token_hash: string;
  device_id: string;
  command_id: string;
  session_id: string | null;
  kind: string;
  target: string;
  created_at: number;
}

export interface AuditLogTable {
  seq: Generated<number>;
  id: string;
  at: number;
  token_id: string | null;
  token_name: string | null;
  action: string;
  /** JSON object of route parameters. */
  target: string;
  status: number;
}

/** Web console sign-ins (migration 0016): the key is the SHA-256 of the cookie's secret. */
export interface ConsoleSignInsTable {
  secret_hash: string;
  token_id: string | null;
  token_hash: string | null;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  ends_at: number;
}

/** The counter row that holds the last NOTIFICATION-ID handed out. */
export const NOTIFICATION_COUNTER = "notification-id";

/** The DevInfo string leaves a filter selects on (selection/filter-eval.ts `devInfoValues`), one row each. */
export interface DeviceAttributesTable {
  device_id: string;
  name: string;
  value: string;
}

/** The distinct MOIDs of the device's MOS inventory (`mosMoids`), one row each. */
export interface DeviceMosTable {
  device_id: string;
  moid: string;
}

/** Saved device groups: `static` (members in group_members) or `dynamic` (a filter). */
export interface DeviceGroupsTable {
  id: string;
  kind: string;
  description: string;
  /** Canonical filter text of a dynamic group; null for a static one. */
  filter: string | null;
  created_at: number;
  updated_at: number;
}

export interface GroupMembersTable {
  group_id: string;
  device_id: string;
}

/** Firmware image metadata (migration 0013_firmware); the bytes are a file in the data directory. */
export interface FirmwareImagesTable {
  id: string;
  name: string;
  version: string;
  manufacturer: string | null;
  model: string | null;
  sha256: string;
  size: number;
  created_at: number;
}

/** Campaigns and bulk wakes (migration 0012_campaigns): the spec as JSON, the driver's place in columns. */
export interface CampaignsTable {
  id: string;
  name: string;
  kind: string;
  state: string;
  reason: string | null;
  /** JSON CampaignTarget. */
  target: string;
  /** JSON CampaignStep[]. */
  steps: string;
  /** JSON RolloutPlan. */
  plan: string;
  device_count: number;
  wave_count: number;
  current_wave: number;
  current_rate: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  ended_at: number | null;
}

/** A campaign's devices, resolved at start, with their progress. */
export interface CampaignDevicesTable {
  campaign_id: string;
  device_id: string;
  wave: number;
  state: string;
  step: number;
  reason: string | null;
  attempts: number;
  wakes: number;
  /** JSON (string | null)[]: the queued command of each step. */
  command_ids: string;
  woken_at: number | null;
  due_at: number | null;
  updated_at: number;
}
