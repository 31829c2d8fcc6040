// Configuration keys (config-keys.ts): the REST API, firmware images, the bootstrap role (docs/bootstrap.md)
// and device imports.
import { bool, int, ipList, text } from "./config-values.js";
import { type ConfigPath, type KeyTable } from "./config-types.js";

export const API_KEYS = {
  "api.loopbackWithoutToken": {
    type: bool,
    default: true,
    description:
      "Requests from a loopback peer need no API token. Turn it off when a reverse proxy, tunnel or port " +
      "mapping forwards remote requests over loopback. Never applies to a request carrying `Forwarded`, " +
      "`X-Forwarded-For` or `X-Real-IP`, unless it comes from an address in api.trustProxy.",
  },
  "api.trustProxy": {
    type: ipList,
    default: [],
    description:
      "Addresses of the reverse proxies whose forwarding headers are believed: a request from one of them is " +
      "from the client its `X-Forwarded-For`/`X-Real-IP`/`Forwarded` names (loopback clients need no token). " +
      "In the environment: comma-separated.",
  },
  "api.docs": {
    type: bool,
    default: true,
    description: "Serve the OpenAPI document (`/api/openapi.json`) and its browsable documentation (`/api/docs`).",
  },
  "firmware.maxImageBytes": {
    type: int(1, Number.MAX_SAFE_INTEGER),
    default: 2 * 1024 * 1024 * 1024,
    description:
      "Largest firmware image one upload (`POST /api/v1/firmware`) may hold, bytes. The image is streamed to a file " +
      "under `<dataDir>/firmware/`; past this size the upload stops with 413 and nothing is kept (docs/firmware.md).",
  },
  "bootstrap.enabled": {
    type: bool,
    default: false,
    description:
      "Serve the bootstrap role (docs/bootstrap.md): devices with bootstrap credentials only get their DM " +
      "Accounts here. Needs `tls.enabled` with `tls.psk` (SecMode PSK) or `tls.requestClientCert` (SecMode X.509).",
  },
  "bootstrap.path": {
    type: text,
    default: "/bootstrap",
    description:
      "The bootstrap endpoint's path: the devices' `Auth/Bootstrap/ServerURI` is the public base URL plus it.",
  },
  "bootstrap.serverId": {
    type: text,
    default: "omadm-bootstrap",
    description:
      "The bootstrap server's SrvID on the devices (SERVER-ID of a server-initiated bootstrap's Package#0); must " +
      "differ from `serverId`.",
  },
  "bootstrap.capabilityTtlMs": {
    type: int(10_000, 86_400_000),
    default: 300_000,
    description:
      "How long a bootstrap session and its single-use capability URLs (the DM Account data with the device's " +
      "new secrets) stay valid.",
  },
  "api.importMaxBytes": {
    type: int(1, Number.MAX_SAFE_INTEGER),
    default: 512 * 1024 * 1024,
    description:
      "Largest body of one device import (`POST /api/v1/devices/import`), bytes. Past it the import stops with " +
      "413 and the report of the lines imported so far.",
  },
  "api.importMaxLines": {
    type: int(1, Number.MAX_SAFE_INTEGER),
    default: 1_000_000,
    description: "Most device lines (NDJSON) or records (CSV) of one device import; past it, 413 as above.",
  },
} satisfies Partial<KeyTable<ConfigPath>>;
