// TypeBox schemas of the bootstrap routes (docs/bootstrap.md). Keys are write-only: a credential view says
// which kind it is, never its PSK key.
import { Type, type Static } from "typebox";
import type { BootstrapCredential, BootstrapProvision, BootstrapRule, RemoteTarget } from "../store/types-bootstrap.js";

const Labels = Type.Record(Type.String(), Type.String());

export const NewCredentialBody = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    secMode: Type.Union([Type.Literal(0), Type.Literal(2)], {
      description: "Auth/Bootstrap/SecMode: 0 PSK, 2 X.509 (docs/protocol.md §9.2)",
    }),
    pskIdentity: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    pskKeyHex: Type.Optional(Type.String({ minLength: 32, maxLength: 256, description: "write-only" })),
    certFingerprint: Type.Optional(Type.String({ description: "SHA-256 of the DER certificate, hex" })),
    certificate: Type.Optional(
      Type.String({ description: "or the certificate itself (PEM): its fingerprint is kept" }),
    ),
    deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "the one device it bootstraps" })),
    devIdPattern: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "a batch: `*` wildcards" })),
    labels: Type.Optional(Labels),
    notiSecretHex: Type.Optional(
      Type.String({
        minLength: 32,
        maxLength: 256,
        description: "write-only: the bootstrap account's Auth/Noti/Secret",
      }),
    ),
  },
  { additionalProperties: false },
);
export type NewCredentialBody = Static<typeof NewCredentialBody>;

export const ImportBody = Type.Object(
  { credentials: Type.Array(NewCredentialBody, { minItems: 1, maxItems: 10_000 }) },
  { additionalProperties: false },
);

export const CredentialView = Type.Object({
  id: Type.String(),
  secMode: Type.Integer(),
  pskIdentity: Type.Union([Type.String(), Type.Null()]),
  pskKeySet: Type.Boolean(),
  certFingerprint: Type.Union([Type.String(), Type.Null()]),
  deviceId: Type.Union([Type.String(), Type.Null()]),
  devIdPattern: Type.Union([Type.String(), Type.Null()]),
  labels: Labels,
  notiSecretSet: Type.Boolean(),
  createdAt: Type.Integer(),
});
export type CredentialView = Static<typeof CredentialView>;

export function credentialView(c: BootstrapCredential): CredentialView {
  return {
    id: c.id,
    secMode: c.secMode,
    pskIdentity: c.pskIdentity,
    pskKeySet: c.pskKeyHex !== null,
    certFingerprint: c.certFingerprint,
    deviceId: c.deviceId,
    devIdPattern: c.devIdPattern,
    labels: { ...c.labels },
    notiSecretSet: c.notiSecretHex !== null,
    createdAt: c.createdAt,
  };
}

const targetFields = {
  srvId: Type.String({ minLength: 1, description: "the management server's SrvID (this server's `serverId`)" }),
  srvUri: Type.String({ minLength: 1, description: "where the device POSTs Package#1" }),
  name: Type.String(),
  permittedMoids: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: "Perm/<x>/MOID" }),
  auth: Type.Union([Type.Literal("digest"), Type.Literal("psk"), Type.Literal("none")], {
    description: "session credentials generated per device: HTTP Digest password or PSK-TLS key",
  }),
  notification: Type.Boolean({ description: "generate an Auth/Noti secret (SHA256-DIGEST)" }),
  targetId: Type.Optional(
    Type.String({
      minLength: 1,
      description: "a remote target (another deployment, PUT /bootstrap/targets/{id}); its srvId and srvUri apply",
    }),
  ),
};

export const TargetSchema = Type.Object(targetFields, { additionalProperties: false });

/** As given: a remote target's srvId and srvUri come from its record. */
export const TargetInputSchema = Type.Object(
  {
    ...targetFields,
    srvId: Type.Optional(
      Type.String({ minLength: 1, description: "this server's `serverId` (absent with targetId: the target's)" }),
    ),
    srvUri: Type.Optional(
      Type.String({ minLength: 1, description: "where the device POSTs Package#1 (absent with targetId)" }),
    ),
  },
  { additionalProperties: false },
);

export const RuleBody = Type.Object(
  {
    priority: Type.Integer({ minimum: 0, maximum: 1_000_000, description: "lowest first" }),
    devIdPattern: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
    labels: Type.Optional(Labels),
    devInfo: Type.Optional(Labels),
    targets: Type.Array(TargetInputSchema, { minItems: 1, maxItems: 1 }),
  },
  { additionalProperties: false },
);
export type RuleBody = Static<typeof RuleBody>;

export const RuleView = Type.Object({
  id: Type.String(),
  priority: Type.Integer(),
  devIdPattern: Type.Union([Type.String(), Type.Null()]),
  labels: Labels,
  devInfo: Labels,
  targets: Type.Array(TargetSchema),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

export function ruleView(r: BootstrapRule): Static<typeof RuleView> {
  return {
    ...r,
    labels: { ...r.labels },
    devInfo: { ...r.devInfo },
    targets: r.targets.map(({ targetId, ...t }) => ({
      ...t,
      permittedMoids: [...t.permittedMoids],
      ...(targetId === undefined ? {} : { targetId }),
    })),
  };
}

export const ProvisionView = Type.Object({
  id: Type.String(),
  deviceId: Type.String(),
  credentialId: Type.String(),
  ruleId: Type.String(),
  state: Type.String({ description: "pending, completed, failed or superseded" }),
  targets: Type.Array(Type.Object({ srvId: Type.String(), miid: Type.String() })),
  createdAt: Type.Integer(),
  expiresAt: Type.Integer(),
  completedAt: Type.Union([Type.Integer(), Type.Null()]),
});

export function provisionView(p: BootstrapProvision): Static<typeof ProvisionView> {
  return { ...p, targets: p.targets.map((t) => ({ ...t })) };
}

export const RebootstrapBody = Type.Object(
  {
    ruleId: Type.Optional(
      Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
        description: "move the device: pin it to this rule (null unpins); absent: keep, only rotate",
      }),
    ),
    wake: Type.Optional(Type.Boolean({ description: "send the server-initiated bootstrap Package#0 (default true)" })),
  },
  { additionalProperties: false },
);

export const RemoteTargetBody = Type.Object(
  {
    srvId: Type.String({ minLength: 1, description: "the management server's SrvID" }),
    srvUri: Type.String({ minLength: 1, description: "its DM endpoint, the devices' SrvURI" }),
    apiBaseUrl: Type.String({ minLength: 1, description: "its REST API, e.g. https://dm-b.example.net/api/v1" }),
    token: Type.Optional(
      Type.String({
        minLength: 1,
        description: "write-only: an API token of that server; required for a new target, kept when left out",
      }),
    ),
    caPem: Type.Optional(
      Type.Union([Type.String(), Type.Null()], { description: "PEM CA(s) of its API's TLS certificate" }),
    ),
  },
  { additionalProperties: false },
);

export const RemoteTargetView = Type.Object({
  id: Type.String(),
  srvId: Type.String(),
  srvUri: Type.String(),
  apiBaseUrl: Type.String(),
  tokenSet: Type.Boolean({ description: "the token itself is never shown" }),
  caPem: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

export function remoteTargetView(t: RemoteTarget): Static<typeof RemoteTargetView> {
  return {
    id: t.id,
    srvId: t.srvId,
    srvUri: t.srvUri,
    apiBaseUrl: t.apiBaseUrl,
    tokenSet: t.token !== "",
    caPem: t.caPem,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}
