// A reusable FUMO implementation for a DmClient (docs/firmware.md): EXEC on `<x>/Download`, `<x>/Update` or
// `<x>/DownloadAndUpdate` answers 202 (docs/protocol.md §4.4, §4.12); the operation then walks the FUMO State
// values, and its result goes to the server in the asynchronous EXEC alert with the FUMO result code as `sc` and
// the FUMO AlertType. After a successful update the device "reboots" (a pause) and reports the new version in
// `<x>/PkgVersion` and DevInfo/FwV before the alert is sent, so the next session already sees it.
import {
  FumoAlertType,
  FumoNode,
  FumoResult,
  FumoState,
  isFumoSuccess,
  MOID_DEVINFO,
  MOID_FUMO,
  type Result,
  splitPkgUrl,
} from "@omadm/protocol";
import type { Dispatcher } from "undici";
import type { ExecCompletion, ExecRequest } from "../commands/exec-registry.js";
import type { DmClient } from "../dm-client/dm-client-types.js";
import { LOCAL } from "../tree/actor.js";
import type { LeafValue } from "../tree/leaf-value.js";
import { downloadPackage, type PackageDownload } from "./fumo-download.js";

/** What was downloaded, handed to `install`. */
export interface FumoPackage {
  readonly miid: string;
  readonly pkgName: string | undefined;
  readonly pkgVersion: string | undefined;
  readonly size: number;
  readonly sha256: string;
}

export interface FumoOptions {
  /** MIID of the instance `ensureInstance` creates (default "fw"). */
  readonly miid?: string;
  /** For the downloads (default: undici's global dispatcher); give the device's TLS material here. */
  readonly dispatcher?: Dispatcher;
  /** Extra headers of the download requests. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Requests per download, resumes included (default 5). */
  readonly maxAttempts?: number;
  readonly retryDelayMs?: number;
  readonly timeoutMs?: number;
  /**
   * Installs the package; answers a FUMO result code (default: 200). A simulator injects failures here
   * (e.g. 410 Update failed).
   */
  readonly install?: (pkg: FumoPackage) => number | Promise<number>;
  /** The simulated reboot after a successful update, before the new version shows (default 0 ms). */
  readonly rebootMs?: number;
  /** Called on every State change (tests and progress displays). */
  readonly onState?: (miid: string, state: FumoState) => void;
}

export interface FumoHandle {
  /** Creates the FUMO instance (State 10) unless the tree has one; call after `client.start()`. */
  ensureInstance(): Result<{ readonly miid: string }>;
  /** Removes the EXEC handlers. */
  off(): void;
}

type Operation = "Download" | "Update" | "DownloadAndUpdate";

/** A downloaded package waiting for Update (State 40), per instance; a simulated device keeps only its digest. */
interface Downloaded {
  readonly size: number;
  readonly sha256: string;
}

export function registerFumo(client: DmClient, options: FumoOptions = {}): FumoHandle {
  const tree = client.tree;
  const downloaded = new Map<string, Downloaded>();
  const running = new Set<string>();

  const read = (miid: string, path: readonly string[]): LeafValue | undefined => tree.getValue(MOID_FUMO, miid, path);
  const text = (miid: string, path: readonly string[]): string | undefined => {
    const v = read(miid, path);
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const setState = (miid: string, state: FumoState) => {
    tree.setValue(MOID_FUMO, miid, [FumoNode.State], state, LOCAL);
    options.onState?.(miid, state);
  };

  const completion = (op: Operation, miid: string, sc: number): ExecCompletion => {
    const state = read(miid, [FumoNode.State]);
    const pkgName = text(miid, [FumoNode.PkgName]);
    const pkgVersion = text(miid, [FumoNode.PkgVersion]);
    return {
      sc,
      alertType: FumoAlertType[op],
      dataType: "application/json",
      data: {
        sc,
        state: typeof state === "number" ? state : FumoState.IDLE,
        ...(pkgName === undefined ? {} : { pkgName }),
        ...(pkgVersion === undefined ? {} : { pkgVersion }),
      },
      ...(isFumoSuccess(sc) ? {} : { mark: "critical" as const }),
    };
  };

  const download = async (op: Operation, miid: string): Promise<PackageDownload> => {
    const pkgUrl = text(miid, [op, FumoNode.PkgURL]);
    if (pkgUrl === undefined) {
      return { ok: false, result: FumoResult.BAD_URL, message: `${op}/PkgURL is not set`, requests: 0 };
    }
    const { url, sha256 } = splitPkgUrl(pkgUrl);
    setState(miid, FumoState.DOWNLOAD_PROGRESSING);
    return downloadPackage({
      url,
      sha256,
      devId: client.devId,
      dispatcher: options.dispatcher,
      headers: options.headers,
      maxAttempts: options.maxAttempts,
      retryDelayMs: options.retryDelayMs,
      timeoutMs: options.timeoutMs,
    });
  };

  /** Installs, reboots and reports the new version; the FUMO result code. */
  const update = async (miid: string, pkg: Downloaded): Promise<number> => {
    setState(miid, FumoState.READY_TO_UPDATE);
    setState(miid, FumoState.UPDATE_PROGRESSING);
    const pkgVersion = text(miid, [FumoNode.PkgVersion]);
    let result: number;
    try {
      result = await (options.install?.({ miid, pkgName: text(miid, [FumoNode.PkgName]), pkgVersion, ...pkg }) ??
        FumoResult.SUCCESSFUL);
    } catch {
      result = FumoResult.UPDATE_FAILED;
    }
    downloaded.delete(miid);
    if (!isFumoSuccess(result)) {
      setState(miid, FumoState.UPDATE_FAILED_NO_DATA);
      return result;
    }
    if ((options.rebootMs ?? 0) > 0) await new Promise((r) => setTimeout(r, options.rebootMs));
    // After the reboot the device runs the new firmware: DevInfo/FwV says so (only the device may write it).
    if (pkgVersion !== undefined) {
      const devInfo = tree.instances(MOID_DEVINFO)[0];
      if (devInfo !== undefined) tree.setValue(MOID_DEVINFO, devInfo, ["FwV"], pkgVersion, LOCAL);
    }
    setState(miid, FumoState.UPDATE_SUCCESSFUL_NO_DATA);
    return result;
  };

  const run = async (op: Operation, miid: string): Promise<ExecCompletion> => {
    try {
      if (op === "Update") {
        const pkg = downloaded.get(miid);
        // Update needs a package: a completed Download (State 40). PkgData is not installed by this handler.
        if (pkg === undefined) return completion(op, miid, FumoResult.CLIENT_ERROR);
        return completion(op, miid, await update(miid, pkg));
      }
      const got = await download(op, miid);
      if (!got.ok) {
        setState(miid, FumoState.DOWNLOAD_FAILED);
        return completion(op, miid, got.result);
      }
      const pkg = { size: got.size, sha256: got.sha256 };
      setState(miid, FumoState.DOWNLOAD_COMPLETE);
      if (op === "Download") {
        downloaded.set(miid, pkg);
        return completion(op, miid, FumoResult.SUCCESSFUL);
      }
      return completion(op, miid, await update(miid, pkg));
    } finally {
      running.delete(miid);
    }
  };

  const handler = (op: Operation) => (request: ExecRequest) => {
    // One operation per instance at a time: a second EXEC while one runs is refused at once (FUMO 400).
    if (running.has(request.miid)) return completion(op, request.miid, FumoResult.CLIENT_ERROR);
    running.add(request.miid);
    return { async: run(op, request.miid) };
  };

  const offs = (["Download", "Update", "DownloadAndUpdate"] as const).map((op) =>
    client.registerExec(MOID_FUMO, op, handler(op)),
  );
  return {
    ensureInstance() {
      const existing = tree.instances(MOID_FUMO)[0];
      if (existing !== undefined) return { ok: true, value: { miid: existing } };
      const miid = options.miid ?? "fw";
      return tree.addInstance(MOID_FUMO, {
        actor: LOCAL,
        miid,
        moData: {
          [miid]: {
            Download: { PkgURL: "" },
            Update: { PkgData: "" },
            DownloadAndUpdate: { PkgURL: "" },
            State: FumoState.IDLE,
          },
        },
      });
    },
    off() {
      for (const off of offs) off();
    },
  };
}
