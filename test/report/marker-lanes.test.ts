/** The marker labels' rows: no two labels in one row overlap, faults are placed first, and what has no room is said. */
import { describe, expect, it } from 'vitest';
import { laneOf, type LabelBox } from '../../src/report/marker-lanes.js';

const GAP = 4;

function overlaps(a: LabelBox, b: LabelBox): boolean {
  return a.left < b.left + b.width + GAP && b.left < a.left + a.width + GAP;
}

describe('marker label lanes', () => {
  it('puts labels that would overlap in different lanes, and apart ones in the same lane', () => {
    const boxes = [
      { left: 0, width: 50, priority: 0 },
      { left: 30, width: 50, priority: 0 },
      { left: 200, width: 50, priority: 0 },
    ];
    expect(laneOf(boxes, 3, GAP)).toEqual([0, 1, 0]);
  });

  it('never places two overlapping labels in one lane, however dense, and gives -1 when no lane has room', () => {
    // 60 labels 8 px apart, each 50 px wide: far more than 4 lanes hold.
    const boxes = Array.from({ length: 60 }, (_, i) => ({ left: i * 8, width: 50, priority: i % 3 === 0 ? 0 : 1 }));
    const lanes = laneOf(boxes, 4, GAP);
    expect(lanes.some((lane) => lane < 0)).toBe(true);
    expect(lanes.filter((lane) => lane >= 0).length).toBeGreaterThan(0);
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++)
        if (lanes[i] >= 0 && lanes[i] === lanes[j]) expect(overlaps(boxes[i], boxes[j]), `${i} and ${j}`).toBe(false);
    expect(Math.max(...lanes)).toBeLessThan(4);
  });

  it('labels the faults before the connection events they cause', () => {
    // A connection event first in x, a fault right over it: one lane, the fault wins it.
    const boxes = [
      { left: 10, width: 60, priority: 1 },
      { left: 20, width: 40, priority: 0 },
    ];
    expect(laneOf(boxes, 1, GAP)).toEqual([-1, 0]);
  });

  it('gives the same answer for the same labels in any order', () => {
    const boxes = Array.from({ length: 20 }, (_, i) => ({ left: (i * 37) % 300, width: 45, priority: i % 2 }));
    const lanes = laneOf(boxes, 3, GAP);
    const reversed = laneOf([...boxes].reverse(), 3, GAP).reverse();
    expect(reversed).toEqual(lanes);
  });
});
