/**
 * A Figure painted on a 2D canvas: the live charts and the PNG export draw through this, so what is on
 * screen is what is exported. The gradient-flow raster goes through an ImageData at its own resolution
 * and is scaled up without smoothing (one cell per recorded iteration and time bin).
 */
import { formatTick, viridis, viridisLut } from './chartMath.ts';
import {
  bandPolygons,
  type Figure,
  FONT,
  GRID,
  INK,
  INK_SOFT,
  legendLayout,
  type Mark,
  type Panel,
  polylineRuns,
  px,
  py,
  tickLabel,
} from './scene.ts';

export function drawFigure(ctx: CanvasRenderingContext2D, fig: Figure): void {
  const fs = fig.fontSize;
  ctx.save();
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, fig.width, fig.height);
  ctx.textBaseline = 'alphabetic';
  for (const t of fig.texts) {
    ctx.font = `${t.weight ?? 'normal'} ${t.size}px ${FONT}`;
    ctx.fillStyle = t.color ?? INK;
    ctx.textAlign = t.anchor === 'middle' ? 'center' : t.anchor === 'end' ? 'right' : 'left';
    ctx.fillText(t.text, t.x, t.y);
  }
  for (const p of fig.panels) drawPanel(ctx, fig, p);
  ctx.font = `${fs}px ${FONT}`;
  ctx.textAlign = 'left';
  for (const e of legendLayout(fig)) {
    if (e.swatch) {
      ctx.globalAlpha = e.opacity ?? 1;
      ctx.fillStyle = e.color;
      ctx.fillRect(e.x, e.y - fs * 0.45, fs * 2, fs * 0.9);
      ctx.globalAlpha = 1;
    } else {
      ctx.strokeStyle = e.color;
      ctx.lineWidth = 2.5 * fig.lineScale;
      ctx.setLineDash((e.dash ?? []).map((d) => d * fig.lineScale));
      ctx.beginPath();
      ctx.moveTo(e.x, e.y);
      ctx.lineTo(e.x + fs * 2, e.y);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.fillStyle = INK;
    ctx.fillText(e.label, e.x + fs * 2.6, e.y + fs * 0.35);
  }
  const cb = fig.colourBar;
  if (cb) {
    const grad = ctx.createLinearGradient(0, cb.y + cb.h, 0, cb.y);
    for (let k = 0; k <= 10; k++) {
      const [r, g, b] = viridis(k / 10);
      grad.addColorStop(k / 10, `rgb(${r},${g},${b})`);
    }
    ctx.fillStyle = grad;
    ctx.fillRect(cb.x, cb.y, cb.w, cb.h);
    ctx.strokeStyle = INK_SOFT;
    ctx.lineWidth = 1;
    ctx.strokeRect(cb.x, cb.y, cb.w, cb.h);
    ctx.fillStyle = INK;
    ctx.strokeStyle = INK;
    for (const t of cb.ticks) {
      const y = cb.y + cb.h - ((t - cb.vmin) / (cb.vmax - cb.vmin)) * cb.h;
      ctx.beginPath();
      ctx.moveTo(cb.x + cb.w, y);
      ctx.lineTo(cb.x + cb.w + 4, y);
      ctx.stroke();
      ctx.textAlign = 'left';
      ctx.fillText((cb.format ?? formatTick)(t), cb.x + cb.w + 7, y + fs * 0.35);
    }
    ctx.textAlign = 'center';
    ctx.fillText(cb.label, cb.x + cb.w / 2, cb.y - fs * 0.6);
  }
  ctx.restore();
}

function drawPanel(ctx: CanvasRenderingContext2D, fig: Figure, p: Panel): void {
  const fs = fig.fontSize;
  ctx.font = `${fs}px ${FONT}`;
  ctx.lineWidth = 1;
  ctx.fillStyle = INK;
  ctx.strokeStyle = GRID;
  ctx.textAlign = 'right';
  for (const t of p.yAxis.ticks) {
    const y = py(p, t);
    if (!Number.isFinite(y) || y < p.y - 0.5 || y > p.y + p.h + 0.5) continue;
    ctx.beginPath();
    ctx.moveTo(p.x, y);
    ctx.lineTo(p.x + p.w, y);
    ctx.stroke();
    if (p.showY !== false) ctx.fillText(tickLabel(p.yAxis, t), p.x - 6, y + fs * 0.35);
  }
  ctx.textAlign = 'center';
  for (const t of p.xAxis.ticks) {
    const x = px(p, t);
    if (!Number.isFinite(x) || x < p.x - 0.5 || x > p.x + p.w + 0.5) continue;
    ctx.beginPath();
    ctx.moveTo(x, p.y);
    ctx.lineTo(x, p.y + p.h);
    ctx.stroke();
    if (p.showX !== false) ctx.fillText(tickLabel(p.xAxis, t), x, p.y + p.h + fs * 1.2);
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(p.x, p.y, p.w, p.h);
  ctx.clip();
  for (const m of p.marks) drawMark(ctx, fig, p, m);
  ctx.restore();
  ctx.strokeStyle = INK_SOFT;
  ctx.lineWidth = 1;
  ctx.strokeRect(p.x, p.y, p.w, p.h);
  ctx.fillStyle = INK;
  if (p.showX !== false && p.xAxis.label) ctx.fillText(p.xAxis.label, p.x + p.w / 2, p.y + p.h + fs * 2.5);
  if (p.showY !== false && p.yAxis.label) {
    ctx.save();
    ctx.translate(p.x - fs * 3.6, p.y + p.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(p.yAxis.label, 0, 0);
    ctx.restore();
  }
  if (p.title) {
    ctx.font = `bold ${fs * 1.1}px ${FONT}`;
    ctx.textAlign = 'left';
    ctx.fillStyle = p.titleColor ?? INK;
    ctx.fillText(p.title, p.x, p.y - fs * 0.5);
  }
}

function drawMark(ctx: CanvasRenderingContext2D, fig: Figure, p: Panel, m: Mark): void {
  switch (m.kind) {
    case 'line':
      ctx.strokeStyle = m.color;
      ctx.lineWidth = m.width * fig.lineScale;
      ctx.lineJoin = 'round';
      ctx.setLineDash((m.dash ?? []).map((d) => d * fig.lineScale));
      for (const run of polylineRuns(p, m.xs, m.ys)) {
        ctx.beginPath();
        run.forEach(([x, y], i) => {
          if (i) ctx.lineTo(x, y);
          else ctx.moveTo(x, y);
        });
        if (run.length === 1) ctx.lineTo(run[0][0] + 1, run[0][1]);
        ctx.stroke();
      }
      ctx.setLineDash([]);
      return;
    case 'band':
      ctx.fillStyle = m.color;
      ctx.globalAlpha = m.opacity;
      for (const poly of bandPolygons(p, m.xs, m.lo, m.hi)) {
        ctx.beginPath();
        poly.forEach(([x, y], i) => {
          if (i) ctx.lineTo(x, y);
          else ctx.moveTo(x, y);
        });
        ctx.closePath();
        ctx.fill();
      }
      ctx.globalAlpha = 1;
      return;
    case 'rects':
      ctx.fillStyle = m.color;
      ctx.globalAlpha = m.opacity;
      for (const [x0, y0, x1, y1] of m.rects) {
        const X0 = px(p, x0);
        const Y0 = py(p, y0);
        ctx.fillRect(X0, Y0, px(p, x1) - X0, py(p, y1) - Y0);
      }
      ctx.globalAlpha = 1;
      return;
    case 'raster':
      drawRaster(ctx, p, m);
  }
}

/**
 * One off-screen canvas for every raster (resized when a raster needs another size): a live heatmap paints
 * several times a second, and a fresh canvas and 2D context for each paint is wasted work and garbage.
 */
let scratch: HTMLCanvasElement | null = null;
function rasterScratch(width: number, height: number): HTMLCanvasElement {
  scratch ??= document.createElement('canvas');
  if (scratch.width !== width || scratch.height !== height) {
    scratch.width = width;
    scratch.height = height;
  }
  return scratch;
}

function drawRaster(ctx: CanvasRenderingContext2D, p: Panel, m: Extract<Mark, { kind: 'raster' }>): void {
  if (m.cols < 1 || m.rows < 1) return;
  const img = new ImageData(m.cols, m.rows);
  const span = m.vmax - m.vmin || 1;
  const lut = viridisLut();
  for (let r = 0; r < m.rows; r++) {
    const dest = (m.rows - 1 - r) * m.cols; // image row 0 is the top; data row 0 is the bottom
    for (let c = 0; c < m.cols; c++) {
      const v = m.values[r * m.cols + c];
      const o = (dest + c) * 4;
      if (m.missing?.[r * m.cols + c]) {
        img.data.fill(255, o, o + 3); // NO_DATA_COLOUR
      } else if (Number.isNaN(v)) {
        img.data.fill(128, o, o + 3); // NOT_FINITE_COLOUR
      } else {
        const l = Math.round(Math.min(1, Math.max(0, (v - m.vmin) / span)) * 255) * 3;
        img.data[o] = lut[l];
        img.data[o + 1] = lut[l + 1];
        img.data[o + 2] = lut[l + 2];
      }
      img.data[o + 3] = 255;
    }
  }
  const tmp = rasterScratch(m.cols, m.rows);
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  const X0 = px(p, m.x0);
  const X1 = px(p, m.x1);
  const Y1 = py(p, m.y1);
  const Y0 = py(p, m.y0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, X0, Y1, X1 - X0, Y0 - Y1);
  ctx.imageSmoothingEnabled = true;
}
