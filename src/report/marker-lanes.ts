/**
 * Where the timeline's marker labels go: rows (lanes) above the plot, so no
 * two labels print over each other. The page measures each label and calls
 * this on every redraw (a zoom spreads markers apart, and more get a label);
 * it is inlined into the page as its source text, beside page-script.ts, so
 * it must stand alone: no import, nothing from module level.
 *
 * Greedy and deterministic: labels are placed in priority order (injected
 * faults before the connection events they cause), then left to right; each
 * takes the first lane where it clears every label already there by `gap`.
 * A label that fits in none of `maxLanes` lanes gets none (-1): its line is
 * still drawn, the page says how many went without, and the table below the
 * plots lists them all.
 */

export interface LabelBox {
  /** Left edge and width, in CSS pixels. */
  left: number;
  width: number;
  /** Lower goes first. */
  priority: number;
}

/** Each box's lane, 0 = the row nearest the plot, or -1 when no lane had room. */
export function laneOf(boxes: readonly LabelBox[], maxLanes: number, gap: number): number[] {
  const lanes: { left: number; right: number }[][] = [];
  for (let i = 0; i < maxLanes; i++) lanes.push([]);
  const order = boxes.map((_, i) => i);
  order.sort((a, b) => boxes[a].priority - boxes[b].priority || boxes[a].left - boxes[b].left || a - b);
  const result = boxes.map(() => -1);
  for (const i of order) {
    const left = boxes[i].left;
    const right = left + boxes[i].width;
    for (let lane = 0; lane < maxLanes; lane++) {
      const clear = lanes[lane].every((placed) => right + gap <= placed.left || left >= placed.right + gap);
      if (clear) {
        lanes[lane].push({ left, right });
        result[i] = lane;
        break;
      }
    }
  }
  return result;
}
