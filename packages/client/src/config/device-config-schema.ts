// The JSON shape of a device config file (one file describes one simulated or embedded device): TypeBox schemas
// for validation and the static types they give. Unknown keys are refused so that a typo ("srvUrl") is named
// instead of silently ignored. Semantics and cross-field rules are in device-config.ts.
import { Type, type Static } from "typebox";

/** Bytes written explicitly in one encoding: exactly one of `hex`, `base64` or `utf8`. */
export const BytesSchema = Type.Object(
  {
    hex: Type.Optional(Type.String()),
    base64: Type.Optional(Type.String()),
    utf8: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type BytesJson = Static<typeof BytesSchema>;

const NonEmpty = Type.String({ minLength: 1 });

/** DevInfo values (docs/protocol.md §9.1). */
export const DevInfoSchema = Type.Object(
  {
    devId: NonEmpty,
    man: Type.String(),
    mod: Type.String(),
    dmV: Type.Optional(Type.String()),
    lang: Type.String(),
    devType: Type.String(),
    oem: Type.String(),
    fwV: Type.String(),
    swV: Type.String(),
    hwV: Type.String(),
    ext: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    bearer: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

/** Package#0 credentials: Auth/Noti (approved) or the draft change request's Credentials/Noti (§2.5, §15). */
export const NotificationCredentialsSchema = Type.Object(
  {
    /** Auth/Noti/Type (§2.5, omadm's choice): 1 = SHA256-DIGEST (default), 0 = none. */
    type: Type.Optional(Type.Integer({ minimum: 0 })),
    secret: BytesSchema,
    authData: BytesSchema,
    /** Where the credentials are written: `Auth/Noti` (default) or the seed's `Credentials/Noti`. */
    layout: Type.Optional(Type.Union([Type.Literal("approved"), Type.Literal("seed")])),
  },
  { additionalProperties: false },
);

export const HttpAuthSchema = Type.Object(
  {
    type: Type.Union([Type.Literal("BASIC"), Type.Literal("DIGEST")]),
    name: NonEmpty,
    secret: BytesSchema,
  },
  { additionalProperties: false },
);

/** TLS for the account's sessions (docs/protocol.md §11.2): PEM file paths, relative to the config file. */
export const TlsSchema = Type.Object(
  {
    ca: Type.Optional(NonEmpty),
    cert: Type.Optional(NonEmpty),
    key: Type.Optional(NonEmpty),
    psk: Type.Optional(
      Type.Object(
        {
          identity: NonEmpty,
          /** A file holding the pre-shared key as hex text (as `openssl s_client -psk` takes it). */
          keyFile: NonEmpty,
        },
        { additionalProperties: false },
      ),
    ),
    /** Only for tests against a throw-away server. */
    rejectUnauthorized: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** One DM Account (docs/protocol.md §9.2), factory-bootstrapped (§14). */
export const AccountSchema = Type.Object(
  {
    srvId: NonEmpty,
    srvUri: NonEmpty,
    name: Type.String(),
    /** Perm/<x>/MOID: the MOIDs this server may manage (§10). */
    permittedMoids: Type.Array(NonEmpty),
    notification: Type.Optional(NotificationCredentialsSchema),
    httpAuth: Type.Optional(HttpAuthSchema),
    tls: Type.Optional(TlsSchema),
    /** MIID of the DMAcc instance (default chosen by the tree). */
    miid: Type.Optional(NonEmpty),
  },
  { additionalProperties: false },
);

/** An extra MO: its DDF file and the instances created at first start. */
export const MoSchema = Type.Object(
  {
    /** DDF file path, relative to the config file. */
    ddf: NonEmpty,
    /** URL advertised in MOS[].DDF and serialization items. */
    ddfUrl: Type.Optional(NonEmpty),
    instances: Type.Optional(
      Type.Array(
        Type.Object(
          {
            miid: Type.Optional(NonEmpty),
            /** The content of the instance root as MO data (§7.1): `{ "Name": "x", "Sub": { … } }`. */
            values: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

/** What EXEC on one node does: `{result}` sync, `{async, result, delayMs}`, or `{command}` (a process). */
export const ExecBehaviourSchema = Type.Object(
  {
    moid: NonEmpty,
    /** Node path below the instance root, e.g. "Operations/Reboot"; applies to every instance. */
    path: NonEmpty,
    result: Type.Optional(Type.Integer({ minimum: 200, maximum: 599 })),
    async: Type.Optional(Type.Boolean()),
    delayMs: Type.Optional(Type.Integer({ minimum: 0 })),
    /** argv of a process to run; exit code 0 → 200, else 500. Implies asynchronous reporting. */
    command: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
  },
  { additionalProperties: false },
);

export const UdpListenerSchema = Type.Object(
  {
    host: NonEmpty,
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** The account this listener is bound to: used when SERVER-ID is absent (§2.7 step 1). */
    srvId: Type.Optional(NonEmpty),
  },
  { additionalProperties: false },
);

export const MqttListenerSchema = Type.Object(
  {
    url: NonEmpty,
    /** Default `notificationTopic(DevID)`. */
    topic: Type.Optional(NonEmpty),
    clientId: Type.Optional(NonEmpty),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    srvId: Type.Optional(NonEmpty),
  },
  { additionalProperties: false },
);

export const DeviceConfigSchema = Type.Object(
  {
    /** Free text for the reader of the file (JSON has no comments); ignored. */
    description: Type.Optional(Type.String()),
    devInfo: DevInfoSchema,
    accounts: Type.Array(AccountSchema),
    mos: Type.Optional(Type.Array(MoSchema)),
    exec: Type.Optional(Type.Array(ExecBehaviourSchema)),
    notifications: Type.Optional(
      Type.Object(
        {
          udp: Type.Optional(Type.Array(UdpListenerSchema)),
          mqtt: Type.Optional(Type.Array(MqttListenerSchema)),
          /** Bearers this device has (1 CELLULAR, 2 WLAN, 3 WIRELINE); default [3]. */
          bearers: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 3 }))),
          maxAgeSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
          maxFutureSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** argv of the Web Browser Component launcher; "{url}" is replaced by the SHOW URL. */
    browser: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
    /** Directory of the persistent state (relative to the config file); default "./state". */
    stateDir: Type.Optional(NonEmpty),
    /** Accept plain-http SrvURIs and ServerURIs (loopback tests, the sample device). */
    allowHttp: Type.Optional(Type.Boolean()),
    /** Accept notifications when neither credentials nor a digest exist (§2.5; default false). */
    allowUnauthenticatedNotifications: Type.Optional(Type.Boolean()),
    /** SUB change debounce in milliseconds. */
    subDebounceMs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type DeviceConfigJson = Static<typeof DeviceConfigSchema>;
