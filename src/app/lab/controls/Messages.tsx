/** The lab's messages: link problems, failed runs, rebuilds, imports. Each can be dismissed. */
import { useLab, useLabState } from '../LabContext.tsx';
import { dismissMessage } from '../store.ts';

export function Messages() {
  const { controller } = useLab();
  const messages = useLabState((s) => s.messages);
  if (!messages.length) return null;
  return (
    <ul className="lab-messages" data-testid="lab-messages" aria-live="polite">
      {messages.map((m) => (
        <li key={m.id} className={`lab-message lab-message-${m.kind}`} data-kind={m.kind}>
          <span>{m.text}</span>
          <button type="button" onClick={() => dismissMessage(controller.store, m.id)} aria-label="Dismiss this message">
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
