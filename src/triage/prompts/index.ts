export { triageOutputSchema, triageJsonSchema, parseTriageOutput, TRIAGE_OUTPUT_LIMITS, type TriageOutput, type ParseTriageOutputOptions } from './outputSchema.js';
export {
  renderTriagePrompt,
  promptBoundary,
  DEFAULT_MAX_PROMPT_TOKENS,
  DEFAULT_MAX_SIMILAR,
  TURN_OVERHEAD_TOKENS,
  type RenderTriagePromptOptions,
  type PromptIncident,
  type SimilarIncident,
} from './renderTriagePrompt.js';
export { loadPromptTemplates, defaultPromptsDir, promptVersion, LANGUAGE_INSTRUCTIONS, SYSTEM_PLACEHOLDERS, type PromptTemplates, type PromptExample } from './promptTemplates.js';
export { sanitizeLogText, quoteLogText, DEFAULT_MAX_LINE_CHARS } from './sanitizeLogText.js';
export { estimateTokens } from './estimateTokens.js';
