/**
 * Compiles every shader in shaders/ on this page's device, one after the other, and lists the results.
 * data-status on the panel is 'compiling' until every shader has a result, then 'done'.
 */
import { useEffect, useMemo, useState } from 'react';
import { browserShaderLibrary } from '../../gpu/shadersBrowser.ts';
import { useGpu } from '../GpuProvider.tsx';
import { compileShader, type ShaderCompileResult, shaderNames } from '../shaderCheck.ts';

function ShaderRow({ name, result }: { name: string; result: ShaderCompileResult | undefined }) {
  const status = result ? (result.ok ? 'ok' : 'failed') : 'pending';
  const mark = status === 'ok' ? '✓' : status === 'failed' ? '✗' : '…';
  return (
    <li className={`shader shader-${status}`} data-shader={name} data-status={status}>
      <span className="mark" aria-hidden="true">
        {mark}
      </span>
      <code>{name}</code>
      {result && result.entryPoints.length > 1 && <span className="entry-points"> ({result.entryPoints.join(', ')})</span>}
      {result && <span className="ms">{Math.round(result.ms)} ms</span>}
      <span className="visually-hidden">{status === 'ok' ? 'compiled' : status === 'failed' ? 'failed' : 'waiting'}</span>
      {result?.error && <pre className="shader-error">{result.error}</pre>}
    </li>
  );
}

export function ShaderCheck() {
  const { device } = useGpu();
  const shaders = useMemo(() => browserShaderLibrary(), []);
  const [results, setResults] = useState<Record<string, ShaderCompileResult>>({});

  useEffect(() => {
    let cancelled = false;
    setResults({});
    (async () => {
      for (const name of shaderNames) {
        const result = await compileShader(device, shaders, name);
        if (cancelled) return;
        setResults((r) => ({ ...r, [name]: result }));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [device, shaders]);

  const done = Object.keys(results).length === shaderNames.length;
  const failed = Object.values(results).filter((r) => !r.ok).length;
  const totalMs = Object.values(results).reduce((s, r) => s + r.ms, 0);
  return (
    <section
      className="panel shader-check"
      aria-labelledby="shader-check-title"
      data-testid="shader-check"
      data-status={done ? 'done' : 'compiling'}
    >
      <h2 id="shader-check-title">Shaders compiled in this browser</h2>
      <p className="summary" data-testid="shader-summary" data-compiled={Object.keys(results).length - failed} data-failed={failed}>
        {done
          ? failed === 0
            ? `All ${shaderNames.length} shaders compiled (${(totalMs / 1000).toFixed(1)} s).`
            : `${failed} of ${shaderNames.length} shaders failed to compile.`
          : `Compiling ${Object.keys(results).length + 1} of ${shaderNames.length}…`}
      </p>
      <ul className="shader-list">
        {shaderNames.map((name) => (
          <ShaderRow key={name} name={name} result={results[name]} />
        ))}
      </ul>
      <p className="note">The same WGSL files the kernel tests check on Dawn, compiled here with this browser's WebGPU.</p>
    </section>
  );
}
