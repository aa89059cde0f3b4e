/** A structural change waiting for the user: what will happen, then apply or cancel. */
import { useEffect, useRef } from 'react';
import { useLab, useLabState } from '../LabContext.tsx';

export function ConfirmDialog() {
  const { edits } = useLab();
  const pending = useLabState((s) => s.pending);
  // focus the dialog itself, not its confirm button: the Enter that committed a field must not confirm too
  const dialogRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (pending) dialogRef.current?.focus();
  }, [pending]);
  if (!pending) return null;
  return (
    <div className="confirm-backdrop">
      <div
        className="confirm"
        role="dialog"
        tabIndex={-1}
        ref={dialogRef}
        aria-modal="true"
        aria-labelledby="confirm-title"
        data-testid="confirm-dialog"
        onKeyDown={(e) => e.key === 'Escape' && edits.cancel()}
      >
        <h3 id="confirm-title">{pending.title}</h3>
        <ul>
          {pending.details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
        <div className="confirm-buttons">
          <button type="button" onClick={() => void edits.confirm()} data-testid="confirm-apply">
            {pending.confirmLabel}
          </button>
          <button type="button" onClick={() => edits.cancel()} data-testid="confirm-cancel">
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
