// Public exports of the commands module; the package's hand-written export list is ../index.ts.
export {
  createCommandExecutor,
  type CommandExecutorDeps,
  type CommandExecutorOptions,
  type DmCommandExecutor,
} from "./command-executor.js";
export {
  type CommandLogger,
  type CommandClock,
  type Timers,
  type CommandTimeouts,
  type CommandEnvDeps,
  type CommandEnvOptions,
  systemTimers,
  DEFAULT_TRANSFER_TIMEOUT_MS,
  DEFAULT_LAUNCH_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
} from "./command-env.js";
export {
  type BrowserLauncher,
  type SpawnFunction,
  type SpawnBrowserLauncherOptions,
  type RecordingBrowserLauncher,
  CHROMIUM_HEADLESS_ARGS,
  createSpawnBrowserLauncher,
  createRecordingBrowserLauncher,
} from "./browser-launcher.js";
export { createDefaultUriStore, type DefaultUriStore } from "./default-uri-store.js";
export type { ConfigurationOutcome } from "./default-command.js";
export { type MoCodec, type MoCodecSet, jsonMoCodec, createMoCodecSet } from "./mo-codec.js";
export { type ServerAcceptStore, createServerAcceptStore, chooseSendType, chooseRetryType } from "./server-accept.js";
