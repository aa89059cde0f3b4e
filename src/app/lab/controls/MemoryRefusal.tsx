/**
 * Settings this GPU cannot hold were refused before anything was built (the store's memoryRefusal): why,
 * and buttons for the sizes that would fit. When no group was built (a link with sizes too large), it also
 * offers the default settings; when a group trains, it keeps training and the refusal can be dismissed.
 */
import { useLab, useLabState } from '../LabContext.tsx';
import { defaultExperiment } from '../presets.ts';

export function MemoryRefusal() {
  const { controller, edits, software } = useLab();
  const refusal = useLabState((s) => s.memoryRefusal);
  if (!refusal) return null;
  const built = controller.trainer !== null;
  return (
    <div className="memory-refusal" role="alert" data-testid="memory-refusal">
      <p>{refusal.message}</p>
      <div className="memory-refusal-buttons">
        {refusal.fits.map((fit) => (
          <button key={fit.label} type="button" onClick={() => edits.applyFit(fit)} data-testid="memory-fit">
            Use {fit.label}
          </button>
        ))}
        {!built && (
          <button
            type="button"
            onClick={() => edits.replace(defaultExperiment(software), 'Load the default settings?')}
            data-testid="memory-defaults"
          >
            Default settings
          </button>
        )}
        {built && (
          <button type="button" onClick={() => controller.store.setState({ memoryRefusal: null })} data-testid="memory-dismiss">
            Dismiss
          </button>
        )}
      </div>
    </div>
  );
}
