// @omadm/protocol — the public export list, by name. Pure: no sockets, files, timers or side effects at import.
// Everything not listed here is internal; test/public-api/protocol.txt holds the reviewed list.

// Errors: the base every omadm error extends, and this package's catalogue of stable codes.
export { errorMessage, isOmadmError, OmadmError, type OmadmErrorOptions } from "./omadm-error.js";
export { ErrorCode, isProtocolError, ProtocolError, type ProtocolErrorInit } from "./errors.js";
export { err, ok, type Result } from "./result.js";

// Media types and headers (docs/protocol.md §1.3, §1.6, §7.2)
export { HDR_ACCEPT, HDR_DEVID, MT_MO_JSON, MT_P1, MT_P2, MT_P3, MT_TNDS_XML } from "./media-types.js";
export { type MediaRange, type MediaType, mediaTypeEssence, parseAccept, parseMediaType } from "./media/media-range.js";
export {
  checkRequestContentType,
  chooseMediaType,
  isMoJsonType,
  MO_JSON_MEDIA_TYPES,
  negotiateResponse,
  omadmAcceptHeader,
} from "./media/negotiate.js";

// Package#0, the DM Notification (docs/protocol.md §2, §12)
export { ConType, isConType, OptionProfile } from "./notification/constants.js";
export { decodeNotification } from "./notification/decode.js";
export { encodeNotification } from "./notification/encode.js";
export {
  DigestPolicyAction,
  type DigestPolicyInput,
  notificationDigestPolicy,
  signNotification,
  verifyNotification,
} from "./notification/digest.js";
export type {
  Notification,
  NotificationCodecOptions,
  NotificationCredentials,
  UnknownOption,
} from "./notification/types.js";
export { NOTIFICATION_TOPIC_PREFIX, notificationTopic } from "./notification-topic.js";

// Package#1/#2/#3, Generic Alerts, MO serialization, the commands (docs/protocol.md §3, §4, §7)
export { DEFAULT_JSON_LIMITS, type JsonLimits, parseJsonText } from "./packages/json-text.js";
export { type MosEntry, type Package1, parsePackage1, serializePackage1 } from "./packages/package1.js";
export { type Package2, parsePackage2, serializePackage2 } from "./packages/package2.js";
export { type Package3, parsePackage3, serializePackage3, type StatusItem } from "./packages/package3.js";
export {
  AT_BOOTSTRAP_COMPLETE,
  AT_CLIENT_INIT,
  AT_EXEC_COMPLETE,
  AT_SERVER_INIT,
  bootstrapCompleteAlert,
  clientInitiatedAlert,
  execCompleteAlert,
  type GenericAlert,
  type Mark,
  NOTIFICATION_ID_KEY,
  parseGenericAlert,
  serializeGenericAlert,
  serverInitiatedAlert,
} from "./packages/generic-alert.js";
export {
  type MoItem,
  type MoSerialization,
  parseMoSerialization,
  serializeMoSerialization,
} from "./packages/mo-serialization.js";
export {
  type Command,
  COMMAND_PARAMETERS,
  type CommandName,
  COMMANDS,
  isCommandName,
  type ParameterSpec,
  ParamKind,
  ParamOccurrence,
} from "./packages/command-table.js";
export { validateCommand, type ValidateCommandOptions } from "./packages/command-validate.js";
export {
  COMMAND_INFO,
  type CommandInfo,
  type CommandOutcome,
  RELAYED_HTTP_ERROR,
  SupportLevel,
} from "./packages/command-info.js";

// Status codes (docs/protocol.md §5)
export { isSuccessStatus, isValidStatusCode, Status, statusName } from "./status/status-codes.js";

// ClientURI and ServerURI (docs/protocol.md §6), and the tree view the resolver walks
export {
  type ClientUri,
  type ClientUriQuery,
  isValidMiid,
  isValidMoid,
  isValidNodeName,
  type MoInst,
  type NvField,
  parseClientUri,
  type PathSegment,
} from "./uri/client-uri.js";
export { canonicalClientUri, concreteClientUri, type ConcreteOptions } from "./uri/client-uri-format.js";
export { resolveClientUri, type ResolvedNode, type ResolveOptions } from "./uri/resolve.js";
export { parseServerUri, type ServerUriOptions } from "./uri/server-uri.js";
export type { TreeNodeView, TreeView } from "./tree-view.js";

// DDF and the standard MOs (docs/protocol.md §8, §9)
export {
  AccessType,
  allows,
  CaseSense,
  type MoDefinition,
  type NodeDefinition,
  NodeFormat,
  type Occurrence,
  occurrenceBounds,
  Scope,
} from "./ddf/mo-definition.js";
export { type DdfParseOptions, parseDdf } from "./ddf/parse-ddf.js";
export {
  isDevInfoMoid,
  MOID_DACMO,
  MOID_DEVINFO,
  MOID_DMACC,
  MOID_SESSIONINFO,
  STANDARD_DDF_FILES,
} from "./ddf/standard-mos.js";
export {
  type FumoAlertData,
  FumoAlertType,
  FumoNode,
  FumoResult,
  FumoState,
  isFumoSuccess,
  MOID_FUMO,
  pkgUrlWithDigest,
  splitPkgUrl,
} from "./ddf/fumo.js";

// DM 1.x interworking (docs/protocol.md §13)
export type { Dm1xAlert, Dm1xAlertItem } from "./interworking/dm1x-alert.js";
export { type Dm1xXmlOptions, parseDm1xAlertXml, serializeDm1xAlertXml } from "./interworking/dm1x-alert-xml.js";
export { dm1xAlertToDm2, dm2AlertToDm1x, type Dm2ToDm1xOptions } from "./interworking/dm1x-mapping.js";
export {
  createDm1xPathMapping,
  type Dm1xPathMapper,
  type Dm1xPathMapping,
  type Dm1xRootMapping,
  type Dm2UriMapper,
} from "./interworking/path-mapping.js";
