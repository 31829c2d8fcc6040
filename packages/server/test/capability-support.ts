// Test support: repository URLs as the server sends them in commands, with a capability token issued in the
// store the way the DM session service does (docs/repository.md "Capability URLs").
import { hashCapabilityToken, newCapabilityToken } from "../src/capabilities/capability-urls.js";
import type { Store } from "../src/store/store.js";

let capabilitySeq = 0;
/**
 * `url` as the server would have sent it in an HPUT/HPOST/SUB command: with the capability token of a command
 * (docs/repository.md "Capability URLs"), issued here in the store as the DM session service does.
 */
export async function capabilityUrl(
  store: Pick<Store, "capabilities">,
  url: string,
  kind: "upload" | "read" = "upload",
): Promise<string> {
  const token = newCapabilityToken();
  // A path (`/repo/devices/<id>/…`) or an absolute URL; the capability grants the route path.
  const target = (url.startsWith("/") ? url : new URL(url).pathname).split("?")[0] ?? url;
  const deviceId = decodeURIComponent(target.split("/")[3] ?? "");
  const commandId = `cmd-${++capabilitySeq}`;
  await store.capabilities.issue({ tokenHash: hashCapabilityToken(token), deviceId, commandId, kind, target });
  return `${url}?cap=${token}`;
}
