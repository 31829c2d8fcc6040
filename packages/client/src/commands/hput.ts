// HPUT and HPOST (docs/protocol.md §4.2 and omadm's rules there): send the data at every
// ClientURI to the ServerURI with HTTP PUT or POST.
// - Every ClientURI is resolved (wildcards and x-names allowed); the server needs the Read right (§10) and "No Get"
//   data is never sent.
// - The body is one MO serialization array, one item per resolved node, with concrete ClientURIs (§7.1).
// - A cv that matches the instance validator of every target (§6.3) → 304 and nothing is sent.
// - 2xx → 200; 415 + OMADM-Accept → one retry in a listed type we write, none → 406; other HTTP errors → the
//   code; no response → 503.
import { Status, type StatusItem, parseServerUri } from "@omadm/protocol";
import type { CommandEnv } from "./command-env.js";
import { itemsFor, resolveTarget, validatorMatches, type Target } from "./targets.js";
import { sendMoData, sendStatus } from "./transfer.js";

export interface HputRequest {
  readonly method: "PUT" | "POST";
  readonly serverUri: string;
  readonly clientUris: readonly string[];
  readonly serverId: string;
  readonly signal?: AbortSignal;
}

export async function performHput(
  env: CommandEnv,
  req: HputRequest,
): Promise<{ readonly status: StatusItem; readonly message?: string }> {
  const failed = (sc: number, message: string): { status: StatusItem; message: string } => ({
    status: { sc },
    message,
  });
  const url = parseServerUri(req.serverUri, { allowHttp: env.allowHttp });
  if (!url.ok) return failed(Status.BAD_REQUEST, url.error.message);
  if (req.clientUris.length === 0) return failed(Status.BAD_REQUEST, "HPUT/HPOST needs at least one ClientURI");
  const command = req.method === "PUT" ? "HPUT" : "HPOST";
  const targets: Target[] = [];
  for (const text of req.clientUris) {
    const target = resolveTarget(env, req.serverId, command, text);
    if (!target.ok) return failed(target.sc, target.message);
    targets.push(target.value);
  }
  // §6.3: only when every ClientURI carries a cv that is still current has the server nothing to learn.
  if (targets.every((t) => validatorMatches(env, t.uri, t.nodes))) return { status: { sc: Status.NOT_MODIFIED } };
  const items = itemsFor(
    env,
    targets.flatMap((t) => t.nodes),
  );
  if (!items.ok) return failed(items.sc, items.message);
  const outcome = await sendMoData(env, {
    method: req.method,
    url: req.serverUri,
    items: items.value,
    serverId: req.serverId,
    ...(req.signal === undefined ? {} : { signal: req.signal }),
  });
  const code = sendStatus(outcome);
  if (code === Status.OK) return { status: { sc: code } };
  const message =
    outcome.kind === "transport"
      ? outcome.message
      : outcome.kind === "not-acceptable"
        ? `the receiver accepts only ${outcome.omadmAccept}; this client writes ${env.codecs.mediaTypes.join(", ")}`
        : `the receiver answered HTTP ${code}`;
  return failed(code, message);
}
