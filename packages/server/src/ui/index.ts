// The Web Server Component's public surface (SHOW pages, docs/protocol.md §4.6).
export { uiPlugin, DEFAULT_MAX_FORM_BYTES, type UiPluginOptions } from "./plugin.js";
export {
  asUiAnswer,
  createUiService,
  DEFAULT_UI_TTL_SECONDS,
  effectiveUiState,
  MAX_UI_TTL_SECONDS,
  UI_SESSION_ROUTE,
  UIID_PARAM,
  uiServerUri,
  type CreateUiSessionOptions,
  type CreatedUiSession,
  type UiService,
  type UiServiceDeps,
  type UiServiceOptions,
  type UiSessionResult,
} from "./service.js";
export {
  checkUiTemplate,
  UiChoiceSchema,
  UiFieldSchema,
  UiFieldType,
  UiTemplateSchema,
  type UiChoice,
  type UiField,
  type UiTemplate,
} from "./template.js";
export { parseSubmission, type FieldError, type Submission, type UiAnswer, type UiFieldValue } from "./form.js";
export { escapeHtml, PAGE_CSP } from "./html.js";
