// Public exports of this module; the package's hand-written export list is ../index.ts.
export { DM1X_GENERIC_ALERT_CODE, type Dm1xAlert, type Dm1xAlertItem } from "./dm1x-alert.js";
export { type Dm1xXmlOptions, parseDm1xAlertXml, serializeDm1xAlertXml } from "./dm1x-alert-xml.js";
export {
  DM1X_DATA_KEY,
  DM1X_CORRELATOR_KEY,
  dm1xFormatToDataType,
  dataTypeToDm1xFormat,
  dm1xAlertToDm2,
  type Dm2ToDm1xOptions,
  dm2AlertToDm1x,
} from "./dm1x-mapping.js";
export {
  type Dm1xPathMapper,
  type Dm2UriMapper,
  type Dm1xRootMapping,
  type Dm1xPathMapping,
  createDm1xPathMapping,
  splitDm1xPath,
} from "./path-mapping.js";
