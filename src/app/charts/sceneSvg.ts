/**
 * A Figure as a standalone SVG document (the SVG export): every mark is a vector element built from the
 * data; the gradient-flow raster becomes rects (colour-quantised and merged along time, at most
 * SVG_RASTER_MAX cells a side), the colour bar a linearGradient.
 */
import { formatTick, rgbHex, viridis } from './chartMath.ts';
import {
  bandPolygons,
  type Figure,
  FONT,
  GRID,
  INK,
  INK_SOFT,
  legendLayout,
  type Mark,
  NO_DATA_COLOUR,
  NOT_FINITE_COLOUR,
  type Panel,
  polylineRuns,
  px,
  py,
  tickLabel,
} from './scene.ts';

export const SVG_RASTER_MAX = 160;
const LEVELS = 48;

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const n = (v: number) => (Math.round(v * 100) / 100).toString();
const pts = (run: [number, number][]) => run.map(([x, y]) => `${n(x)},${n(y)}`).join(' ');

export function figureToSvg(fig: Figure, title: string): string {
  const out: string[] = [];
  const fs = fig.fontSize;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${fig.width}" height="${fig.height}" viewBox="0 0 ${fig.width} ${fig.height}" font-family="${escapeXml(FONT)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${fig.width}" height="${fig.height}" fill="#ffffff"/>`,
  );
  const defs: string[] = [];
  fig.panels.forEach((p, i) => {
    defs.push(`<clipPath id="clip${i}"><rect x="${n(p.x)}" y="${n(p.y)}" width="${n(p.w)}" height="${n(p.h)}"/></clipPath>`);
  });
  if (fig.colourBar) {
    const stops = Array.from({ length: 11 }, (_, k) => `<stop offset="${k / 10}" stop-color="${rgbHex(viridis(k / 10))}"/>`).join('');
    defs.push(`<linearGradient id="colourbar" x1="0" y1="1" x2="0" y2="0">${stops}</linearGradient>`);
  }
  out.push(`<defs>${defs.join('')}</defs>`);
  for (const t of fig.texts) {
    out.push(
      `<text x="${n(t.x)}" y="${n(t.y)}" font-size="${t.size}" text-anchor="${t.anchor ?? 'start'}" font-weight="${t.weight ?? 'normal'}" fill="${t.color ?? INK}">${escapeXml(t.text)}</text>`,
    );
  }
  fig.panels.forEach((p, i) => {
    out.push(panelSvg(fig, p, i));
  });
  for (const e of legendLayout(fig)) {
    const y = e.y;
    if (e.swatch)
      out.push(
        `<rect x="${n(e.x)}" y="${n(y - fs * 0.45)}" width="${n(fs * 2)}" height="${n(fs * 0.9)}" fill="${e.color}" fill-opacity="${e.opacity ?? 1}"/>`,
      );
    else
      out.push(
        `<line x1="${n(e.x)}" y1="${n(y)}" x2="${n(e.x + fs * 2)}" y2="${n(y)}" stroke="${e.color}" stroke-width="${n(2.5 * fig.lineScale)}"${dashAttr(e.dash, fig.lineScale)}/>`,
      );
    out.push(`<text x="${n(e.x + fs * 2.6)}" y="${n(y + fs * 0.35)}" font-size="${fs}" fill="${INK}">${escapeXml(e.label)}</text>`);
  }
  const cb = fig.colourBar;
  if (cb) {
    out.push(`<rect x="${n(cb.x)}" y="${n(cb.y)}" width="${n(cb.w)}" height="${n(cb.h)}" fill="url(#colourbar)" stroke="${INK_SOFT}"/>`);
    for (const t of cb.ticks) {
      const y = cb.y + cb.h - ((t - cb.vmin) / (cb.vmax - cb.vmin)) * cb.h;
      out.push(`<line x1="${n(cb.x + cb.w)}" y1="${n(y)}" x2="${n(cb.x + cb.w + 4)}" y2="${n(y)}" stroke="${INK}"/>`);
      out.push(
        `<text x="${n(cb.x + cb.w + 7)}" y="${n(y + fs * 0.35)}" font-size="${fs}" fill="${INK}">${escapeXml((cb.format ?? formatTick)(t))}</text>`,
      );
    }
    out.push(
      `<text x="${n(cb.x + cb.w / 2)}" y="${n(cb.y - fs * 0.6)}" font-size="${fs}" text-anchor="middle" fill="${INK}">${escapeXml(cb.label)}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

function dashAttr(dash: number[] | undefined, scale: number): string {
  return dash?.length ? ` stroke-dasharray="${dash.map((d) => n(d * scale)).join(' ')}"` : '';
}

function panelSvg(fig: Figure, p: Panel, i: number): string {
  const fs = fig.fontSize;
  const out: string[] = ['<g>'];
  for (const t of p.yAxis.ticks) {
    const y = py(p, t);
    if (!Number.isFinite(y) || y < p.y - 0.5 || y > p.y + p.h + 0.5) continue;
    out.push(`<line x1="${n(p.x)}" y1="${n(y)}" x2="${n(p.x + p.w)}" y2="${n(y)}" stroke="${GRID}"/>`);
    if (p.showY !== false)
      out.push(
        `<text x="${n(p.x - 6)}" y="${n(y + fs * 0.35)}" font-size="${fs}" text-anchor="end" fill="${INK}">${escapeXml(tickLabel(p.yAxis, t))}</text>`,
      );
  }
  for (const t of p.xAxis.ticks) {
    const x = px(p, t);
    if (!Number.isFinite(x) || x < p.x - 0.5 || x > p.x + p.w + 0.5) continue;
    out.push(`<line x1="${n(x)}" y1="${n(p.y)}" x2="${n(x)}" y2="${n(p.y + p.h)}" stroke="${GRID}"/>`);
    if (p.showX !== false)
      out.push(
        `<text x="${n(x)}" y="${n(p.y + p.h + fs * 1.2)}" font-size="${fs}" text-anchor="middle" fill="${INK}">${escapeXml(tickLabel(p.xAxis, t))}</text>`,
      );
  }
  out.push(`<g clip-path="url(#clip${i})">`);
  for (const m of p.marks) out.push(markSvg(fig, p, m));
  out.push('</g>');
  out.push(`<rect x="${n(p.x)}" y="${n(p.y)}" width="${n(p.w)}" height="${n(p.h)}" fill="none" stroke="${INK_SOFT}"/>`);
  if (p.showX !== false && p.xAxis.label)
    out.push(
      `<text x="${n(p.x + p.w / 2)}" y="${n(p.y + p.h + fs * 2.5)}" font-size="${fs}" text-anchor="middle" fill="${INK}">${escapeXml(p.xAxis.label)}</text>`,
    );
  if (p.showY !== false && p.yAxis.label) {
    const x = p.x - fs * 3.6;
    const y = p.y + p.h / 2;
    out.push(
      `<text x="${n(x)}" y="${n(y)}" font-size="${fs}" text-anchor="middle" fill="${INK}" transform="rotate(-90 ${n(x)} ${n(y)})">${escapeXml(p.yAxis.label)}</text>`,
    );
  }
  if (p.title)
    out.push(
      `<text x="${n(p.x)}" y="${n(p.y - fs * 0.5)}" font-size="${n(fs * 1.1)}" font-weight="bold" fill="${p.titleColor ?? INK}">${escapeXml(p.title)}</text>`,
    );
  out.push('</g>');
  return out.join('\n');
}

function markSvg(fig: Figure, p: Panel, m: Mark): string {
  switch (m.kind) {
    case 'line':
      return polylineRuns(p, m.xs, m.ys)
        .map(
          (r) =>
            `<polyline points="${pts(r)}" fill="none" stroke="${m.color}" stroke-width="${n(m.width * fig.lineScale)}" stroke-linejoin="round"${dashAttr(m.dash, fig.lineScale)}/>`,
        )
        .join('\n');
    case 'band':
      return bandPolygons(p, m.xs, m.lo, m.hi)
        .map((poly) => `<polygon points="${pts(poly)}" fill="${m.color}" fill-opacity="${m.opacity}" stroke="none"/>`)
        .join('\n');
    case 'rects':
      return m.rects
        .map(([x0, y0, x1, y1]) => {
          const X0 = px(p, x0);
          const X1 = px(p, x1);
          const Y0 = py(p, y0);
          const Y1 = py(p, y1);
          return `<rect x="${n(Math.min(X0, X1))}" y="${n(Math.min(Y0, Y1))}" width="${n(Math.abs(X1 - X0))}" height="${n(Math.abs(Y1 - Y0))}" fill="${m.color}" fill-opacity="${m.opacity}"/>`;
        })
        .join('\n');
    case 'raster':
      return rasterSvg(p, m);
  }
}

/** The raster as rects: downsampled to at most SVG_RASTER_MAX a side, quantised, merged along each column. */
function rasterSvg(p: Panel, m: Extract<Mark, { kind: 'raster' }>): string {
  const cols = Math.min(m.cols, SVG_RASTER_MAX);
  const rows = Math.min(m.rows, SVG_RASTER_MAX);
  const level = (c: number, r: number): number => {
    const sc = Math.min(m.cols - 1, Math.floor((c * m.cols) / cols));
    const sr = Math.min(m.rows - 1, Math.floor((r * m.rows) / rows));
    if (m.missing?.[sr * m.cols + sc]) return -2;
    const v = m.values[sr * m.cols + sc];
    if (Number.isNaN(v)) return -1;
    const u = (v - m.vmin) / (m.vmax - m.vmin || 1);
    return Math.round(Math.min(1, Math.max(0, u)) * (LEVELS - 1));
  };
  const X0 = px(p, m.x0);
  const X1 = px(p, m.x1);
  const Ytop = py(p, m.y1);
  const Ybot = py(p, m.y0);
  const cw = (X1 - X0) / cols;
  const rh = (Ybot - Ytop) / rows;
  const out: string[] = [];
  for (let c = 0; c < cols; c++) {
    let r = 0;
    while (r < rows) {
      const l = level(c, r);
      let end = r + 1;
      while (end < rows && level(c, end) === l) end++;
      const colour = l === -2 ? NO_DATA_COLOUR : l < 0 ? NOT_FINITE_COLOUR : rgbHex(viridis(l / (LEVELS - 1)));
      // rows go up from the bottom; a small overlap hides hairline seams between cells
      out.push(
        `<rect x="${n(X0 + c * cw)}" y="${n(Ybot - end * rh)}" width="${n(cw + 0.3)}" height="${n((end - r) * rh + 0.3)}" fill="${colour}"/>`,
      );
      r = end;
    }
  }
  return out.join('\n');
}
