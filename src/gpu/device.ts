/**
 * One way to get a GPUDevice, in the browser (navigator.gpu) and in Node (the `webgpu` package, see
 * nodeGpu.ts). It requests the limits the kernels need, reports whether the adapter is a software
 * fallback (SwiftShader), and turns device loss and uncaptured validation errors into errors the caller sees.
 */

export class NoWebGpuError extends Error {
  constructor(
    public readonly reason: 'no-api' | 'no-adapter' | 'no-device',
    message: string,
  ) {
    super(message);
    this.name = 'NoWebGpuError';
  }
}

export class GpuError extends Error {
  constructor(
    public readonly kind: 'validation' | 'out-of-memory' | 'internal' | 'device-lost',
    message: string,
  ) {
    super(message);
    this.name = 'GpuError';
  }
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for a CPU implementation (SwiftShader, WARP, lavapipe): pick small defaults. */
  isSoftware: boolean;
}

export interface GpuContext {
  device: GPUDevice;
  adapter: GPUAdapter;
  adapterInfo: AdapterSummary;
  /** Features the kernels may use when present. */
  hasTimestampQuery: boolean;
  /**
   * The device has the 'subgroups' feature and the adapter's subgroups are exactly 4 lanes (SwiftShader's
   * SIMD width): a software schedule may share loads between a quad's lanes with quad swaps (quadSwapsOf).
   */
  quadSwaps: boolean;
  /** Rejects (never resolves) once the device is lost; await it in a race to notice loss. */
  lost: Promise<GPUDeviceLostInfo>;
  /** Errors reported through uncapturederror since creation (validation mistakes are bugs). */
  uncapturedErrors: GpuError[];
  destroy(): void;
}

export interface AcquireOptions {
  forceFallbackAdapter?: boolean;
  powerPreference?: GPUPowerPreference;
  onUncapturedError?: (e: GpuError) => void;
  onDeviceLost?: (e: GpuError) => void;
}

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|warp|software|cpu/i;

export function summariseAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const fields = [info.vendor, info.architecture, info.device, info.description].map((s) => s ?? '');
  const fallback = (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return {
    vendor: fields[0],
    architecture: fields[1],
    device: fields[2],
    description: fields[3],
    isSoftware: fallback || fields.some((f) => SOFTWARE_NAMES.test(f)),
  };
}

/** Limits the kernels ask for: as much as the adapter offers of what they use. */
function wantedLimits(adapter: GPUAdapter): Record<string, number> {
  const a = adapter.limits;
  return {
    maxStorageBuffersPerShaderStage: Math.min(a.maxStorageBuffersPerShaderStage, 10),
    maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: a.maxComputeWorkgroupSizeY,
    maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
    maxBufferSize: a.maxBufferSize,
    maxComputeWorkgroupsPerDimension: a.maxComputeWorkgroupsPerDimension,
  };
}

export async function requestAdapter(gpu: GPU | undefined, options: AcquireOptions = {}): Promise<GPUAdapter> {
  if (!gpu) {
    throw new NoWebGpuError(
      'no-api',
      'WebGPU is not available here (navigator.gpu is missing). Use a recent Chrome or Chromium; on Linux start it with --enable-unsafe-webgpu.',
    );
  }
  const adapter = await gpu.requestAdapter({
    forceFallbackAdapter: options.forceFallbackAdapter ?? false,
    powerPreference: options.powerPreference ?? 'high-performance',
  });
  if (!adapter) {
    throw new NoWebGpuError(
      'no-adapter',
      'WebGPU is present but no GPU adapter was found. Check chrome://gpu, enable hardware acceleration, or allow the software adapter (SwiftShader).',
    );
  }
  return adapter;
}

export async function acquireGpu(gpu: GPU | undefined, options: AcquireOptions = {}): Promise<GpuContext> {
  const adapter = await requestAdapter(gpu, options);
  return deviceFromAdapter(adapter, options);
}

/**
 * Whether the software schedule's quad-swap kernels (shaders/*Quad.wgsl) may run: SwiftShader, whose subgroups
 * are 4 lanes, no more and no fewer (its SIMD width; its quad swaps are register shuffles), with the 'subgroups'
 * feature on the device. Those kernels take a quad to be 4 consecutive local invocations, which holds there
 * and is checked there (tests/kernels); another CPU adapter (WARP, lavapipe) or a GPU keeps its own schedule.
 */
export function quadSwapsOf(info: AdapterSummary, adapter: GPUAdapter, deviceFeatures: ReadonlySet<string>): boolean {
  const sizes = adapter.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
  const swiftShader = [info.vendor, info.architecture, info.device, info.description].some((f) => /swiftshader/i.test(f));
  return info.isSoftware && swiftShader && deviceFeatures.has('subgroups') && sizes.subgroupMinSize === 4 && sizes.subgroupMaxSize === 4;
}

export async function deviceFromAdapter(adapter: GPUAdapter, options: AcquireOptions = {}): Promise<GpuContext> {
  const hasTimestampQuery = adapter.features.has('timestamp-query');
  const adapterInfo = summariseAdapter(adapter);
  const features: GPUFeatureName[] = [];
  if (hasTimestampQuery) features.push('timestamp-query');
  // only a CPU adapter's schedule uses subgroups (quadSwapsOf)
  if (adapterInfo.isSoftware && adapter.features.has('subgroups')) features.push('subgroups' as GPUFeatureName);
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredLimits: wantedLimits(adapter),
      requiredFeatures: features,
    });
  } catch (e) {
    throw new NoWebGpuError('no-device', `The GPU adapter refused to create a device: ${(e as Error).message}`);
  }
  const uncapturedErrors: GpuError[] = [];
  let destroyed = false;
  device.addEventListener('uncapturederror', (ev) => {
    const err = (ev as GPUUncapturedErrorEvent).error;
    const kind = err instanceof GPUOutOfMemoryError ? 'out-of-memory' : err instanceof GPUValidationError ? 'validation' : 'internal';
    const e = new GpuError(kind, `GPU ${kind} error: ${err.message}`);
    uncapturedErrors.push(e);
    options.onUncapturedError?.(e);
  });
  const lost = device.lost.then((info) => {
    const e = new GpuError('device-lost', `The GPU device was lost (${info.reason}): ${info.message}`);
    if (!destroyed) options.onDeviceLost?.(e);
    return info;
  });
  return {
    device,
    adapter,
    adapterInfo,
    hasTimestampQuery,
    quadSwaps: quadSwapsOf(adapterInfo, adapter, device.features as ReadonlySet<string>),
    lost,
    uncapturedErrors,
    destroy() {
      destroyed = true;
      device.destroy();
    },
  };
}

/** Runs fn inside validation and out-of-memory error scopes and throws the first error it raised. */
export async function withErrorScope<T>(device: GPUDevice, fn: () => T | Promise<T>): Promise<T> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await fn() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  // the scopes are popped whatever fn did; a GPU error outranks fn's own (it is usually the cause)
  const validation = await device.popErrorScope();
  const oom = await device.popErrorScope();
  if (validation) throw new GpuError('validation', `GPU validation error: ${validation.message}`);
  if (oom) throw new GpuError('out-of-memory', `GPU out of memory: ${oom.message}`);
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
