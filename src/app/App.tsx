/**
 * The page: acquire WebGPU, then either explain why it is unavailable or show the lab (header with the
 * adapter, problem banner, the training lab region and the shader check).
 */
import type { GpuContext } from '../gpu/device.ts';
import { AppHeader } from './components/AppHeader.tsx';
import { LabRegion } from './components/LabRegion.tsx';
import { NoWebGpuPage } from './components/NoWebGpuPage.tsx';
import { ProblemBanner } from './components/ProblemBanner.tsx';
import { ShaderCheck } from './components/ShaderCheck.tsx';
import { GpuProvider } from './GpuProvider.tsx';
import { useGpuAcquisition } from './useGpuAcquisition.ts';

function LabPage({ gpu }: { gpu: GpuContext }) {
  return (
    <GpuProvider gpu={gpu}>
      <div className="lab-page" data-testid="lab-page">
        <AppHeader adapter={gpu.adapterInfo} />
        <ProblemBanner />
        <main className="lab-layout">
          <LabRegion />
          <details className="panel shader-check-details">
            <summary>Shader check: every kernel compiled in this browser</summary>
            <ShaderCheck />
          </details>
        </main>
      </div>
    </GpuProvider>
  );
}

export function App() {
  const gpu = useGpuAcquisition();
  if (gpu.status === 'acquiring') {
    return (
      <p className="boot-message" role="status">
        Looking for a GPU…
      </p>
    );
  }
  if (gpu.status === 'unavailable') return <NoWebGpuPage reason={gpu.reason} message={gpu.message} />;
  return <LabPage gpu={gpu.gpu} />;
}
