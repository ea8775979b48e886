/**
 * Open Inference Protocol datatypes as typed arrays, and their bytes as the binary tensor data
 * extension carries them: row-major, little-endian.
 */

const ARRAYS = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP32: Float32Array,
  FP64: Float64Array,
} as const;

export type Datatype = keyof typeof ARRAYS;
/** The typed array a datatype's elements are returned in (BOOL: 0 or 1 in a Uint8Array). */
export type TypedArrayOf<D extends Datatype> = InstanceType<(typeof ARRAYS)[D]>;
export type TypedArray = TypedArrayOf<Datatype>;
/** What an input tensor's elements may be given as: a typed array, or plain numbers, booleans or bigints. */
export type TensorData = TypedArray | readonly number[] | readonly boolean[] | readonly bigint[];

/** What the constructors in ARRAYS have in common, for code that picks one at run time. */
interface TypedArrayConstructor {
  new (buffer: ArrayBuffer): TypedArray;
  from(source: ArrayLike<unknown>, map: (x: unknown) => number | bigint): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
}
const constructorOf = (datatype: Datatype) => ARRAYS[datatype] as unknown as TypedArrayConstructor;

const isBig = (datatype: Datatype) => datatype === "INT64" || datatype === "UINT64";

export function isDatatype(value: string): value is Datatype {
  return Object.hasOwn(ARRAYS, value);
}

/** `data` as the datatype's typed array (as it is, when it is one already). */
export function toTypedArray<D extends Datatype>(datatype: D, data: TensorData | readonly unknown[]): TypedArrayOf<D> {
  const Typed = constructorOf(datatype);
  if (data instanceof Typed) return data as TypedArrayOf<D>;
  const convert = isBig(datatype) ? BigInt : Number;
  return Typed.from(data as ArrayLike<unknown>, (x) => convert(x as number)) as TypedArrayOf<D>;
}

/** `data` as JSON elements: numbers (64-bit integers too; the server refuses unsafe ones), or booleans for BOOL. */
export function toJsonArray(datatype: Datatype, data: TensorData): number[] | boolean[] {
  if (datatype === "BOOL") return Array.from(data as ArrayLike<unknown>, Boolean);
  return Array.from(data as ArrayLike<number | bigint | boolean>, Number);
}

/** The bytes of `array` in little-endian order. */
export function littleEndianBytes(array: TypedArray): Uint8Array {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  return LITTLE_ENDIAN_HOST ? bytes : swapBytes(bytes, array.BYTES_PER_ELEMENT);
}

/** Little-endian bytes from the wire as the datatype's typed array (copied: the bytes need not be aligned). */
export function fromLittleEndian<D extends Datatype>(datatype: D, bytes: Uint8Array): TypedArrayOf<D> {
  const Typed = constructorOf(datatype);
  if (bytes.byteLength % Typed.BYTES_PER_ELEMENT !== 0) {
    throw new RangeError(`${bytes.byteLength} bytes are not a whole number of ${datatype} elements`);
  }
  const copy = LITTLE_ENDIAN_HOST ? bytes.slice() : swapBytes(bytes, Typed.BYTES_PER_ELEMENT);
  return new Typed(copy.buffer) as TypedArrayOf<D>;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A copy of `bytes` with each `size`-byte element reversed: big-endian hosts are rare, but exist. */
function swapBytes(bytes: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const swapped = new Uint8Array(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i++) swapped[i] = bytes[i - (i % size) + size - 1 - (i % size)];
  return swapped;
}
