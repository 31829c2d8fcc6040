// The campaigns and bulk wakes, by id, with their state, kind and progress (GET /api/v1/campaigns?totals=true),
// keyset pages, a state filter in the URL (#/campaigns?state=running, where the fleet view's tile links), and
// live: any campaign event reads the page again.
import { useCallback, useEffect } from "preact/hooks";
import { api, type Page } from "./api.js";
import { type Campaign, useLiveLoad } from "./campaign-data.js";
import { ProgressBar } from "./campaign-progress.js";
import { ago, clock } from "./format.js";
import { Pager, useKeysetPages } from "./pager.js";

const PAGE = 25;
const STATES = ["", "draft", "running", "paused", "halted", "completed", "cancelled"];

export function CampaignList({ state }: { state: string }) {
  const pages = useKeysetPages();
  const { cursor } = pages;
  useEffect(() => {
    pages.reset();
  }, [state]);
  const load = useCallback(
    () => api<Page<Campaign>>("/api/v1/campaigns", { query: { state, cursor, limit: PAGE, totals: true } }),
    [state, cursor],
  );
  const { data: page, error } = useLiveLoad(load);

  return (
    <>
      <h1>Campaigns</h1>
      <div class="toolbar">
        <a class="button" href="#/campaigns/new">
          New campaign
        </a>
        <label for="campaign-state" class="inline">
          State
        </label>
        <select
          id="campaign-state"
          value={state}
          onChange={(e) => {
            const s = e.currentTarget.value;
            location.hash = s === "" ? "#/campaigns" : `#/campaigns?state=${s}`;
          }}
        >
          {STATES.map((s) => (
            <option key={s} value={s}>
              {s === "" ? "any" : s}
            </option>
          ))}
        </select>
      </div>
      {error !== null && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {page === null ? (
        <p>Loading…</p>
      ) : page.items.length === 0 ? (
        <p>No campaign{state === "" ? "" : ` ${state}`}.</p>
      ) : (
        <div class="scroll">
          <table>
            <caption class="sr-only">Campaigns, ordered by id</caption>
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">Kind</th>
                <th scope="col">State</th>
                <th scope="col">Progress</th>
                <th scope="col">Wave</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((c) => (
                <tr key={c.id} data-campaign-id={c.id}>
                  <td>
                    <a href={`#/campaigns/${encodeURIComponent(c.id)}`}>{c.name}</a>
                  </td>
                  <td>{c.kind}</td>
                  <td class={`state-${c.state}`}>{c.state}</td>
                  <td class="progress-cell">
                    {c.totals === undefined || c.state === "draft" ? (
                      <span class="muted">not started</span>
                    ) : (
                      <>
                        <ProgressBar label={c.name} size={c.deviceCount} counts={c.totals} legend={false} />
                        <span class="muted">
                          {c.totals.done} of {c.deviceCount} done
                        </span>
                      </>
                    )}
                  </td>
                  <td>{c.waveCount === 0 ? "" : `${Math.min(c.currentWave + 1, c.waveCount)} of ${c.waveCount}`}</td>
                  <td title={clock(c.createdAt)}>{ago(c.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page !== null && (pages.depth > 1 || page.nextCursor !== null) && (
        <Pager pages={pages} nextCursor={page.nextCursor} />
      )}
    </>
  );
}
