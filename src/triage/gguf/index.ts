export { GgufError } from './GgufError.js';
export {
  GgufWriter,
  GGUF_MAGIC,
  GGUF_VERSION,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_VALUE_TYPES,
  GGML_TYPES,
  type GgufWriterOptions,
  type GgufScalarType,
  type GgufScalarValue,
  type GgufTensorType,
  type GgufTensorLayout,
} from './GgufWriter.js';
export { readGgufHeader, type GgufHeader, type GgufTensorInfo, type GgufValue } from './readGgufHeader.js';
export { ggmlTypeSize, type GgmlTypeSize } from './ggmlTypes.js';
export { float16Bits } from './float16.js';
