/**
 * One CSV field: numbers as written (an unmeasured NaN empty, infinities by name), text quoted where it
 * needs it (a comma, a quote, a line break, or spaces at either end). Every CSV the lab and the commands
 * write goes through it.
 */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? '' : v > 0 ? 'Infinity' : '-Infinity';
  return /[",\n\r]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}
