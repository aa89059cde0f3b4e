/**
 * The gradient view's figure and CSV (src/app/text/gradientFigure.ts): the row-normalised and log10 values,
 * the triangle (nothing above the diagonal), the characters on the axes (the read one across, the predicted one
 * down, the newline last), the cell under a point, and the CSV's lines.
 */
import { describe, expect, it } from 'vitest';
import { figureStyle } from '../../src/app/charts/figureFrame.ts';
import { cellAt, predictedChar, reachCsv, reachFigure, reachValues, shownChar } from '../../src/app/text/gradientFigure.ts';
import type { GradientResult } from '../../src/app/text/textWorkerProtocol.ts';

// "ab c": L = 4; G[k][s] = 10^(s - k) (k, s 1-based), so each row's maximum is its diagonal
const L = 4;
const G = new Float64Array(L * L).fill(NaN);
for (let k = 1; k <= L; k++) for (let s = 1; s <= k; s++) G[(k - 1) * L + (s - 1)] = 2 * 10 ** (s - k);
const result: GradientResult = { text: 'ab c', L, G, losses: Float64Array.of(1, 2, 3, 4), seconds: 0.1 };

describe('gradient view figure', () => {
  it('normalises each row by its maximum over s, or shows log10; nothing above the diagonal', () => {
    const norm = reachValues(result, 'normalised');
    const log = reachValues(result, 'log10');
    expect(norm[3 * L + 3]).toBe(1);
    expect(norm[3 * L + 0]).toBeCloseTo(1e-3, 15);
    expect(log[3 * L + 0]).toBeCloseTo(Math.log10(2e-3), 12);
    expect(Number.isNaN(norm[0 * L + 1])).toBe(true);
    expect(Number.isNaN(log[2 * L + 3])).toBe(true);
  });

  it('labels columns with the character read and rows with the one predicted (the newline last)', () => {
    const fig = reachFigure(result, 'normalised', figureStyle(800, false), null);
    const p = fig.panels[0];
    expect(p.xAxis.ticks.map((v) => p.xAxis.format!(v))).toEqual(['a', 'b', '␣', 'c']);
    // rows top to bottom are k = 1..4; y ticks are given bottom-up by value, so sort by value descending
    const rows = [...p.yAxis.ticks].sort((a, b) => b - a).map((v) => p.yAxis.format!(v));
    expect(rows).toEqual(['b', '␣', 'c', '⏎']);
    expect(predictedChar('ab c', 4)).toBe('\n');
    expect(shownChar('\n')).toBe('⏎');
    // the raster's bottom row (data row 0) is k = L, its top row k = 1 (one value, at s = 1)
    const raster = p.marks[0];
    expect(raster.kind).toBe('raster');
    if (raster.kind === 'raster') {
      expect(raster.values[(L - 1) * L + 0]).toBe(1);
      expect(Number.isNaN(raster.values[(L - 1) * L + 1])).toBe(true);
    }
  });

  it('finds the cell under a point, and none above the diagonal', () => {
    const fig = reachFigure(result, 'log10', figureStyle(800, false), null);
    const p = fig.panels[0];
    const at = (k: number, s: number) => cellAt(fig, L, p.x + ((s - 0.5) / L) * p.w, p.y + ((k - 0.5) / L) * p.h);
    expect(at(4, 1)).toEqual({ k: 4, s: 1 });
    expect(at(2, 2)).toEqual({ k: 2, s: 2 });
    expect(at(1, 3)).toBeNull();
    expect(cellAt(fig, L, p.x - 1, p.y + 1)).toBeNull();
  });

  it('writes one CSV line per cell of the triangle', () => {
    const lines = reachCsv(result, { run: 'margin "0"', iteration: 12 }).trim().split('\n');
    expect(lines.length).toBe(1 + (L * (L + 1)) / 2);
    expect(lines[1]).toBe('"margin ""0""",12,1,"b",1,"a",2,1,1');
    expect(lines.at(-1)).toBe('"margin ""0""",12,4,"⏎",4,"c",2,1,4');
    expect(lines[4]).toBe('"margin ""0""",12,3,"c",1,"a",0.02,0.01,3');
  });
});
