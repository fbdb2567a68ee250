export { loadTaxonomy, defaultTaxonomyPath, type Taxonomy } from './taxonomy.js';
