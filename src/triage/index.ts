export { loadTaxonomy, defaultTaxonomyPath, type Taxonomy } from './taxonomy.js';
export { TRIAGE_LANGUAGES, type TriageLanguage, type TriagePrompt, type TriageInput, type TriageOutcome, type Triager } from './types.js';
export { TriageOutputError, TriageUnavailableError } from './errors.js';
export * from './gguf/index.js';
export * from './prompts/index.js';
export { HeuristicTriager, heuristicTriage } from './HeuristicTriager.js';
