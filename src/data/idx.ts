/**
 * The IDX format of the MNIST files (LeCun et al.): a 4-byte magic number (two zero bytes, a type code, the
 * number of dimensions), each dimension as a big-endian uint32, then the data, row-major. MNIST uses only the
 * type 0x08 (unsigned byte), so that is the one this parser reads; any other type is refused by name.
 *
 * parseIdx checks everything a corrupt or truncated file could get wrong (magic, dimensions, expected shape,
 * byte size = header + product of the dimensions) and returns a view of the data (no copy).
 */
import { DatasetError, groupDigits } from './datasetError.ts';

const TYPE_NAMES: Record<number, string> = {
  8: 'unsigned byte',
  9: 'signed byte',
  11: 'int16',
  12: 'int32',
  13: 'float32',
  14: 'float64',
};

/** 0x00000803: unsigned bytes in 3 dimensions (count x rows x columns) */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** 0x00000801: unsigned bytes in 1 dimension (count) */
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxExpectation {
  /** the whole magic number, e.g. IDX_IMAGES_MAGIC */
  magic: number;
  /** what a file with that magic is, for the message: 'an images file' */
  what: string;
  /** the expected size of each dimension; null where any size is allowed (the count) */
  shape: readonly (number | null)[];
}

export interface IdxArray {
  dims: number[];
  /** the data after the header, row-major (a view into the bytes given) */
  data: Uint8Array;
}

function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}

export function parseIdx(bytes: Uint8Array, file: string, expect: IdxExpectation): IdxArray {
  if (bytes.byteLength < 4) throw new DatasetError(file, `truncated: ${groupDigits(bytes.byteLength)} bytes, not even a magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expect.magic) {
    const type = bytes[2];
    const hint =
      bytes[0] !== 0 || bytes[1] !== 0
        ? 'not an IDX file'
        : `${TYPE_NAMES[type] ?? `unknown type 0x${type.toString(16)}`}, ${bytes[3]} dimension${bytes[3] === 1 ? '' : 's'}`;
    throw new DatasetError(file, `magic number ${hex32(magic)} (${hint}), expected ${hex32(expect.magic)} (${expect.what})`);
  }
  const ndims = bytes[3];
  const header = 4 + 4 * ndims;
  if (bytes.byteLength < header) {
    throw new DatasetError(file, `truncated: ${groupDigits(bytes.byteLength)} bytes, shorter than its ${header}-byte header`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const shapeOk = dims.length === expect.shape.length && expect.shape.every((d, i) => d === null || d === dims[i]);
  if (!shapeOk) {
    const wanted = expect.shape.map((d) => (d === null ? 'N' : String(d))).join(' x ');
    throw new DatasetError(file, `dimensions ${dims.join(' x ')}, expected ${wanted}`);
  }
  const size = header + dims.reduce((a, d) => a * d, 1);
  if (bytes.byteLength < size) {
    throw new DatasetError(file, `truncated: ${groupDigits(bytes.byteLength)} bytes, the header says ${groupDigits(size)}`);
  }
  if (bytes.byteLength > size) {
    throw new DatasetError(file, `${groupDigits(bytes.byteLength)} bytes, the header says ${groupDigits(size)} (extra bytes at the end)`);
  }
  return { dims, data: bytes.subarray(header, size) };
}
