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
export { tinyVocabulary, TOKEN_TYPES, SPM_SPACE, type TinyVocabulary } from './tinyVocabulary.js';
export {
  resolveTinyLlamaConfig,
  tinyLlamaTensors,
  projectionShape,
  LLAMA_PROJECTIONS,
  TINY_CHAT_TEMPLATE,
  type TinyLlamaOptions,
  type TinyLlamaConfig,
  type TinyTensorSpec,
  type TinyTensorRole,
  type LlamaProjection,
} from './tinyLlamaConfig.js';
export { writeTinyLlama, tinyLlamaGguf, TINY_LLAMA_FILE, type WrittenGguf, type WrittenTinyLlama } from './writeTinyLlama.js';
export { writeTinyLora, tinyLoraGguf, TINY_LORA_FILE, type TinyLoraOptions, type WrittenTinyLora } from './writeTinyLora.js';
export { writeTinyModels, TINY_MANIFEST_FILE, type TinyModels, type TinyModelsOptions } from './writeTinyModels.js';
