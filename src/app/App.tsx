/**
 * The page: acquire WebGPU, then either explain why it is unavailable or show the lab (header with the
 * adapter, problem banner, the training lab region, the data sets and the shader check).
 */
import { useState } from 'react';
import type { GpuContext } from '../gpu/device.ts';
import { AppHeader } from './components/AppHeader.tsx';
import { LabRegion } from './components/LabRegion.tsx';
import { NoWebGpuPage } from './components/NoWebGpuPage.tsx';
import { ProblemBanner } from './components/ProblemBanner.tsx';
import { ShaderCheck } from './components/ShaderCheck.tsx';
import { DatasetsPanel } from './data/DatasetsPanel.tsx';
import { GpuProvider } from './GpuProvider.tsx';
import { useGpuAcquisition } from './useGpuAcquisition.ts';

/**
 * The shader check compiles every kernel once more, so it runs only when opened: at start-up it would
 * compete with the lab's own pipelines for the CPU, and its error scopes would catch the lab's errors.
 */
function ShaderCheckDetails() {
  const [open, setOpen] = useState(false);
  return (
    <details
      className="panel shader-check-details"
      data-testid="shader-check-details"
      onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}
    >
      <summary>Shader check: every kernel compiled in this browser</summary>
      {open && <ShaderCheck />}
    </details>
  );
}

/** The data sets (MNIST, Brown, a user's text): loaded only when asked, so the page starts without them. */
function DatasetsDetails() {
  return (
    <details className="panel datasets-details" data-testid="datasets-details">
      <summary>Data sets: MNIST, the Brown corpus, your own text</summary>
      <DatasetsPanel />
    </details>
  );
}

function LabPage({ gpu }: { gpu: GpuContext }) {
  return (
    <GpuProvider gpu={gpu}>
      <div className="lab-page" data-testid="lab-page">
        <AppHeader adapter={gpu.adapterInfo} />
        <ProblemBanner />
        <main className="lab-layout">
          <LabRegion />
          <DatasetsDetails />
          <ShaderCheckDetails />
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
