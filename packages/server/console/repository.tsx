// The Data Repository's items (docs/repository.md) and the SHOW UI sessions with what the users answered.
import { useEffect, useState } from "preact/hooks";
import { api, type Page } from "./api.js";
import { ago, clock } from "./format.js";

interface Item {
  readonly path: string;
  readonly deviceId: string | null;
  readonly mediaType: string;
  readonly size: number;
  readonly updatedAt: string;
}
interface UiSession {
  readonly id: string;
  readonly deviceId: string;
  readonly state: string;
  readonly template: unknown;
  readonly result: unknown;
  readonly createdAt: string;
  readonly completedAt: string | null;
}

function titleOf(template: unknown): string {
  const t = template as { title?: unknown } | null;
  return typeof t?.title === "string" ? t.title : "";
}

export function RepositoryView() {
  const [items, setItems] = useState<Item[] | null>(null);
  const [ui, setUi] = useState<UiSession[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const fail = (e: unknown): void => {
      setError(e instanceof Error ? e.message : String(e));
    };
    api<Page<Item>>("/api/v1/repository", { query: { limit: 200 } }).then((p) => {
      setItems(p.items);
    }, fail);
    api<Page<UiSession>>("/api/v1/ui-sessions", { query: { limit: 200 } }).then((p) => {
      setUi(p.items);
    }, fail);
  }, []);
  return (
    <>
      <h1>Data Repository and SHOW</h1>
      {error !== null && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <section aria-labelledby="items">
        <h2 id="items">Repository items</h2>
        {items === null ? (
          <p>Loading…</p>
        ) : items.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Path</th>
                  <th scope="col">Device</th>
                  <th scope="col">Type</th>
                  <th scope="col">Size</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {items.map((i) => (
                  <tr key={`${i.deviceId ?? ""}:${i.path}`}>
                    <td>
                      <code>{i.path}</code>
                    </td>
                    <td>
                      {i.deviceId === null ? (
                        "shared"
                      ) : (
                        <a href={`#/devices/${encodeURIComponent(i.deviceId)}`}>{i.deviceId}</a>
                      )}
                    </td>
                    <td>{i.mediaType}</td>
                    <td>{i.size}</td>
                    <td title={clock(i.updatedAt)}>{ago(i.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="ui">
        <h2 id="ui">SHOW sessions</h2>
        {ui === null ? (
          <p>Loading…</p>
        ) : ui.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Page</th>
                  <th scope="col">Device</th>
                  <th scope="col">State</th>
                  <th scope="col">Answer</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {ui.map((u) => (
                  <tr key={u.id}>
                    <td>
                      {titleOf(u.template)} <code>{u.id}</code>
                    </td>
                    <td>
                      <a href={`#/devices/${encodeURIComponent(u.deviceId)}`}>{u.deviceId}</a>
                    </td>
                    <td>{u.state}</td>
                    <td>
                      <code>{u.result === null ? "" : JSON.stringify(u.result)}</code>
                    </td>
                    <td title={clock(u.createdAt)}>{ago(u.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
