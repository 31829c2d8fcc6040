// The admin subcommands of `omadm`, speaking the DM Server's REST API. The CLI entry point mounts them:
//   registerAdminCommands(program, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) })
// Every command takes --server (OMADM_SERVER_URL, default http://127.0.0.1:8080), --token (OMADM_TOKEN) and
// --json. Failures print "error: <the server's problem detail>" on stderr and set a non-zero exit code
// (1 refused, 2 bad arguments, 3 server unreachable).
import type { Command } from "commander";
import { registerAuditCommands } from "./audit.js";
import { registerBootstrapCommands } from "./bootstrap.js";
import { registerCommandCommands } from "./commands.js";
import type { AdminDeps } from "./context.js";
import { registerDeviceCommands } from "./devices.js";
import { registerEventCommands } from "./events.js";
import { registerFirmwareCommands } from "./firmware.js";
import { registerFollowCommands } from "./follow.js";
import { registerGroupCommands } from "./groups.js";
import { registerCampaignCommands } from "./campaigns.js";
import { registerRepoCommands } from "./repo.js";
import { registerTokenCommands, registerUiCommands } from "./ui-tokens.js";
import { registerWebhookCommands } from "./webhooks.js";

/** Adds `devices`, `commands` (with `wait`), `wake`, `alerts`, `events`, `sessions`, `notifications`, `uploads`,
 *  `repo`, `ui`, `token`, `bootstrap`, `groups`, `audit`, `firmware`, `webhooks` and `campaigns` to the program. */
export function registerAdminCommands(program: Command, deps: AdminDeps): void {
  registerDeviceCommands(program, deps);
  registerCommandCommands(program, deps);
  registerEventCommands(program, deps);
  registerFollowCommands(program, deps);
  registerRepoCommands(program, deps);
  registerUiCommands(program, deps);
  registerTokenCommands(program, deps);
  registerBootstrapCommands(program, deps);
  registerGroupCommands(program, deps);
  registerAuditCommands(program, deps);
  registerFirmwareCommands(program, deps);
  registerWebhookCommands(program, deps);
  registerCampaignCommands(program, deps);
}
