/**
 * Where the training lab mounts (id="lab"): the toolbar, the runs and their settings, the live charts and
 * the experiment's settings (src/app/lab/LabView.tsx). Children get the device through useGpu().
 */
import { LabView } from '../lab/LabView.tsx';

export function LabRegion() {
  return (
    <section id="lab" className="panel lab" aria-labelledby="lab-title">
      <h2 id="lab-title">Training lab</h2>
      <LabView />
    </section>
  );
}
