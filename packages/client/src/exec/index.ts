// Public exports of the EXEC module; the package's hand-written export list is ../index.ts.
export {
  createExecRegistry,
  type ExecRegistry,
  type ExecHandler,
  type ExecRequest,
  type ExecResult,
  type ExecCompletion,
} from "../commands/exec-registry.js";
export { completionAlert } from "../commands/exec.js";
