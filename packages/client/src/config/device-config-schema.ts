// The JSON shape of a device config file (one file describes one simulated or embedded device): TypeBox schemas
// for validation and the static types they give. Unknown keys are refused so that a typo ("srvUrl") is named
// instead of silently ignored. Semantics and cross-field rules are in device-config.ts. Every key carries a
// `description` (and `default` where it has one): docs/device-config.md and the editors' JSON Schema
// docs/schema/device-config.schema.json are generated from this file (`npm run docs`).
import { Type, type Static } from "typebox";

/** Bytes written explicitly in one encoding: exactly one of `hex`, `base64` or `utf8`. */
export const BytesSchema = Type.Object(
  {
    hex: Type.Optional(Type.String({ description: "The bytes as hex digits (whitespace ignored)." })),
    base64: Type.Optional(Type.String({ description: "The bytes in base64." })),
    utf8: Type.Optional(Type.String({ description: "The UTF-8 bytes of this text." })),
  },
  { additionalProperties: false, description: 'Bytes, written as exactly one of "hex", "base64" or "utf8".' },
);
export type BytesJson = Static<typeof BytesSchema>;

const NonEmpty = (description: string) => Type.String({ minLength: 1, description });

/** DevInfo values (docs/protocol.md §9.1). */
export const DevInfoSchema = Type.Object(
  {
    devId: NonEmpty("DevInfo/DevID: the device's unique id (e.g. IMEI:359000000000001), also sent as OMADM-DevID."),
    man: Type.String({ description: "DevInfo/Man: the manufacturer." }),
    mod: Type.String({ description: "DevInfo/Mod: the model." }),
    dmV: Type.Optional(Type.String({ description: "DevInfo/DmV: the DM version.", default: "2.0" })),
    lang: Type.String({ description: "DevInfo/Lang: the language, e.g. en-US." }),
    devType: Type.String({ description: "DevInfo/DevType: the kind of device, e.g. gateway." }),
    oem: Type.String({ description: "DevInfo/OEM: the original equipment manufacturer." }),
    fwV: Type.String({ description: "DevInfo/FwV: the firmware version." }),
    swV: Type.String({ description: "DevInfo/SwV: the software version." }),
    hwV: Type.String({ description: "DevInfo/HwV: the hardware version." }),
    ext: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: "DevInfo/Ext: vendor extensions, as MO data." }),
    ),
    bearer: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: "DevInfo/Bearer: bearer-specific data, as MO data." }),
    ),
  },
  { additionalProperties: false, description: "The values of the DevInfo MO (docs/protocol.md §9.1)." },
);

/** Package#0 credentials: Auth/Noti (approved) or the draft change request's Credentials/Noti (§2.5, §15). */
export const NotificationCredentialsSchema = Type.Object(
  {
    type: Type.Optional(
      Type.Integer({
        minimum: 0,
        default: 1,
        description: "Auth/Noti/Type: 1 = SHA256-DIGEST, 0 = none (docs/protocol.md §2.5).",
      }),
    ),
    secret: { ...BytesSchema, description: "Auth/Noti/Secret: the server secret hashed before the notification." },
    authData: { ...BytesSchema, description: "Auth/Noti/Data: the auth data hashed after the notification." },
    layout: Type.Optional(
      Type.Union([Type.Literal("approved"), Type.Literal("seed")], {
        default: "approved",
        description:
          'Where the credentials are written: "approved" = Auth/Noti, "seed" = the draft change request\'s ' +
          "Credentials/Noti (docs/protocol.md §15), for testing clients of older provisioning tools.",
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      "Package#0 credentials of this server: the SHA256-DIGEST secret and auth data (docs/protocol.md §2.5).",
  },
);

export const HttpAuthSchema = Type.Object(
  {
    type: Type.Union([Type.Literal("BASIC"), Type.Literal("DIGEST")], {
      description: "The HTTP authentication scheme.",
    }),
    name: NonEmpty("The user name."),
    secret: { ...BytesSchema, description: "The password." },
  },
  {
    additionalProperties: false,
    description: "HTTP Basic or Digest credentials for this server (DMAcc Ext/HttpAuth, docs/protocol.md §9.2).",
  },
);

/** TLS for the account's sessions (docs/protocol.md §11.2): PEM file paths, relative to the config file. */
export const TlsSchema = Type.Object(
  {
    ca: Type.Optional(NonEmpty("PEM file of the CAs the server's certificate must chain to (default: Node's CAs).")),
    cert: Type.Optional(NonEmpty("PEM file of the device's client certificate (with key).")),
    key: Type.Optional(NonEmpty("PEM file of the client certificate's private key (with cert).")),
    psk: Type.Optional(
      Type.Object(
        {
          identity: NonEmpty("The PSK identity."),
          keyFile: NonEmpty("File holding the pre-shared key as hex text (as `openssl s_client -psk` takes it)."),
        },
        { additionalProperties: false, description: "PSK-TLS credentials (TLS 1.2)." },
      ),
    ),
    rejectUnauthorized: Type.Optional(
      Type.Boolean({
        default: true,
        description: "false accepts any server certificate: only for tests against a throw-away server.",
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "TLS for this account's sessions (docs/protocol.md §11.2); paths are relative to the config file.",
  },
);

/** `Auth/Bootstrap` of a bootstrap server's account (docs/protocol.md §9.2, §11.3; docs/bootstrap.md). */
export const BootstrapSchema = Type.Object(
  {
    secMode: Type.Union([Type.Literal("psk"), Type.Literal("x509")], {
      description: "Auth/Bootstrap/SecMode: PSK-TLS (0) or an X.509 client certificate (2).",
    }),
    serverUri: Type.Optional(NonEmpty("Auth/Bootstrap/ServerURI; absent: the account's srvUri.")),
    psk: Type.Optional(
      Type.Object(
        {
          identity: NonEmpty("The bootstrap PSK identity (ClientPubKey)."),
          keyFile: NonEmpty("File holding the bootstrap pre-shared key as hex text (ClientSecretKey)."),
        },
        { additionalProperties: false, description: "secMode psk: the factory PSK." },
      ),
    ),
    cert: Type.Optional(NonEmpty("secMode x509: PEM file of the factory client certificate (ClientPubKey).")),
    key: Type.Optional(NonEmpty("secMode x509: PEM file of its private key (ClientSecretKey).")),
    serverCert: Type.Optional(NonEmpty("secMode x509: PEM file of the bootstrap server's certificate (ServerPubKey).")),
    serverIdentity: Type.Optional(NonEmpty("secMode psk: the bootstrap server's PSK identity hint (ServerPubKey).")),
  },
  {
    additionalProperties: false,
    description:
      "Factory bootstrap credentials: this account is a bootstrap server's (docs/bootstrap.md). Its sessions go " +
      "to the ServerURI over TLS keyed by these credentials; only it may create and change the accounts it provisions.",
  },
);

/** One DM Account (docs/protocol.md §9.2), factory-bootstrapped (§14). */
export const AccountSchema = Type.Object(
  {
    srvId: NonEmpty("SrvID: the server's id; a Package#0's SERVER-ID names it. Unique among the accounts."),
    srvUri: NonEmpty("SrvURI: where the client POSTs Package#1 (https; http only with allowHttp)."),
    name: Type.String({ description: "Name: a display name for the server." }),
    permittedMoids: Type.Array(NonEmpty("A MOID, urn:oma:mo:…"), {
      description: "Perm/<x>/MOID: the MOIDs this server may manage (docs/protocol.md §10).",
    }),
    notification: Type.Optional(NotificationCredentialsSchema),
    httpAuth: Type.Optional(HttpAuthSchema),
    tls: Type.Optional(TlsSchema),
    bootstrap: Type.Optional(BootstrapSchema),
    miid: Type.Optional(NonEmpty("MIID of the DMAcc instance; absent: the client chooses one.")),
  },
  {
    additionalProperties: false,
    description:
      "One DM Account (docs/protocol.md §9.2), installed at the first start (factory bootstrap, docs/protocol.md §14).",
  },
);

/** An extra MO: its DDF file and the instances created at first start. */
export const MoSchema = Type.Object(
  {
    ddf: NonEmpty("The MO's DDF file (docs/protocol.md §8.3), relative to the config file."),
    ddfUrl: Type.Optional(NonEmpty("The DDF's URL, advertised in Package#1 MOS[].DDF and in serialization items.")),
    instances: Type.Optional(
      Type.Array(
        Type.Object(
          {
            miid: Type.Optional(NonEmpty("The instance's MIID; absent: the client chooses one.")),
            values: Type.Optional(
              Type.Record(Type.String(), Type.Unknown(), {
                description:
                  'The content of the instance root as MO data (docs/protocol.md §7.1): { "Name": "x", "Sub": { … } }.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        { description: "Instances created at the first start." },
      ),
    ),
  },
  { additionalProperties: false, description: "An MO beyond the standard ones: its DDF and its first instances." },
);

/** What EXEC on one node does: `{result}` sync, `{async, result, delayMs}`, or `{command}` (a process). */
export const ExecBehaviourSchema = Type.Object(
  {
    moid: NonEmpty("The MOID of the executable node."),
    path: NonEmpty('The node below the instance root, e.g. "Operations/Reboot"; applies to every instance.'),
    result: Type.Optional(
      Type.Integer({ minimum: 200, maximum: 599, default: 200, description: "The final status code EXEC reports." }),
    ),
    async: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          "Report asynchronously: 202 now, the result later in a Generic Alert (docs/protocol.md §4.12). An EXEC " +
          "with a ServerURI is always reported so.",
      }),
    ),
    delayMs: Type.Optional(
      Type.Integer({ minimum: 0, default: 0, description: "With async: how long the operation takes." }),
    ),
    command: Type.Optional(
      Type.Array(Type.String(), {
        minItems: 1,
        description:
          "Run this process (argv) instead: exit code 0 → 200, else 500, reported asynchronously. Not combined " +
          "with result, async or delayMs.",
      }),
    ),
  },
  { additionalProperties: false, description: "What EXEC on one node does (docs/protocol.md §4.4)." },
);

export const UdpListenerSchema = Type.Object(
  {
    host: NonEmpty("The address to listen on."),
    port: Type.Integer({ minimum: 0, maximum: 65535, description: "The UDP port; 0 picks a free one." }),
    srvId: Type.Optional(
      NonEmpty(
        "The account this listener belongs to: used for notifications without SERVER-ID (docs/protocol.md §2.7 step 1).",
      ),
    ),
  },
  { additionalProperties: false, description: "A UDP listener for Package#0 (docs/protocol.md §12)." },
);

export const MqttListenerSchema = Type.Object(
  {
    url: NonEmpty("The broker, e.g. mqtt://127.0.0.1:1883."),
    topic: Type.Optional(
      NonEmpty("The topic to subscribe to; absent: omadm/notify/<DevID>, the one omadm's server publishes to."),
    ),
    clientId: Type.Optional(NonEmpty("The MQTT client id; absent: a random one.")),
    username: Type.Optional(Type.String({ description: "The broker user name." })),
    password: Type.Optional(Type.String({ description: "The broker password." })),
    srvId: Type.Optional(
      NonEmpty(
        "The account this listener belongs to: used for notifications without SERVER-ID (docs/protocol.md §2.7 step 1).",
      ),
    ),
  },
  { additionalProperties: false, description: "An MQTT subscription for Package#0 (docs/protocol.md §12)." },
);

export const DeviceConfigSchema = Type.Object(
  {
    $schema: Type.Optional(
      Type.String({
        description:
          "The JSON Schema this file follows, for editors (e.g. docs/schema/device-config.schema.json); ignored.",
      }),
    ),
    description: Type.Optional(
      Type.String({ description: "Free text for the reader of the file (JSON has no comments); ignored." }),
    ),
    devInfo: DevInfoSchema,
    accounts: Type.Array(AccountSchema, { description: "The DM Accounts: one per DM Server that manages the device." }),
    mos: Type.Optional(Type.Array(MoSchema, { description: "MOs beyond DevInfo, DMAcc and SessionInfo." })),
    exec: Type.Optional(
      Type.Array(ExecBehaviourSchema, {
        description: "What EXEC does on each executable node; a node without an entry answers 405.",
      }),
    ),
    notifications: Type.Optional(
      Type.Object(
        {
          udp: Type.Optional(Type.Array(UdpListenerSchema, { description: "UDP listeners." })),
          mqtt: Type.Optional(Type.Array(MqttListenerSchema, { description: "MQTT subscriptions." })),
          bearers: Type.Optional(
            Type.Array(Type.Integer({ minimum: 1, maximum: 3 }), {
              default: [3],
              description:
                "The bearers this device has, matched against PREFERRED-CON-TYPE: 1 CELLULAR, 2 WLAN, 3 WIRELINE.",
            }),
          ),
          maxAgeSeconds: Type.Optional(
            Type.Integer({
              minimum: 1,
              default: 3600,
              description: "A notification whose TIMESTAMP is older is dropped as a replay (docs/protocol.md §2.4).",
            }),
          ),
          maxFutureSeconds: Type.Optional(
            Type.Integer({
              minimum: 0,
              default: 300,
              description: "A notification whose TIMESTAMP is further in the future is dropped.",
            }),
          ),
          maxRecentIds: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 65536,
              default: 4096,
              description:
                "NOTIFICATION-IDs remembered per account for duplicate detection, each for maxAgeSeconds + " +
                "maxFutureSeconds (docs/protocol.md §2.4); an account that sends more inside that window is refused " +
                "(reason too-many) until some age out.",
            }),
          ),
        },
        {
          additionalProperties: false,
          description: "Where `omadm client daemon` listens for Package#0, and how notifications are checked.",
        },
      ),
    ),
    browser: Type.Optional(
      Type.Array(Type.String(), {
        minItems: 1,
        description:
          "The Web Browser Component for SHOW: a command (argv); each {url} becomes the page's URL, without {url} " +
          "it is appended. Absent: SHOW answers 501.",
      }),
    ),
    stateDir: Type.Optional(
      NonEmpty("Directory of the persistent state (state.json), relative to the config file; default ./state."),
    ),
    allowHttp: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          "Accept plain-http SrvURIs and ServerURIs, and Basic over http (loopback tests, the example device).",
      }),
    ),
    allowUnauthenticatedNotifications: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          "Accept a notification when neither the account has credentials nor a digest is present (docs/protocol.md §2.5).",
      }),
    ),
    asyncReports: Type.Optional(
      Type.Object(
        {
          maxAttempts: Type.Optional(
            Type.Integer({
              minimum: 1,
              default: 5,
              description:
                "Report sessions tried for one asynchronous EXEC result (docs/protocol.md §4.4) before it is " +
                "dropped with a report-dropped event and one warning.",
            }),
          ),
          retryBaseMs: Type.Optional(
            Type.Integer({
              minimum: 0,
              default: 30_000,
              description: "Wait after the first failed attempt; it doubles after each further one.",
            }),
          ),
          retryMaxMs: Type.Optional(
            Type.Integer({
              minimum: 0,
              default: 3_600_000,
              description: "The longest wait between two attempts.",
            }),
          ),
        },
        {
          additionalProperties: false,
          description:
            "Retries of asynchronous EXEC reports whose session failed, with exponential back-off, across sessions " +
            "and restarts (docs/client-state.md).",
        },
      ),
    ),
    subDebounceMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        default: 2000,
        description: "SUB: changes within this window are reported together in one PUT (docs/protocol.md §4.10).",
      }),
    ),
  },
  { additionalProperties: false, description: "One device for `omadm client` or an embedded DmClient." },
);
export type DeviceConfigJson = Static<typeof DeviceConfigSchema>;
