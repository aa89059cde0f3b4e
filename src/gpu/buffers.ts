/** Small helpers to move float32/u32 arrays to and from the GPU. */

export function storageBuffer(device: GPUDevice, byteLength: number, label?: string): GPUBuffer {
  return device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(byteLength / 4) * 4),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
}

export function uploadArray(device: GPUDevice, data: Float32Array | Uint32Array | Int32Array, label?: string): GPUBuffer {
  const buf = storageBuffer(device, data.byteLength, label);
  device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
  return buf;
}

export function uploadF32(device: GPUDevice, data: ArrayLike<number>, label?: string): GPUBuffer {
  return uploadArray(device, data instanceof Float32Array ? data : Float32Array.from(data), label);
}

export async function readBytes(
  device: GPUDevice,
  src: GPUBuffer,
  byteOffset = 0,
  byteLength = src.size - byteOffset,
): Promise<ArrayBuffer> {
  const staging = device.createBuffer({ size: byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, byteOffset, staging, 0, byteLength);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = staging.getMappedRange().slice(0);
  staging.unmap();
  staging.destroy();
  return out;
}

export async function readF32(device: GPUDevice, src: GPUBuffer, count?: number, offsetElems = 0): Promise<Float32Array> {
  const n = count ?? src.size / 4 - offsetElems;
  return new Float32Array(await readBytes(device, src, offsetElems * 4, n * 4));
}

export async function readU32(device: GPUDevice, src: GPUBuffer, count?: number): Promise<Uint32Array> {
  const n = count ?? src.size / 4;
  return new Uint32Array(await readBytes(device, src, 0, n * 4));
}
