/**
 * The spectral margin m of a run: a logarithmic slider from 0.001 to 100 (12 steps a decade, values rounded
 * to two significant digits so 0.01, 0.1, 1 and 10 are hit exactly) with an explicit 0 at the left end and
 * 'none' (s trained freely) at the right end, plus a text box for any exact value. Dragging changes the
 * margin live (next iteration); moving to or from 'none' asks to rebuild.
 */
import { RUN_SETTINGS } from '../../../engine/settings.ts';
import { SettingField } from './SettingField.tsx';

const STEPS_PER_DECADE = 12;
const LOG_MIN = -3;
const LOG_MAX = Math.log10(RUN_SETTINGS.margin.kind === 'margin' ? RUN_SETTINGS.margin.max : 100);
const LOG_STEPS = Math.round((LOG_MAX - LOG_MIN) * STEPS_PER_DECADE) + 1;
/** slider positions: 0 = margin 0, 1..LOG_STEPS = 10^(LOG_MIN .. LOG_MAX), LOG_STEPS + 1 = none */
export const NONE_POSITION = LOG_STEPS + 1;

export function marginFromPosition(pos: number): number | null {
  if (pos <= 0) return 0;
  if (pos >= NONE_POSITION) return null;
  return Number((10 ** (LOG_MIN + (pos - 1) / STEPS_PER_DECADE)).toPrecision(2));
}

export function positionFromMargin(m: number | null): number {
  if (m === null) return NONE_POSITION;
  if (m <= 0) return 0;
  const pos = Math.round((Math.log10(m) - LOG_MIN) * STEPS_PER_DECADE) + 1;
  return Math.max(1, Math.min(LOG_STEPS, pos));
}

export function MarginSlider({
  margin,
  onCommit,
  disabled,
  testId,
}: {
  margin: number | null;
  onCommit: (m: unknown) => string | null;
  disabled?: boolean;
  testId: string;
}) {
  return (
    <div className="margin-control">
      <input
        type="range"
        min={0}
        max={NONE_POSITION}
        step={1}
        value={positionFromMargin(margin)}
        disabled={disabled}
        aria-label={`${RUN_SETTINGS.margin.label}: 0 at the left, then 0.001 to 100 on a log scale, 'none' at the right`}
        aria-valuetext={margin === null ? 'none' : String(margin)}
        title={RUN_SETTINGS.margin.help}
        data-testid={`${testId}-slider`}
        onChange={(e) => onCommit(marginFromPosition(Number(e.target.value)))}
      />
      <SettingField spec={RUN_SETTINGS.margin} value={margin} onCommit={onCommit} disabled={disabled} testId={testId} compact />
    </div>
  );
}
