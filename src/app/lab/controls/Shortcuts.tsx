/** The keyboard shortcuts, listed in the toolbar and in a '?' panel; useShortcuts binds them to the page. */
import { useEffect } from 'react';
import type { Lab } from '../LabContext.tsx';
import { useLab, useLabState } from '../LabContext.tsx';

export const SHORTCUTS: { key: string; label: string; what: string }[] = [
  { key: ' ', label: 'Space', what: 'play / pause' },
  { key: 's', label: 'S', what: 'one training step (while paused)' },
  { key: 'r', label: 'R', what: 'reset every run (asks first when something was measured)' },
  { key: '?', label: '?', what: 'show / hide this list' },
];

/** Keys typed into a field belong to the field; Space on a focused button presses that button. */
function typingInto(target: EventTarget | null, key: string): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  if (el.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName))
    return (el as HTMLInputElement).type !== 'range' || key === ' ';
  return key === ' ' && (el.tagName === 'BUTTON' || el.tagName === 'SUMMARY');
}

export function useShortcuts(lab: Lab | null): void {
  useEffect(() => {
    if (!lab) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typingInto(e.target, e.key)) return;
      const store = lab.controller.store;
      if (store.getState().pending) return;
      if (e.key === ' ') lab.controller.togglePlay();
      else if (e.key === 's' || e.key === 'S') void lab.controller.step();
      else if (e.key === 'r' || e.key === 'R') lab.edits.reset();
      else if (e.key === '?') store.setState((s) => ({ showShortcuts: !s.showShortcuts }));
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [lab]);
}

export function ShortcutsPanel() {
  const { controller } = useLab();
  const show = useLabState((s) => s.showShortcuts);
  if (!show) return null;
  return (
    <div className="shortcuts-panel" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcuts-panel">
      <h3>Keyboard shortcuts</h3>
      <dl>
        {SHORTCUTS.map((s) => (
          <div key={s.key}>
            <dt>
              <kbd>{s.label}</kbd>
            </dt>
            <dd>{s.what}</dd>
          </div>
        ))}
      </dl>
      <button type="button" onClick={() => controller.store.setState({ showShortcuts: false })}>
        Close
      </button>
    </div>
  );
}
