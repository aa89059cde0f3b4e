/**
 * A compiled compute kernel: one shaders/*.wgsl file (its `//! include`s of shaders/lib/ expanded), its pipeline (created once, asynchronously), and its
 * uniform struct reflected from the WGSL with webgpu-utils (no hand-counted offsets).
 *
 * Convention for every shader in shaders/: `@group(0) @binding(0) var<uniform> params: Params;` when it
 * has scalar arguments, then the storage buffers at bindings 1, 2, ... in the order the header lists them.
 */
import { makeShaderDataDefinitions, makeStructuredView, type StructuredView } from 'webgpu-utils';
import { type ShaderLibrary, sourceLine } from './shaders.ts';

export type OverrideConstants = Record<string, number>;

export class Kernel {
  private constructor(
    readonly name: string,
    readonly device: GPUDevice,
    readonly pipeline: GPUComputePipeline,
    private readonly paramsView: StructuredView | undefined,
    readonly constants: OverrideConstants,
  ) {}

  static async create(
    device: GPUDevice,
    shaders: ShaderLibrary,
    name: string,
    constants: OverrideConstants = {},
    entryPoint = 'main',
  ): Promise<Kernel> {
    const code = shaders(name);
    const module = device.createShaderModule({ label: name, code });
    const defs = makeShaderDataDefinitions(code);
    const params = defs.uniforms.params;
    let pipeline: GPUComputePipeline;
    try {
      pipeline = await device.createComputePipelineAsync({
        label: name,
        layout: 'auto',
        compute: { module, entryPoint, constants },
      });
    } catch (e) {
      const info = await module.getCompilationInfo();
      const msgs = info.messages.map((m) => `${sourceLine(name, code, m.lineNum)}:${m.linePos} ${m.type}: ${m.message}`).join('\n');
      throw new Error(`Could not build kernel '${name}': ${(e as Error).message}\n${msgs}`);
    }
    return new Kernel(name, device, pipeline, params ? makeStructuredView(params) : undefined, constants);
  }

  /** Packs a Params struct (by field name, as declared in the WGSL) into bytes for a uniform buffer. */
  packParams(values: Record<string, number | number[]>): ArrayBuffer {
    if (!this.paramsView) throw new Error(`Kernel '${this.name}' declares no Params uniform`);
    for (const key of Object.keys(values)) {
      if (!(key in this.paramsView.views)) throw new Error(`Kernel '${this.name}': Params has no field '${key}'`);
    }
    this.paramsView.set(values);
    return this.paramsView.arrayBuffer.slice(0);
  }

  /** A uniform buffer holding the given Params, written now. */
  makeParams(values: Record<string, number | number[]>, label = `${this.name}.params`): GPUBuffer {
    const bytes = this.packParams(values);
    const buf = this.device.createBuffer({ label, size: bytes.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(buf, 0, bytes);
    return buf;
  }

  /** A bind group over binding 0..k-1 in order (params first where the shader has one). */
  bind(buffers: (GPUBuffer | GPUBufferBinding)[], label = this.name): GPUBindGroup {
    return this.device.createBindGroup({
      label,
      layout: this.pipeline.getBindGroupLayout(0),
      entries: buffers.map((b, i) => ({ binding: i, resource: 'buffer' in b ? b : { buffer: b } })),
    });
  }

  dispatch(pass: GPUComputePassEncoder, group: GPUBindGroup, x: number, y = 1, z = 1): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y, z);
  }
}

export function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/**
 * One recorded dispatch: a kernel, its bind group (params buffer included) and its workgroup counts.
 * Ops (src/gpu/ops/*.ts) prepare lists of these once; the trainer encodes them every iteration.
 */
export interface Dispatch {
  label: string;
  kernel: Kernel;
  group: GPUBindGroup;
  workgroups: [number, number, number];
}

export function encodeDispatches(pass: GPUComputePassEncoder, dispatches: readonly Dispatch[]): void {
  for (const d of dispatches) d.kernel.dispatch(pass, d.group, ...d.workgroups);
}

/** Compiles each (shader, constants) pair once per device and hands it out again afterwards. */
export class KernelCache {
  private readonly cache = new Map<string, Promise<Kernel>>();
  constructor(
    readonly device: GPUDevice,
    readonly shaders: ShaderLibrary,
  ) {}

  get(name: string, constants: OverrideConstants = {}): Promise<Kernel> {
    const key = `${name}:${JSON.stringify(Object.entries(constants).sort())}`;
    let k = this.cache.get(key);
    if (!k) {
      k = Kernel.create(this.device, this.shaders, name, constants);
      this.cache.set(key, k);
    }
    return k;
  }
}
