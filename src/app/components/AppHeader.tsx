/** The title bar: the lab's name, the adapter it runs on, and a notice when that adapter is the CPU. */
import type { AdapterSummary } from '../../gpu/device.ts';

function adapterLabel(a: AdapterSummary): string {
  const parts = [a.vendor, a.architecture, a.device, a.description].filter((s) => s.trim() !== '');
  return parts.length > 0 ? [...new Set(parts)].join(' · ') : 'unnamed adapter';
}

export function AppHeader({ adapter }: { adapter: AdapterSummary }) {
  return (
    <header className="app-header">
      <div className="title-block">
        <h1>Orthogonality Lab</h1>
        <p className="subtitle">
          Recurrent networks trained live on your GPU:{' '}
          <cite>On orthogonality and learning recurrent networks with long term dependencies</cite> (Vorontsov et al., 2017)
        </p>
      </div>
      <div className="adapter" data-testid="adapter">
        <span className="adapter-label">GPU adapter</span> <span data-testid="adapter-name">{adapterLabel(adapter)}</span>
      </div>
      {adapter.isSoftware && (
        <p className="software-notice" role="status" data-testid="software-notice">
          Software adapter ({adapter.architecture || adapter.vendor || 'CPU'}): running on the CPU, sizes are reduced.
        </p>
      )}
    </header>
  );
}
