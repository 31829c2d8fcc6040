// Every package keeps its own catalogue of stable error codes, and every typed error extends OmadmError. Codes are
// matched by callers across packages (the CLI prints the server's, the server wraps the transport's), so they are
// unique across all catalogues and share the OMADM_ prefix; the prefix of each catalogue says whose code it is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, OmadmError, ProtocolError } from "../packages/protocol/src/index.js";
import { TransportError, TransportErrorCode } from "../packages/transport/src/index.js";
import {
  AuthErrorCode,
  DeviceConfigError,
  DeviceConfigErrorCode,
  DmClientError,
  DmClientErrorCode,
  HttpAuthError,
  HttpErrorCode,
  HttpTransportError,
  NotificationTransportError,
  NotificationTransportErrorCode,
} from "../packages/client/src/index.js";
import { ServerError, ServerErrorCode } from "../packages/server/src/errors.js";
import { ApiError, CliErrorCode, ConfigProblem, ConnectionError, UsageError } from "../packages/cli/src/cli-errors.js";

const CATALOGUES: Record<string, { readonly codes: Record<string, string>; readonly prefix: string }> = {
  protocol: { codes: ErrorCode, prefix: "OMADM_" },
  transport: { codes: TransportErrorCode, prefix: "OMADM_TRANSPORT_" },
  "client DmClient": { codes: DmClientErrorCode, prefix: "OMADM_CLIENT_" },
  "client device config": { codes: DeviceConfigErrorCode, prefix: "OMADM_CONFIG_" },
  "client HTTP": { codes: HttpErrorCode, prefix: "OMADM_HTTP_" },
  "client HTTP auth": { codes: AuthErrorCode, prefix: "OMADM_AUTH_" },
  "client notification transports": { codes: NotificationTransportErrorCode, prefix: "OMADM_NOTIFY_" },
  server: { codes: ServerErrorCode, prefix: "OMADM_SRV_" },
  cli: { codes: CliErrorCode, prefix: "OMADM_CLI_" },
};

test("error codes are unique across every package's catalogue and carry the catalogue's prefix", () => {
  const owner = new Map<string, string>();
  for (const [name, { codes, prefix }] of Object.entries(CATALOGUES)) {
    for (const code of Object.values(codes)) {
      assert.match(code, /^OMADM_[A-Z0-9_]+$/, `${name}: ${code}`);
      assert.ok(code.startsWith(prefix), `${name}: ${code} does not start with ${prefix}`);
      assert.equal(owner.get(code), undefined, `${code} is in both ${owner.get(code) ?? ""} and ${name}`);
      owner.set(code, name);
    }
  }
});

test("every package's typed errors are OmadmErrors with their own name and a code from their catalogue", () => {
  const errors: [Error & { readonly code: string }, string, Record<string, string>][] = [
    [new ProtocolError(ErrorCode.URI_SYNTAX, "m"), "ProtocolError", ErrorCode],
    [new TransportError(TransportErrorCode.TIMEOUT, "m"), "TransportError", TransportErrorCode],
    [new DmClientError(DmClientErrorCode.STATE, "m"), "DmClientError", DmClientErrorCode],
    [new DeviceConfigError(DeviceConfigErrorCode.INVALID, "k", "m"), "DeviceConfigError", DeviceConfigErrorCode],
    [new HttpTransportError(HttpErrorCode.NETWORK, "m"), "HttpTransportError", HttpErrorCode],
    [new HttpAuthError(AuthErrorCode.UNSUPPORTED, "m"), "HttpAuthError", AuthErrorCode],
    [
      new NotificationTransportError(NotificationTransportErrorCode.LISTEN_FAILED, "udp", "m"),
      "NotificationTransportError",
      NotificationTransportErrorCode,
    ],
    [new ServerError(ServerErrorCode.INVALID_INPUT, "m"), "ServerError", ServerErrorCode],
    [new UsageError("m"), "UsageError", CliErrorCode],
    [new ConfigProblem("m"), "ConfigProblem", CliErrorCode],
    [new ApiError(404, "OMADM_SRV_DEVICE_NOT_FOUND", "m"), "ApiError", CliErrorCode],
    [new ConnectionError("m"), "ConnectionError", CliErrorCode],
  ];
  for (const [error, name, catalogue] of errors) {
    assert.ok(error instanceof OmadmError, name);
    assert.equal(error.name, name);
    assert.ok(Object.values(catalogue).includes(error.code), `${name}: ${error.code}`);
  }
});
