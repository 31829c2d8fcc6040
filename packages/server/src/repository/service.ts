// The Data Repository service (docs/protocol.md §4.1 HGET, §4.2 HPUT/HPOST, §4.10 SUB): what the device-facing
// HTTP routes (./plugin.ts) and the operator REST API call. It checks paths, sizes, media types and content,
// builds the ServerURIs the DM Server puts into commands, and keeps everything in the store.
import { checkRequestContentType, DEFAULT_JSON_LIMITS } from "@omadm/protocol";
import { ServerError, ServerErrorCode } from "../errors.js";
import type { DeviceRegistry } from "../registry/device-registry.js";
import type { Store } from "../store/store.js";
import { DeviceState, type Page } from "../store/types.js";
import type {
  RepositoryItem,
  RepositoryItemInfo,
  RepositoryQuery,
  Upload,
  UploadInfo,
  UploadQuery,
} from "../store/types-content.js";
import { decideIfMatch } from "./conditional.js";
import { checkContent, checkContentItems } from "./content-check.js";
import { checkStoredMediaType, uploadAcceptHeader, uploadTypeList } from "./media.js";
import {
  checkDeviceId,
  checkRepositoryPath,
  normalizeBaseUrl,
  repositoryItemUrl,
  repositoryUploadUrl,
  type RepositoryRef,
} from "./paths.js";

export interface RepositoryLimits {
  /** Largest HPUT/HPOST/SUB body a device may send (413 above). */
  readonly maxUploadBytes: number;
  /** Largest item an operator may store for HGET. */
  readonly maxItemBytes: number;
  /** Most bytes of items and uploads one device's space holds (`repository.deviceQuotaBytes`); 0: no limit. */
  readonly deviceQuotaBytes: number;
  /** Most items and uploads one device's space holds (`repository.deviceQuotaItems`); 0: no limit. */
  readonly deviceQuotaItems: number;
}

/** (omadm's choice) 1 MiB uploads (the JSON limit of the protocol package), 16 MiB items. */
export const DEFAULT_REPOSITORY_LIMITS: RepositoryLimits = {
  maxUploadBytes: DEFAULT_JSON_LIMITS.maxBytes,
  maxItemBytes: 16 * 1024 * 1024,
  deviceQuotaBytes: 64 * 1024 * 1024,
  deviceQuotaItems: 10_000,
};

export interface RepositoryServiceDeps {
  readonly store: Store;
  /** Keeps DevInfo values a device uploads as JSON MO data (HPUT, HPOST, SUB report) in the device registry. */
  readonly devInfo?: Pick<DeviceRegistry, "captureDevInfoItems"> | undefined;
  /** pino-shaped; for what fails after an upload was accepted (DevInfo capture). */
  readonly logger?: { warn(details: Record<string, unknown>, message: string): void } | undefined;
}

export interface RepositoryServiceOptions {
  /** Base of every absolute URL handed out (ServerURIs, upload `Location`s), e.g. `https://dm.example.com`. */
  readonly publicBaseUrl: string;
  readonly limits?: Partial<RepositoryLimits> | undefined;
  /** Upload types accepted besides `application/dmmo+json` (and aliases) and TNDS XML. */
  readonly extraUploadTypes?: readonly string[] | undefined;
}

/** An item an operator stores for devices to HGET. */
export interface NewContent extends RepositoryRef {
  readonly mediaType: string;
  readonly body: Uint8Array;
}

/** A body a device sent with HPUT (PUT), HPOST (POST) or as a SUB change report (PUT). */
export interface ReceivedUpload {
  /** The device the upload is for (the DevID of the per-device URL, already access-checked). */
  readonly deviceId: string;
  readonly path: string;
  readonly method: "PUT" | "POST";
  /** The request's Content-Type header as sent. */
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
  /** The request's If-Match header as sent. */
  readonly ifMatch?: string | undefined;
  /** The command whose capability URL the upload came to, and the DM session that sent it (docs/repository.md). */
  readonly commandId?: string | null | undefined;
  readonly sessionId?: string | null | undefined;
}

export interface UploadReceipt {
  readonly upload: UploadInfo;
  /** The per-device item a PUT created or replaced; null for a POST. */
  readonly item: RepositoryItemInfo | null;
  /** True when a PUT created the item (it did not exist before). */
  readonly created: boolean;
  /** Absolute URL where the upload can be read back. */
  readonly location: string;
}

export interface RepositoryService {
  /** Upload media types, defaults first (what `OMADM-Accept` lists). */
  readonly uploadTypes: readonly string[];
  /** The `OMADM-Accept` header value for `uploadTypes`. */
  readonly omadmAccept: string;
  readonly limits: RepositoryLimits;
  /** The ServerURI of an item, for HGET/HPUT/HPOST/SUB commands. REPOSITORY_BAD_PATH. */
  itemUrl(ref: RepositoryRef): string;
  uploadUrl(uploadId: string): string;
  /**
   * Stores content for HGET (operator side). REPOSITORY_BAD_PATH, INVALID_INPUT (media type),
   * REPOSITORY_TOO_LARGE, REPOSITORY_BAD_CONTENT (malformed JSON MO data), DEVICE_NOT_FOUND,
   * REPOSITORY_PRECONDITION_FAILED (`ifMatch`: an ETag or "*").
   */
  putItem(content: NewContent, options?: { readonly ifMatch?: string | undefined }): Promise<RepositoryItem>;
  getItem(ref: RepositoryRef): Promise<RepositoryItem | null>;
  deleteItem(ref: RepositoryRef): Promise<boolean>;
  listItems(query?: RepositoryQuery): Promise<Page<RepositoryItemInfo>>;
  /**
   * Accepts a device's upload: checks size, Content-Type (REPOSITORY_UNSUPPORTED_MEDIA_TYPE), content
   * (BadContentError), If-Match (REPOSITORY_PRECONDITION_FAILED; INVALID_INPUT when malformed) and the device
   * (REPOSITORY_FORBIDDEN when unknown or disabled); then a PUT replaces the per-device item, and every upload
   * is appended to the device's upload log. A refusal changes nothing.
   */
  receiveUpload(input: ReceivedUpload): Promise<UploadReceipt>;
  getUpload(id: string): Promise<Upload | null>;
  listUploads(query?: UploadQuery): Promise<Page<UploadInfo>>;
}

function withoutBody<T extends { readonly body: Uint8Array }>(row: T): Omit<T, "body"> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the body is what is left out
  const { body, ...info } = row;
  return info;
}

function checkLimit(value: number | undefined, fallback: number, what: string, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ServerError(ServerErrorCode.INVALID_INPUT, `${what} must be an integer ≥ ${min}, not ${value}`);
  }
  return value;
}

/** 507 naming the quota's configuration key: the device's space would hold more than it allows. */
function overQuota(deviceId: string, quota: string, limit: number, would: number, unit: string): ServerError {
  return new ServerError(
    ServerErrorCode.REPOSITORY_QUOTA_EXCEEDED,
    `device ${JSON.stringify(deviceId)} would hold ${would} ${unit} in the repository; its quota (${quota}) is ${limit}`,
    { extensions: { quota, limit } },
  );
}

function checkRef(ref: RepositoryRef): RepositoryRef {
  return {
    deviceId: ref.deviceId === null ? null : checkDeviceId(ref.deviceId),
    path: checkRepositoryPath(ref.path),
  };
}

function tooLarge(size: number, limit: number, what: string): ServerError {
  return new ServerError(ServerErrorCode.REPOSITORY_TOO_LARGE, `${what} of ${size} bytes exceeds ${limit} bytes`);
}

export function createRepositoryService(
  deps: RepositoryServiceDeps,
  options: RepositoryServiceOptions,
): RepositoryService {
  const { store } = deps;
  const baseUrl = normalizeBaseUrl(options.publicBaseUrl);
  const limits: RepositoryLimits = {
    maxUploadBytes: checkLimit(
      options.limits?.maxUploadBytes,
      DEFAULT_REPOSITORY_LIMITS.maxUploadBytes,
      "maxUploadBytes",
    ),
    maxItemBytes: checkLimit(options.limits?.maxItemBytes, DEFAULT_REPOSITORY_LIMITS.maxItemBytes, "maxItemBytes"),
    deviceQuotaBytes: checkLimit(
      options.limits?.deviceQuotaBytes,
      DEFAULT_REPOSITORY_LIMITS.deviceQuotaBytes,
      "deviceQuotaBytes",
      0,
    ),
    deviceQuotaItems: checkLimit(
      options.limits?.deviceQuotaItems,
      DEFAULT_REPOSITORY_LIMITS.deviceQuotaItems,
      "deviceQuotaItems",
      0,
    ),
  };

  /**
   * The device's quotas, checked before anything is written (an upload over them stores nothing). A PUT adds the
   * upload record and replaces the item (its old size is given back); a POST adds only the upload record. Two
   * uploads racing may both pass the check: the quota can be overrun by at most one concurrent upload per node.
   */
  const checkQuota = async (deviceId: string, size: number, replaced: RepositoryItem | null, put: boolean) => {
    const { deviceQuotaBytes, deviceQuotaItems } = limits;
    if (deviceQuotaBytes === 0 && deviceQuotaItems === 0) return;
    const used = await store.repository.usage(deviceId);
    const bytes = used.bytes + size + (put ? size - (replaced?.size ?? 0) : 0);
    const items = used.items + 1 + (put && replaced === null ? 1 : 0);
    if (deviceQuotaBytes > 0 && bytes > deviceQuotaBytes) {
      throw overQuota(deviceId, "repository.deviceQuotaBytes", deviceQuotaBytes, bytes, "bytes");
    }
    if (deviceQuotaItems > 0 && items > deviceQuotaItems) {
      throw overQuota(deviceId, "repository.deviceQuotaItems", deviceQuotaItems, items, "items and uploads");
    }
  };
  const uploadTypes = uploadTypeList(options.extraUploadTypes);
  const omadmAccept = uploadAcceptHeader(uploadTypes);

  /** An upload needs a known, enabled device: the upload log belongs to it. */
  const requireUploader = async (deviceId: string): Promise<void> => {
    const device = await store.devices.get(deviceId);
    if (device === null) {
      throw new ServerError(ServerErrorCode.REPOSITORY_FORBIDDEN, `device ${JSON.stringify(deviceId)} is not known`);
    }
    if (device.state === DeviceState.Disabled) {
      throw new ServerError(ServerErrorCode.REPOSITORY_FORBIDDEN, `device ${JSON.stringify(deviceId)} is disabled`);
    }
  };

  return {
    uploadTypes,
    omadmAccept,
    limits,
    itemUrl: (ref) => repositoryItemUrl(baseUrl, checkRef(ref)),
    uploadUrl: (id) => repositoryUploadUrl(baseUrl, id),

    putItem: async (content, putOptions = {}) => {
      const ref = checkRef(content);
      const mediaType = checkStoredMediaType(content.mediaType);
      if (content.body.byteLength > limits.maxItemBytes) {
        throw tooLarge(content.body.byteLength, limits.maxItemBytes, "the item");
      }
      checkContent(mediaType, content.body, limits.maxItemBytes);
      return store.repository.put({ ...ref, mediaType, body: content.body }, { ifMatch: putOptions.ifMatch });
    },
    getItem: (ref) => {
      const checked = checkRef(ref);
      return store.repository.get(checked.path, checked.deviceId);
    },
    deleteItem: (ref) => {
      const checked = checkRef(ref);
      return store.repository.delete(checked.path, checked.deviceId);
    },
    listItems: (query) => store.repository.list(query),

    receiveUpload: async (input) => {
      const ref = checkRef({ deviceId: input.deviceId, path: input.path });
      const deviceId = input.deviceId;
      if (input.body.byteLength > limits.maxUploadBytes) {
        throw tooLarge(input.body.byteLength, limits.maxUploadBytes, "the upload");
      }
      // docs/protocol.md §1.6, §4.10 (docs/protocol.md §1.6): a format we do not take → 415 (+ OMADM-Accept, by the caller).
      const type = checkRequestContentType(input.contentType, uploadTypes);
      if (!type.ok) {
        throw new ServerError(ServerErrorCode.REPOSITORY_UNSUPPORTED_MEDIA_TYPE, type.error.message, {
          cause: type.error,
          extensions: { supported: uploadTypes },
        });
      }
      const mediaType = type.value;
      const { clientUris, items } = checkContentItems(mediaType, input.body, limits.maxUploadBytes);
      await requireUploader(deviceId);

      const current = await store.repository.get(ref.path, deviceId);
      const condition = decideIfMatch(input.ifMatch, current?.etag ?? null);
      if (condition.kind === "malformed") throw new ServerError(ServerErrorCode.INVALID_INPUT, condition.message);
      if (condition.kind === "fail") {
        throw new ServerError(ServerErrorCode.REPOSITORY_PRECONDITION_FAILED, condition.message);
      }
      await checkQuota(deviceId, input.body.byteLength, current, input.method === "PUT");

      // HPUT and SUB reports replace the device's item (a later HGET of the same URL gets the latest); HPOST
      // only adds to the log. The item is written first: it is the write that carries the precondition.
      let item: RepositoryItem | null = null;
      if (input.method === "PUT") {
        const ifMatch = condition.kind === "expect" ? condition.etag : undefined;
        item = await store.repository.put({ ...ref, mediaType, body: input.body }, { ifMatch });
      }
      const upload = await store.repository.recordUpload({
        deviceId,
        path: ref.path,
        method: input.method,
        clientUris,
        mediaType,
        body: input.body,
        commandId: input.commandId ?? null,
        sessionId: input.sessionId ?? null,
      });
      if (items !== null && deps.devInfo !== undefined) {
        try {
          await deps.devInfo.captureDevInfoItems(deviceId, items);
        } catch (cause) {
          // A nice-to-have, as for GET results: the upload is stored and acknowledged whatever happens here.
          deps.logger?.warn({ deviceId, err: cause }, "could not store DevInfo values from an upload");
        }
      }
      return {
        upload: withoutBody(upload),
        item: item === null ? null : withoutBody(item),
        created: input.method === "PUT" && current === null,
        location: repositoryUploadUrl(baseUrl, upload.id),
      };
    },
    getUpload: (id) => store.repository.getUpload(id),
    listUploads: (query) => store.repository.listUploads(query),
  };
}
