// The device list: the filter language of docs/filters.md, keyset pages (the cursor is the last id, so a page at
// the end of a million devices costs what the first does), labels and last contact.
import { useEffect, useState } from "preact/hooks";
import { api, type Page } from "./api.js";
import { ago, clock } from "./format.js";
import { Pager, useKeysetPages } from "./pager.js";

export interface Device {
  readonly id: string;
  readonly state: string;
  readonly labels: Record<string, string>;
  readonly lastContactAt: string | null;
  readonly firstContactAt: string | null;
  readonly devInfo: Record<string, unknown> | null;
  readonly devInfoAt: string | null;
  readonly mos: { MOID?: string }[] | null;
  readonly mosAt: string | null;
  readonly createdAt: string;
}

const PAGE = 50;

/** A DevInfo leaf as text (a subtree such as Ext is not shown in the list). */
const leafText = (value: unknown): string =>
  typeof value === "string" || typeof value === "number" ? String(value) : "";

export function DeviceList({ filter }: { filter: string }) {
  const [text, setText] = useState(filter);
  const pages = useKeysetPages();
  const { cursor } = pages;
  const [page, setPage] = useState<Page<Device> | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setText(filter);
    pages.reset();
    setTotal(null);
  }, [filter]);
  useEffect(() => {
    setError(null);
    // An answer that arrives after the filter or page changed again is dropped (it would show the wrong list).
    let stale = false;
    api<Page<Device>>("/api/v1/devices", { query: { filter, cursor, limit: PAGE } }).then(
      (p) => {
        if (!stale) setPage(p);
      },
      (e: unknown) => {
        if (stale) return;
        setPage(null);
        setError(e instanceof Error ? e.message : String(e));
      },
    );
    return () => {
      stale = true;
    };
  }, [filter, cursor]);

  const submit = (event: Event): void => {
    event.preventDefault();
    location.hash = `#/devices${text.trim() === "" ? "" : `?filter=${encodeURIComponent(text.trim())}`}`;
  };
  const count = (): void => {
    api<Page<Device>>("/api/v1/devices", { query: { filter, limit: 1, count: true } }).then(
      (p) => {
        setTotal(p.total ?? null);
      },
      (e: unknown) => {
        setError(String(e));
      },
    );
  };

  return (
    <>
      <h1>Devices</h1>
      <form class="filter" role="search" onSubmit={submit}>
        <label for="filter">Filter</label>
        <input
          id="filter"
          name="filter"
          value={text}
          placeholder="label:site=berlin and Mod=GW-1 and lastContact<7d"
          aria-describedby="filter-help"
          onInput={(e) => {
            setText(e.currentTarget.value);
          }}
        />
        <button type="submit">Apply</button>
        <p id="filter-help" class="help">
          Terms: <code>label:NAME=VALUE</code>, DevInfo fields (<code>FwV=1.2</code>), <code>mo:MOID</code>,{" "}
          <code>state=registered</code>, <code>lastContact&lt;1h</code>; combine with and, or, not.
        </p>
      </form>
      {error !== null && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="toolbar">
        <button type="button" onClick={count}>
          Count
        </button>
        {total !== null && <span aria-live="polite">{total} devices match</span>}
      </div>
      {page !== null && (
        <>
          <div class="scroll">
            <table>
              <caption class="sr-only">Devices, ordered by id</caption>
              <thead>
                <tr>
                  <th scope="col">Device</th>
                  <th scope="col">State</th>
                  <th scope="col">Model</th>
                  <th scope="col">Firmware</th>
                  <th scope="col">Labels</th>
                  <th scope="col">Last contact</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((d) => (
                  <tr key={d.id}>
                    <td>
                      <a href={`#/devices/${encodeURIComponent(d.id)}`}>{d.id}</a>
                    </td>
                    <td>{d.state}</td>
                    <td>{leafText(d.devInfo?.["Mod"])}</td>
                    <td>{leafText(d.devInfo?.["FwV"])}</td>
                    <td>
                      {Object.entries(d.labels).map(([k, v]) => (
                        <span class="label" key={k}>
                          {k}={v}
                        </span>
                      ))}
                    </td>
                    <td title={clock(d.lastContactAt)}>{ago(d.lastContactAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {page.items.length === 0 && <p>No device matches.</p>}
          <Pager pages={pages} nextCursor={page.nextCursor} />
        </>
      )}
    </>
  );
}
