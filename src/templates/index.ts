export { TemplateMiner, renderTemplate, type TemplateMinerOptions, type Template, type MatchResult } from './TemplateMiner.js';
export { compileMasks, numberMask, BUILTIN_MASK_SOURCES, BUILTIN_MESSAGE_MASK_SOURCES, DEFAULT_MASKS, WILDCARD, type Mask, type MaskSpec, type MaskRuleInput } from './masks.js';
export { splitMessage, maskTokens, isVariableToken, type Tokens } from './tokenize.js';
export { templateIdOf } from './templateId.js';
export { extractParameters, type Parameter } from './parameters.js';
export { toSnapshot, fromSnapshot, saveSnapshot, loadSnapshot, SNAPSHOT_VERSION, type TemplateSnapshot } from './snapshot.js';
