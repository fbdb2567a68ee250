export { EXAMPLE_SOURCES, type ExampleSource, type LabelledIncident, type DropReason } from './types.js';
export { FINETUNE_FORMATS, toRecord, parseRecord, type FinetuneFormat, type FinetuneRecord, type AlpacaRecord, type ShareGptRecord, type ChatMlRecord, type ParsedRecord } from './exportFormats.js';
export {
  buildDataset,
  answerJson,
  BALANCE_MODES,
  DEFAULT_MAX_ANSWER_TOKENS,
  DEFAULT_CAP_FACTOR,
  DEFAULT_MIN_CAP,
  type BalanceMode,
  type BuildDatasetOptions,
  type BuiltDataset,
  type BuiltExample,
} from './buildDataset.js';
export { writeFinetuneDataset, datasetCard, renderCard, DATASET_CARD_FILE, type DatasetCard, type DatasetCardSettings, type FinetuneFile } from './writeFinetuneDataset.js';
export { TransitionScorer, type TransitionScorerOptions, type TransitionScore } from './TransitionScorer.js';
export { syntheticLabelledIncidents, type SyntheticSourceOptions, type SyntheticSourceResult } from './syntheticIncidents.js';
export { syntheticAnswer, SYNTHETIC_CONFIDENCE } from './syntheticAnswer.js';
export { reviewedLabelledIncidents, isReviewed, RELABELLED_CONFIDENCE, type ReviewedSourceOptions } from './reviewedLabelledIncidents.js';
export { similarIncidents, MAX_SIMILAR, MIN_OVERLAP } from '../triage/similarIncidents.js';
export { readIncidentFile } from './readIncidentFile.js';
export { listAll, readReviewedIncidents } from './readStoreIncidents.js';
export { GgufTokenCounter } from './GgufTokenCounter.js';
export { DEFAULT_BGL_TAG_MAPPING, BglTagMapping, loadBglTagMapping, type BglTagRule } from './bgl/bglTagMapping.js';
export { readBglSessions, type BglSession, type BglSessions, type BglAlert, type ReadBglOptions } from './bgl/readBglSessions.js';
export { bglLabelledIncidents, type BglSourceOptions, type BglSourceResult } from './bgl/bglLabelledIncidents.js';
export { bglAnswer, BGL_CONFIDENCE } from './bgl/bglAnswer.js';
export { deviationFeatures, NUMERIC_FEATURES, type DeviationFeatures, type DeviationFeatureOptions, type FeatureIncident } from './categories/deviationFeatures.js';
export { kMeans, squaredDistance, type KMeansOptions, type KMeansResult } from './categories/kMeans.js';
export { silhouetteScore, distanceMatrix } from './categories/silhouette.js';
export {
  discoverCategories,
  MIN_INCIDENTS,
  type DiscoverCategoriesOptions,
  type CategoryDiscovery,
  type DiscoveredCluster,
  type ClusterTemplate,
  type ClusterExample,
} from './categories/discoverCategories.js';
export { formatDiscovery } from './categories/formatDiscovery.js';
export { createFinetuneDataset, SOURCE_KINDS, FILE_FORMATS, type SourceKind, type FileFormat, type CreateFinetuneDatasetOptions, type CreatedFinetuneDataset } from './createFinetuneDataset.js';
