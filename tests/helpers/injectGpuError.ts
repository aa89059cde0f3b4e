/**
 * Test-only preload for the headless commands (`node --import tsx --import ./tests/helpers/injectGpuError.ts
 * src/cli/train.ts ...`): with ORTHO_INJECT_GPU_ERROR=N, the command encoder of training iteration N also
 * records an invalid copy (a buffer onto itself), so that iteration's submission fails GPU validation the way
 * a bug in a kernel's bindings would. It patches Dawn's GPUDevice class before the command opens a device;
 * nothing in src/ knows of it.
 */
import { createRequire } from 'node:module';

const at = Number(process.env.ORTHO_INJECT_GPU_ERROR ?? 0);
if (at > 0) {
  const dawn = createRequire(import.meta.url)('webgpu') as { globals: Record<string, unknown> };
  const Device = dawn.globals.GPUDevice as { prototype: GPUDevice };
  const usage = dawn.globals.GPUBufferUsage as typeof GPUBufferUsage;
  const create = Device.prototype.createCommandEncoder;
  Device.prototype.createCommandEncoder = function (this: GPUDevice, desc?: GPUCommandEncoderDescriptor) {
    const enc = create.call(this, desc);
    if (desc?.label === `iteration ${at}`) {
      const b = this.createBuffer({ label: 'injected', size: 16, usage: usage.COPY_SRC | usage.COPY_DST });
      enc.copyBufferToBuffer(b, 0, b, 0, 4);
    }
    return enc;
  };
}
