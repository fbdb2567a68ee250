export { TemplateMiner, renderTemplate, type TemplateMinerOptions, type Template, type MatchResult } from './TemplateMiner.js';
export { compileMasks, numberMask, BUILTIN_MASK_SOURCES, DEFAULT_MASKS, WILDCARD, type Mask, type MaskSpec, type MaskRuleInput } from './masks.js';
export { splitMessage, maskTokens, type Tokens } from './tokenize.js';
export { templateIdOf } from './templateId.js';
