// How a campaign's resolved devices split into waves (docs/campaigns.md "Waves"): each entry of `plan.waves` is a
// device count or a percentage of the target; sizes are cut to what is left, and devices beyond every entry form
// one last wave. Pure.

/** The size of each wave for `total` devices (never an empty wave; [] for no devices). */
export function waveSizes(waves: readonly (number | string)[], total: number): number[] {
  const sizes: number[] = [];
  let left = total;
  for (const w of waves) {
    if (left === 0) break;
    const want = typeof w === "number" ? w : Math.max(1, Math.round((Number(w.slice(0, -1)) / 100) * total));
    const size = Math.min(want, left);
    sizes.push(size);
    left -= size;
  }
  if (left > 0) sizes.push(left);
  return sizes;
}

/** The wave of the device at `index` (0-based, in resolution order). */
export function waveOf(sizes: readonly number[], index: number): number {
  let end = 0;
  for (let w = 0; w < sizes.length; w++) {
    end += sizes[w] ?? 0;
    if (index < end) return w;
  }
  return Math.max(0, sizes.length - 1);
}
