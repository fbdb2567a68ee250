export { loadTaxonomy, defaultTaxonomyPath, type Taxonomy } from './taxonomy.js';
export * from './gguf/index.js';
