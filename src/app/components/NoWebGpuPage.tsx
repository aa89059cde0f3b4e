/** The full page shown when WebGPU cannot be used: why (per reason), what to do, and the details to report. */
import type { UnavailableReason } from '../useGpuAcquisition.ts';

const WHY: Record<UnavailableReason, string> = {
  'no-api':
    'This browser does not offer WebGPU at all (navigator.gpu is missing). Either the browser is too old or not Chromium-based, WebGPU is switched off by a flag, or the page is not a secure context.',
  'no-adapter':
    'The browser offers WebGPU but found no GPU adapter for it. The GPU may be blocklisted, hardware acceleration may be off, or (on Linux) WebGPU may still be behind a flag.',
  'no-device':
    'A GPU adapter was found, but it refused to create a device. The GPU may be out of memory or in a bad state, or it may not offer the limits the lab asks for.',
  unexpected: 'Starting WebGPU failed with an unexpected error.',
};

function Advice({ reason }: { reason: UnavailableReason }) {
  const insecure = typeof window !== 'undefined' && !window.isSecureContext;
  return (
    <ol className="advice">
      <li>
        Use <strong>Chrome or Chromium 113 or newer</strong> (or Edge 113+). Firefox and Safari support WebGPU only in recent versions and
        not on every system.
      </li>
      {insecure && (
        <li>
          Open the lab over <strong>https</strong> or from <code>http://localhost</code>: WebGPU is only offered to secure pages, and this
          page is not one.
        </li>
      )}
      <li>
        On Linux, open <code>chrome://flags/#enable-unsafe-webgpu</code>, set it to <em>Enabled</em> and restart the browser (or start it
        with <code>--enable-unsafe-webgpu</code>). Without a GPU, Chromium then runs WebGPU on the CPU (SwiftShader): slower, but it works.
      </li>
      <li>
        Open <code>chrome://gpu</code> and look at the <em>WebGPU</em> line: it says whether WebGPU is enabled, blocklisted or disabled, and
        why.
      </li>
      <li>
        Turn on hardware acceleration: <code>chrome://settings/system</code>, <em>Use graphics acceleration when available</em>, then
        relaunch.
      </li>
      {reason === 'no-device' && <li>Close other tabs that use the GPU heavily (games, 3D, video calls), then reload this page.</li>}
      <li>
        Then{' '}
        <button type="button" onClick={() => window.location.reload()}>
          reload this page
        </button>
        .
      </li>
    </ol>
  );
}

export function NoWebGpuPage({ reason, message }: { reason: UnavailableReason; message: string }) {
  return (
    <main className="no-webgpu" data-testid="no-webgpu" data-reason={reason}>
      <h1>WebGPU is not available</h1>
      <p className="lead">
        Orthogonality Lab trains its recurrent networks on your GPU through WebGPU, and this browser did not give it one.
      </p>
      <section aria-labelledby="why-title">
        <h2 id="why-title">Why</h2>
        <p data-testid="no-webgpu-why">{WHY[reason]}</p>
      </section>
      <section aria-labelledby="todo-title">
        <h2 id="todo-title">What to do</h2>
        <Advice reason={reason} />
      </section>
      <section aria-labelledby="details-title">
        <h2 id="details-title">Details (include them when reporting a problem)</h2>
        <dl className="details">
          <dt>Reason</dt>
          <dd>
            <code>{reason}</code>
          </dd>
          <dt>Message</dt>
          <dd data-testid="no-webgpu-message">{message}</dd>
          <dt>Browser</dt>
          <dd data-testid="user-agent">{navigator.userAgent}</dd>
          <dt>Secure context</dt>
          <dd>{window.isSecureContext ? 'yes' : 'no'}</dd>
        </dl>
      </section>
    </main>
  );
}
