import { describe, expect, it } from 'vitest';
import { ExperimentLog } from '../../src/engine/experimentLog.ts';
import { checkMetricsFile, checkTracesFile, LogFileError } from '../../src/engine/experimentLogFiles.ts';
import { PAPER_GROUP, PAPER_RUN } from '../../src/engine/settings.ts';

const group = { ...PAPER_GROUP, task: 'adding' as const, T: 4, hidden: 3 };
const runs = [PAPER_RUN, { ...PAPER_RUN, name: 'b' }];
const expectation = { group, runs, flowLength: 5, spectrumLength: 3 };

function logOf(iterations: number): ExperimentLog {
  const log = new ExperimentLog(group, runs, 0.167);
  for (let it = 1; it <= iterations; it++) {
    const m = { loss: 1 / it, accuracy: NaN, softOrthPenalty: 0, weightDecayPenalty: 1e-4 };
    const failed = { ...m, loss: NaN };
    log.add([
      {
        iteration: it,
        runs: [m, it > 1 ? failed : m],
        track:
          it === 2
            ? {
                flow: [new Float32Array(5).fill(1), new Float32Array(5).fill(NaN)],
                spectrum: [Float32Array.of(1, 1, 1), null],
                drift: [[0, 0], null],
              }
            : undefined,
      },
    ]);
  }
  return log;
}

describe('metrics and traces files read back', () => {
  it("reads JSON's null back as NaN, so a resumed log writes the same CSV (blank, not 'null')", () => {
    const log = logOf(3);
    const metrics = checkMetricsFile(JSON.parse(JSON.stringify(log.metrics)), 'metrics.json', expectation);
    const traces = checkTracesFile(JSON.parse(JSON.stringify(log.traces)), 'traces.json', expectation);
    expect(Number.isNaN(metrics.metrics[2][1][0])).toBe(true);
    expect(Number.isNaN(traces.runs[1].flow[0][0])).toBe(true);
    const back = ExperimentLog.from(metrics, traces);
    expect(back.toCsv()).toBe(log.toCsv());
    expect(back.toCsv()).not.toContain('null');
    expect(JSON.stringify(back.traces)).toBe(JSON.stringify(log.traces));
  });

  it('names what is wrong and where', () => {
    const ok = JSON.parse(JSON.stringify(logOf(2).metrics));
    const bad = (edit: (m: Record<string, unknown>) => void) => {
      const m = structuredClone(ok);
      edit(m);
      return () => checkMetricsFile(m, 'm.json', expectation);
    };
    expect(bad((m) => (m.format = 'x'))).toThrow(/m\.json is not orthogonality-lab\/metrics/);
    expect(bad((m) => (m.iterations = [2, 1]))).toThrow(/m\.json: iterations must increase: 2 is followed by 1 at index 1/);
    expect(bad((m) => (m.runs = [runs[0]]))).toThrow(/m\.json: runs must hold 2 entries \(has 1\)/);
    expect(bad((m) => ((m.runs as { lrFree: number }[])[1].lrFree = 9))).toThrow(
      /m\.json: the settings of run 1 differ from settings\.json/,
    );
    expect(bad((m) => (m.metrics = 'x'))).toThrow(LogFileError);
    expect(() => checkMetricsFile(null, 'm.json', expectation)).toThrow(/m\.json must hold a JSON object \(got null\)/);
    const traces = JSON.parse(JSON.stringify(logOf(2).traces));
    traces.runs[0].spectrum[0] = [1, 2];
    expect(() => checkTracesFile(traces, 't.json', expectation)).toThrow(/t\.json: runs\[0\]\.spectrum\[0\] must hold 3 entries \(has 2\)/);
  });
});
