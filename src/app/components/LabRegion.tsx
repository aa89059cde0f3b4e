/**
 * Where the training lab mounts (id="lab"): presets, settings, run controls and live charts go inside.
 * Children get the device through useGpu().
 */
import type { ReactNode } from 'react';

export function LabRegion({ children }: { children?: ReactNode }) {
  return (
    <section id="lab" className="panel lab" aria-labelledby="lab-title">
      <h2 id="lab-title">Training lab</h2>
      {children ?? <p className="note">The training engine is not connected yet: run controls and live charts will appear here.</p>}
    </section>
  );
}
