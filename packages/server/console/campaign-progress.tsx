// A progress bar of devices by state (a wave's, or a campaign's totals): coloured segments for the eye, and the
// same counts as text (an accessible name on the bar and a legend beside it), so nothing is told by colour alone.
import { DEVICE_STATES, STATE_LABEL, type Counts } from "./campaign-data.js";

export function countsText(counts: Counts): string {
  const parts = DEVICE_STATES.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${STATE_LABEL[s]}`);
  return parts.length === 0 ? "no devices" : parts.join(", ");
}

export function ProgressBar({
  label,
  size,
  counts,
  legend = true,
}: {
  label: string;
  size: number;
  counts: Counts;
  legend?: boolean;
}) {
  const states = DEVICE_STATES.filter((s) => counts[s] > 0);
  return (
    <div class="progress">
      <div class="bar" role="img" aria-label={`${label}: ${counts.done} of ${size} done; ${countsText(counts)}`}>
        {states
          .filter((s) => s !== "pending")
          .map((s) => (
            <span key={s} class={`seg seg-${s}`} style={{ width: `${size === 0 ? 0 : (100 * counts[s]) / size}%` }} />
          ))}
      </div>
      {legend && (
        <ul class="legend" aria-hidden="true">
          {states.map((s) => (
            <li key={s} data-state={s}>
              <span class={`swatch seg-${s}`} />
              {counts[s]} {STATE_LABEL[s]}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
