// The DM endpoint's public surface (re-exported by ../index.ts): the fastify plugin, the session service and
// state machine it runs, and the background sweep.
export {
  dmEndpointPlugin,
  DM_PATH,
  DM_SESSION_PATH,
  DM_DEFAULTS,
  type DmEndpointOptions,
  type DmAuthenticator,
} from "./dm-endpoint.js";
export {
  createDmSessionService,
  type DmSessionService,
  type DmSessionServiceDeps,
  type DmSessionServiceOptions,
  type DmLogger,
  type Package2Reply,
  type SessionLocator,
} from "./dm-session-service.js";
export {
  stepDmSession,
  resultFor,
  DM_START,
  DmStateKind,
  DmEndReason,
  DmEventKind,
  DmActionKind,
  type DmState,
  type DmEvent,
  type DmAction,
  type DmStep,
  type DmSentItem,
  type DmQueuedCommand,
} from "./session-machine.js";
export { decodeDmState, encodeDmState } from "./session-state-codec.js";
export { DM_COOKIE_NAME } from "./session-cookie.js";
export { createSweeper, type Sweeper, type SweeperDeps, type SweeperLogger, type SweepReport } from "./sweeper.js";
