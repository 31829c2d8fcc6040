// The `bootstrap` configuration section, checked against the TLS section (docs/bootstrap.md). Fail closed: the
// role is off by default, and on it needs TLS with a way to authenticate devices mutually (§11.3): PSK-TLS for
// SecMode 0, client certificates for SecMode 2.
import type { ConfigProblem, ConfigSource } from "../config-problem.js";
import type { TlsConfig } from "../tls/tls-config.js";

export interface BootstrapConfigInput {
  readonly serverId: string;
  readonly bootstrap: { readonly enabled: boolean; readonly path: string; readonly serverId: string };
}

const RESERVED = ["/dm", "/repo", "/ui", "/api"];
const PATH = /^\/[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/;

export function checkBootstrapConfig(
  config: BootstrapConfigInput,
  tls: TlsConfig,
  source: (key: string) => ConfigSource,
): ConfigProblem[] {
  const b = config.bootstrap;
  if (!b.enabled) return [];
  const problems: ConfigProblem[] = [];
  const problem = (key: string, message: string): void => {
    problems.push({ key, source: source(key), message });
  };
  if (!tls.enabled) problem("bootstrap.enabled", "bootstrap.enabled needs tls.enabled (docs/protocol.md §11.3)");
  else if (!tls.psk && !tls.requestClientCert) {
    problem(
      "bootstrap.enabled",
      "bootstrap.enabled needs tls.psk (SecMode PSK) or tls.requestClientCert (SecMode X.509) to authenticate devices",
    );
  }
  if (!PATH.test(b.path))
    problem("bootstrap.path", `bootstrap.path ${JSON.stringify(b.path)} is not a plain absolute path`);
  else if (RESERVED.some((r) => b.path === r || b.path.startsWith(`${r}/`))) {
    problem("bootstrap.path", `bootstrap.path ${b.path} collides with another component's path`);
  }
  if (b.serverId === config.serverId) problem("bootstrap.serverId", "bootstrap.serverId must differ from serverId");
  return problems;
}
