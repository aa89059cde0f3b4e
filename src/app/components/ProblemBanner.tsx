/** Device loss, uncaptured GPU errors and app failures, shown at the top of the page until dismissed. */
import { isFatal, PROBLEM_ADVICE, useProblems } from '../gpuProblems.ts';

export function ProblemBanner() {
  const problems = useProblems((s) => s.problems);
  const dismiss = useProblems((s) => s.dismiss);
  if (problems.length === 0) return null;
  return (
    <div className="problem-banner" role="alert" data-testid="problem-banner">
      <ul>
        {problems.map((p) => (
          <li key={p.id} data-kind={p.kind}>
            <p className="problem-message">
              <strong>{p.message}</strong>
              {p.count > 1 && <span className="problem-count"> (×{p.count})</span>}
            </p>
            <p className="problem-advice">{PROBLEM_ADVICE[p.kind]}</p>
            {isFatal(p.kind) ? (
              <button type="button" onClick={() => window.location.reload()}>
                Reload
              </button>
            ) : (
              <button type="button" onClick={() => dismiss(p.id)}>
                Dismiss
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
