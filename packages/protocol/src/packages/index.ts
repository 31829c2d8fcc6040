// Public exports of this module; the package's hand-written export list is ../index.ts.
export { DEFAULT_JSON_LIMITS, type JsonLimits, parseJsonText } from "./json-text.js";
export {
  MARKS,
  MarkSchema,
  type Mark,
  DEFAULT_MARK,
  AT_SERVER_INIT,
  AT_CLIENT_INIT,
  AT_BOOTSTRAP_COMPLETE,
  AT_EXEC_COMPLETE,
  NOTIFICATION_ID_KEY,
  GenericAlertSchema,
  type GenericAlert,
  parseGenericAlert,
  serializeGenericAlert,
  serverInitiatedAlert,
  clientInitiatedAlert,
  bootstrapCompleteAlert,
  execCompleteAlert,
  alertMark,
  readNotificationId,
} from "./generic-alert.js";
export {
  MoItemSchema,
  type MoItem,
  MoSerializationSchema,
  type MoSerialization,
  parseMoSerialization,
  serializeMoSerialization,
} from "./mo-serialization.js";
export {
  MosEntrySchema,
  type MosEntry,
  Package1Schema,
  type Package1,
  parsePackage1,
  serializePackage1,
} from "./package1.js";
export { Package2Schema, type Package2, parsePackage2, serializePackage2 } from "./package2.js";
export {
  StatusItemSchema,
  type StatusItem,
  Package3Schema,
  type Package3,
  parsePackage3,
  serializePackage3,
} from "./package3.js";
export {
  COMMANDS,
  type CommandName,
  ParamKind,
  ParamOccurrence,
  type ParameterSpec,
  COMMAND_PARAMETERS,
  commandArity,
  isCommandName,
  type Command,
  type CommandOf,
} from "./command-table.js";
export {
  SupportLevel,
  RELAYED_HTTP_ERROR,
  type CommandOutcome,
  type CommandInfo,
  COMMAND_INFO,
} from "./command-info.js";
export { type ValidateCommandOptions, validateCommand, validateCommands, commandToArray } from "./command-validate.js";
