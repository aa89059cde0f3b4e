/**
 * Downloads, all local (a Blob and an <a download>, no network): a Figure as SVG (built from the data by
 * sceneSvg.ts) or PNG (the same Figure drawn on an offscreen canvas at twice its size), and CSV text.
 */

import type { Figure } from './scene.ts';
import { drawFigure } from './sceneCanvas.ts';
import { figureToSvg } from './sceneSvg.ts';

/** Exports are drawn at this width whatever the screen, so files from a laptop and a projector match. */
export const EXPORT_WIDTH = 1200;

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function figurePngBlob(fig: Figure, scale = 2): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(fig.width * scale);
  canvas.height = Math.ceil(fig.height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) return Promise.reject(new Error('no 2D canvas to draw the PNG on'));
  ctx.scale(scale, scale);
  drawFigure(ctx, fig);
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas could not encode a PNG'))), 'image/png'),
  );
}

export function figureSvgBlob(fig: Figure, title: string): Blob {
  return new Blob(['<?xml version="1.0" encoding="UTF-8"?>\n', figureToSvg(fig, title), '\n'], { type: 'image/svg+xml' });
}

export function csvBlob(text: string): Blob {
  return new Blob([text], { type: 'text/csv' });
}

/** orthogonality-lab_<chart>_<yyyy-mm-dd-hhmmss>.<ext> */
export function exportFilename(chart: string, ext: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `orthogonality-lab_${chart}_${stamp}.${ext}`;
}
