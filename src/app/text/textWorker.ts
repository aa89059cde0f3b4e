/**
 * The text worker: samples and the character-by-character gradient view (src/text/charModel.ts) off the main
 * thread (a gradient view of 120 characters at n = 512 takes seconds). It keeps the models it was handed by
 * key (the last few), and answers every request by its id (textWorkerProtocol.ts).
 */
import { decodeCodes, encodeSentence } from '../../data/vocabulary.ts';
import { CharModel, gradientReach, sampleText } from '../../text/charModel.ts';
import type { TextReply, TextRequest } from './textWorkerProtocol.ts';

const MODELS_KEPT = 4;
const models = new Map<string, CharModel | Error>();

const post = (reply: TextReply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(reply, transfer);

function modelOf(key: string): CharModel {
  const m = models.get(key);
  if (!m) throw new Error('the run’s parameters are no longer held by the text worker: read them again');
  if (m instanceof Error) throw m;
  return m;
}

self.onmessage = (ev: MessageEvent<TextRequest>) => {
  const req = ev.data;
  if (req.kind === 'model') {
    let model: CharModel | Error;
    try {
      model = new CharModel(req.settings, req.parameters);
    } catch (e) {
      model = e instanceof Error ? e : new Error(String(e));
    }
    models.delete(req.key);
    models.set(req.key, model);
    while (models.size > MODELS_KEPT) models.delete(models.keys().next().value!);
    return;
  }
  try {
    const model = modelOf(req.key);
    if (req.kind === 'sample') {
      const prompt = encodeSentence(req.prompt);
      const s = sampleText(model, {
        prompt: prompt.subarray(0, prompt.length - 1),
        temperature: req.temperature,
        seed: req.seed,
        maxLength: req.maxLength,
      });
      const body = s.ended === 'newline' ? s.codes.subarray(0, s.codes.length - 1) : s.codes;
      post({
        kind: 'sample',
        id: req.id,
        result: {
          text: decodeCodes(body),
          promptLength: prompt.length - 1,
          drawn: s.drawn,
          ended: s.ended,
          logProbability: s.logProbability,
        },
      });
      return;
    }
    const codes = encodeSentence(req.sentence);
    const t0 = performance.now();
    let last = 0;
    const r = gradientReach(model, codes, (done, total) => {
      const now = performance.now();
      if (now - last > 100 || done === total) {
        last = now;
        post({ kind: 'progress', id: req.id, done, total });
      }
    });
    const result = {
      text: decodeCodes(codes.subarray(0, codes.length - 1)),
      L: r.L,
      G: r.G,
      losses: r.losses,
      seconds: (performance.now() - t0) / 1000,
    };
    post({ kind: 'gradient', id: req.id, result }, [r.G.buffer, r.losses.buffer]);
  } catch (e) {
    post({ kind: 'error', id: req.id, message: e instanceof Error ? e.message : String(e) });
  }
};
