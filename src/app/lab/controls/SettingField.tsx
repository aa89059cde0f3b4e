/**
 * One setting as a form control, driven by its row in the settings table: label, unit and help text from
 * the table; the typed text is parsed and checked by parseValue, then by the caller (the whole experiment
 * through validateExperiment). A refused value keeps the typed text and shows the message beside the
 * control; nothing is applied.
 */
import { type JSX, useEffect, useId, useState } from 'react';
import { formatValue, parseValue, type SettingSpec } from '../../../engine/settings.ts';

export interface SettingFieldProps {
  spec: SettingSpec;
  value: unknown;
  /** applies a checked value; returns the refusal message, or null when applied (or waiting for confirmation) */
  onCommit: (value: unknown) => string | null;
  disabled?: boolean;
  testId?: string;
  /** label hidden visually (still read by screen readers) */
  compact?: boolean;
}

export function SettingField({ spec, value, onCommit, disabled, testId, compact }: SettingFieldProps) {
  const id = useId();
  const shown = formatValue(spec, value);
  const [text, setText] = useState(shown);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setText(shown);
    setError(null);
  }, [shown]);

  const commit = (raw: string) => {
    const parsed = parseValue(spec, raw);
    if (!parsed.ok) {
      setError(parsed.error);
      return;
    }
    const refusal = onCommit(parsed.value);
    setError(refusal);
    // accepted: the field shows the experiment's value (the new one, or the old one while a rebuild waits for confirmation)
    if (!refusal) setText(shown);
  };

  let control: JSX.Element;
  if (spec.kind === 'enum') {
    control = (
      <select id={id} value={shown} disabled={disabled} data-testid={testId} onChange={(e) => commit(e.target.value)}>
        {spec.choices.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    );
  } else if (spec.kind === 'boolean') {
    control = (
      <input
        id={id}
        type="checkbox"
        checked={value === true}
        disabled={disabled}
        data-testid={testId}
        onChange={(e) => commit(String(e.target.checked))}
      />
    );
  } else if (spec.kind === 'color') {
    control = (
      <input id={id} type="color" value={shown} disabled={disabled} data-testid={testId} onChange={(e) => commit(e.target.value)} />
    );
  } else {
    control = (
      <input
        id={id}
        type="text"
        inputMode={spec.kind === 'text' ? 'text' : 'decimal'}
        size={spec.kind === 'text' ? 12 : 7}
        value={text}
        disabled={disabled}
        data-testid={testId}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => text !== shown && commit(text)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit(text);
          if (e.key === 'Escape') {
            setText(shown);
            setError(null);
          }
        }}
      />
    );
  }
  return (
    <div className={`setting${error ? ' setting-invalid' : ''}`} data-setting={spec.key}>
      <label htmlFor={id} title={spec.help} className={compact ? 'visually-hidden' : undefined}>
        {spec.label}
        {spec.unit && <span className="unit"> ({spec.unit})</span>}
      </label>
      {control}
      {error && (
        <span id={`${id}-error`} className="field-error" role="alert" data-testid={testId ? `${testId}-error` : undefined}>
          {error}
        </span>
      )}
    </div>
  );
}
