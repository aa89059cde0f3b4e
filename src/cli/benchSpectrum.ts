/**
 * The live spectrum's cost for the benchmark (src/cli/bench.ts): the GPU singular values of one plain RNN's W
 * [n][n] and one LSTM's stacked W [4n][n] (shaders/singularValues.wgsl through src/gpu/ops/singularValues.ts,
 * with the blocking and preconditioning the op picks for this adapter), Glorot matrices (~10 sweeps, the
 * usual case; an orthogonal W takes one), timed from submit to the 4 numbers of info read back.
 */
import { HYPER_STRIDE } from '../engine/hyper.ts';
import { readF32, uploadF32 } from '../gpu/buffers.ts';
import { encodeDispatches } from '../gpu/kernel.ts';
import type { OpContext } from '../gpu/ops/context.ts';
import {
  allocateSingularValuesBuffers,
  prepareSingularValues,
  SINGULAR_VALUES_INFO,
  singularValuesBlocking,
  singularValuesPrecondition,
} from '../gpu/ops/singularValues.ts';
import { Rng } from '../random/rng.ts';

export interface SpectrumRow {
  matrix: string;
  n: number;
  rows: number;
  /** blocking and preconditioning, as the op chose them */
  method: string;
  sweeps: number;
  converged: boolean;
  dispatches: number;
  msPerSpectrum: number;
}

export async function timeSpectrum(ops: OpContext, n: number, rows: number, reps: number): Promise<SpectrumRow> {
  const d = { R: 1, rows, n };
  const rng = new Rng(n * 7 + rows);
  const hyper = uploadF32(ops.device, new Float32Array(HYPER_STRIDE));
  const A = uploadF32(ops.device, Float32Array.from(rng.normalArray(rows * n, 1 / Math.sqrt(n))));
  const bufs = { hyper, A, ...allocateSingularValuesBuffers(ops.device, d, 'bench.spectrum') };
  try {
    const dispatches = await prepareSingularValues(ops, d, bufs);
    const once = async () => {
      const enc = ops.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      encodeDispatches(pass, dispatches);
      pass.end();
      ops.device.queue.submit([enc.finish()]);
      return readF32(ops.device, bufs.info, SINGULAR_VALUES_INFO);
    };
    await once(); // warm up
    const t0 = performance.now();
    let info: Float32Array = new Float32Array(SINGULAR_VALUES_INFO);
    for (let k = 0; k < reps; k++) info = await once();
    const ms = (performance.now() - t0) / reps;
    const b = singularValuesBlocking(ops.software, d);
    return {
      matrix: rows === n ? 'plain RNN W' : 'LSTM stacked W',
      n,
      rows,
      method: `WG ${b.WG}, TEAM ${b.TEAM}, G ${b.G}${singularValuesPrecondition(ops.software, d) ? ', QR' : ''}`,
      sweeps: info[0],
      converged: info[1] === 1,
      dispatches: dispatches.length,
      msPerSpectrum: ms,
    };
  } finally {
    for (const b of Object.values(bufs)) b.destroy();
  }
}

export function spectrumTable(rows: SpectrumRow[]): string {
  const head = ['matrix', 'n', 'rows', 'method', 'sweeps', 'dispatches', 'ms per spectrum'];
  const body = rows.map((r) => [
    r.matrix,
    String(r.n),
    String(r.rows),
    r.method,
    `${r.sweeps}${r.converged ? '' : ' (not converged)'}`,
    String(r.dispatches),
    r.msPerSpectrum.toPrecision(3),
  ]);
  const lines = [head, ...body].map((c) => `| ${c.join(' | ')} |`);
  lines.splice(1, 0, `|${head.map(() => '---').join('|')}|`);
  return lines.join('\n');
}
