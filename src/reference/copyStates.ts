/** float64 reference of shaders/copyStates.wgsl: dst[r * dstStride + dstOff + i] = src[r * srcStride + srcOff + i], i < count. */
export function copyStates(
  dst: Float64Array,
  src: ArrayLike<number>,
  R: number,
  count: number,
  srcOff: number,
  srcStride: number,
  dstOff: number,
  dstStride: number,
): void {
  for (let r = 0; r < R; r++) for (let i = 0; i < count; i++) dst[r * dstStride + dstOff + i] = src[r * srcStride + srcOff + i];
}
