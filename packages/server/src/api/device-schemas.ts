// Devices as the operator sees and provisions them. Secrets go in and never come out: the notification
// secret and auth data, the HTTP password (only its HA1 digests are stored, RFC 7616 §3.4.2) and the PSK are
// write-only; a view says only that they are set.
import { createHash } from "node:crypto";
import { Type, type Static } from "typebox";
import { MAX_DEVICE_ID_LENGTH } from "../device-id.js";
import { ServerError, ServerErrorCode } from "../errors.js";
import {
  DeviceState,
  HttpAuthType,
  type Device,
  type DevicePatch,
  type HttpCredentials,
  type NewDevice,
  type NotificationCredentials,
} from "../store/types.js";
import { Id, isoOrNull, iso, NullableTime, Time } from "./common-schemas.js";

const Labels = Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.String({ maxLength: 1000 }), {
  description: "Free-form labels (name → value), e.g. for filtering.",
});

const NotifyAddress = Type.Object(
  {
    udp: Type.Optional(
      Type.Object({ host: Type.String({ minLength: 1 }), port: Type.Integer({ minimum: 1, maximum: 65535 }) }),
    ),
    mqtt: Type.Optional(Type.Object({ topic: Type.String({ minLength: 1 }) })),
  },
  { description: "Where Package#0 reaches the device (docs/protocol.md §12)" },
);

const Base64 = Type.String({ pattern: "^[A-Za-z0-9+/_-]*={0,2}$", description: "base64 (or base64url)" });

const NotificationInput = Type.Object(
  {
    type: Type.Optional(Type.Integer({ minimum: 0, maximum: 1, description: "Auth/Noti/Type: 1 = SHA256-DIGEST" })),
    secret: Base64,
    authData: Type.Optional(Base64),
  },
  { description: "DMAcc Auth/Noti of this server on the device (docs/protocol.md §2.5); bin values in base64" },
);

const HttpInput = Type.Object(
  {
    type: Type.Enum([HttpAuthType.Basic, HttpAuthType.Digest]),
    username: Type.String({ minLength: 1, maxLength: 256 }),
    realm: Type.Optional(Type.String({ description: "Default: the server's HTTP realm" })),
    password: Type.Optional(Type.String({ minLength: 1, description: "Write-only: only HA1 digests are stored" })),
    ha1Md5: Type.Optional(Type.String({ pattern: "^[0-9a-fA-F]{32}$" })),
    ha1Sha256: Type.Optional(Type.String({ pattern: "^[0-9a-fA-F]{64}$" })),
  },
  { description: "HTTP authentication of the device (docs/protocol.md §11.2): a password or precomputed HA1" },
);

const PskInput = Type.Object({
  identity: Type.String({ minLength: 1, maxLength: 256 }),
  key: Type.String({ pattern: "^([0-9a-fA-F]{2})+$", description: "The pre-shared key, hex" }),
});

const CertFingerprint = Type.String({
  pattern: "^([0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$",
  description: "SHA-256 of the client certificate (DER), hex with or without colons",
});

const credentialFields = {
  notification: Type.Optional(Type.Union([NotificationInput, Type.Null()])),
  notifyAddress: Type.Optional(Type.Union([NotifyAddress, Type.Null()])),
  http: Type.Optional(Type.Union([HttpInput, Type.Null()])),
  certFingerprint: Type.Optional(Type.Union([CertFingerprint, Type.Null()])),
  psk: Type.Optional(Type.Union([PskInput, Type.Null()])),
};

export const NewDeviceBody = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: MAX_DEVICE_ID_LENGTH, description: "The device's OMADM-DevID" }),
    labels: Type.Optional(Labels),
    ...credentialFields,
  },
  { additionalProperties: false },
);
export type NewDeviceBody = Static<typeof NewDeviceBody>;

export const DevicePatchBody = Type.Object(
  {
    labels: Type.Optional(Labels),
    disabled: Type.Optional(Type.Boolean({ description: "true: the DM endpoint refuses the device" })),
    ...credentialFields,
  },
  { additionalProperties: false, description: "Absent fields stay; null clears a credential." },
);
export type DevicePatchBody = Static<typeof DevicePatchBody>;

export const DeviceView = Type.Object({
  id: Id,
  state: Type.Enum([DeviceState.Provisioned, DeviceState.Registered, DeviceState.Disabled]),
  labels: Type.Record(Type.String(), Type.String()),
  createdAt: Time,
  updatedAt: Time,
  firstContactAt: NullableTime,
  lastContactAt: NullableTime,
  devInfo: Type.Unknown({ description: "DevInfo values as last read, or null" }),
  devInfoAt: NullableTime,
  mos: Type.Unknown({ description: "MOS inventory from the last Package#1 that carried one, or null" }),
  mosAt: NullableTime,
  notification: Type.Union([Type.Object({ type: Type.Integer(), secretSet: Type.Boolean() }), Type.Null()]),
  notifyAddress: Type.Union([NotifyAddress, Type.Null()]),
  http: Type.Union([Type.Object({ type: Type.String(), username: Type.String(), realm: Type.String() }), Type.Null()]),
  certFingerprint: Type.Union([Type.String(), Type.Null()]),
  psk: Type.Union([Type.Object({ identity: Type.String() }), Type.Null()]),
});
export type DeviceView = Static<typeof DeviceView>;

export function deviceView(d: Device): DeviceView {
  return {
    id: d.id,
    state: d.state,
    labels: { ...d.labels },
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
    firstContactAt: isoOrNull(d.firstContactAt),
    lastContactAt: isoOrNull(d.lastContactAt),
    devInfo: d.devInfo,
    devInfoAt: isoOrNull(d.devInfoAt),
    mos: d.mos,
    mosAt: isoOrNull(d.mosAt),
    notification:
      d.notification === null ? null : { type: d.notification.type, secretSet: d.notification.secret.byteLength > 0 },
    notifyAddress: d.notifyAddress === null ? null : { ...d.notifyAddress },
    http: d.http === null ? null : { type: d.http.type, username: d.http.username, realm: d.http.realm },
    certFingerprint: d.certFingerprint,
    psk: d.psk === null ? null : { identity: d.psk.identity },
  };
}

export interface CredentialOptions {
  /** Realm for HTTP credentials given without one (must equal the DM endpoint's realm). */
  readonly httpRealm: string;
}

export function newDeviceOf(body: NewDeviceBody, options: CredentialOptions): NewDevice {
  return {
    id: body.id,
    ...(body.labels === undefined ? {} : { labels: body.labels }),
    ...credentialsOf(body, options),
  };
}

export function devicePatchOf(body: DevicePatchBody, options: CredentialOptions): DevicePatch {
  return {
    ...(body.labels === undefined ? {} : { labels: body.labels }),
    ...(body.disabled === undefined ? {} : { disabled: body.disabled }),
    ...credentialsOf(body, options),
  };
}

type CredentialBody = Pick<NewDeviceBody, "notification" | "notifyAddress" | "http" | "certFingerprint" | "psk">;

function credentialsOf(body: CredentialBody, options: CredentialOptions): Omit<DevicePatch, "labels" | "disabled"> {
  const out: { -readonly [K in keyof DevicePatch]?: DevicePatch[K] } = {};
  if (body.notification !== undefined) out.notification = body.notification && notificationOf(body.notification);
  if (body.notifyAddress !== undefined) out.notifyAddress = body.notifyAddress;
  if (body.http !== undefined) out.http = body.http && httpOf(body.http, options.httpRealm);
  if (body.certFingerprint !== undefined) {
    out.certFingerprint = body.certFingerprint && body.certFingerprint.replaceAll(":", "").toLowerCase();
  }
  if (body.psk !== undefined) out.psk = body.psk && { identity: body.psk.identity, keyHex: body.psk.key.toLowerCase() };
  return out;
}

function notificationOf(input: Static<typeof NotificationInput>): NotificationCredentials {
  return {
    type: input.type ?? 1,
    secret: new Uint8Array(Buffer.from(input.secret, "base64")),
    authData: new Uint8Array(Buffer.from(input.authData ?? "", "base64")),
  };
}

/** HA1 = H(username ":" realm ":" password) for MD5 and SHA-256 (RFC 7616 §3.4.2); the password is dropped. */
function httpOf(input: Static<typeof HttpInput>, defaultRealm: string): HttpCredentials {
  const realm = input.realm ?? defaultRealm;
  const given = [input.password, input.ha1Md5 ?? input.ha1Sha256].filter((v) => v !== undefined);
  if (given.length !== 1) {
    throw new ServerError(ServerErrorCode.INVALID_INPUT, "http needs either password or ha1Md5/ha1Sha256, not both");
  }
  if (input.password !== undefined) {
    const secret = `${input.username}:${realm}:${input.password}`;
    return {
      type: input.type,
      username: input.username,
      realm,
      ha1Md5: createHash("md5").update(secret, "utf8").digest("hex"),
      ha1Sha256: createHash("sha256").update(secret, "utf8").digest("hex"),
    };
  }
  return {
    type: input.type,
    username: input.username,
    realm,
    ...(input.ha1Md5 === undefined ? {} : { ha1Md5: input.ha1Md5.toLowerCase() }),
    ...(input.ha1Sha256 === undefined ? {} : { ha1Sha256: input.ha1Sha256.toLowerCase() }),
  };
}
