/**
 * What each kernel (shaders/<name>.wgsl) binds, known without a device or the shader text, so that the
 * memory plan (src/engine/memoryPlan.ts) can size every uniform and count every storage binding while the
 * user edits settings: the byte size of its `params` uniform (the struct webgpu-utils reflects, which is
 * exactly what Kernel.makeParams allocates) and the number of storage buffers it binds (checked against
 * the device's maxStorageBuffersPerShaderStage before a group is built). tests/unit/kernelLayouts.test.ts
 * reflects every shader and fails when this table and the WGSL disagree.
 */

export interface KernelLayout {
  /** bytes of the Params uniform at binding 0 */
  params: number;
  /** storage buffers bound in the compute stage */
  storage: number;
}

export const KERNEL_LAYOUTS = {
  addBias: { params: 12, storage: 2 },
  cayleySkew: { params: 12, storage: 4 },
  cayleySolve: { params: 12, storage: 6 },
  cayleySolveBlocked: { params: 12, storage: 6 },
  copyStates: { params: 24, storage: 2 },
  lstmBackward: { params: 68, storage: 10 },
  lstmBackwardVec4: { params: 68, storage: 10 },
  lstmForward: { params: 32, storage: 9 },
  matmul: { params: 72, storage: 4 },
  matmulAtB4: { params: 72, storage: 4 },
  matmulAtBQuad: { params: 72, storage: 4 },
  matmulNaive: { params: 72, storage: 4 },
  matmulQuad: { params: 72, storage: 4 },
  meanSquaredError: { params: 16, storage: 5 },
  orthDrift: { params: 8, storage: 2 },
  orthPenalty: { params: 24, storage: 7 },
  preluSlopeGrad: { params: 24, storage: 4 },
  reduceRows: { params: 20, storage: 2 },
  reduceRows4: { params: 20, storage: 2 },
  rmsprop: { params: 20, storage: 5 },
  rnnBackward: { params: 60, storage: 8 },
  rnnBackwardQuad: { params: 60, storage: 8 },
  rnnBackwardStep: { params: 60, storage: 8 },
  rnnBackwardVec4: { params: 60, storage: 8 },
  rnnForward: { params: 32, storage: 8 },
  rnnForwardQuad: { params: 32, storage: 8 },
  rnnForwardStep: { params: 32, storage: 8 },
  rnnForwardVec4: { params: 32, storage: 8 },
  runGuard: { params: 52, storage: 8 },
  selectRuns: { params: 8, storage: 4 },
  sgd: { params: 20, storage: 5 },
  singularValues: { params: 40, storage: 6 },
  softmaxCrossEntropy: { params: 16, storage: 6 },
  spectrumBackward: { params: 16, storage: 9 },
  spectrumForward: { params: 8, storage: 4 },
  spectrumRemargin: { params: 12, storage: 5 },
  weightDecay: { params: 24, storage: 5 },
} as const satisfies Record<string, KernelLayout>;

export type KernelName = keyof typeof KERNEL_LAYOUTS;
