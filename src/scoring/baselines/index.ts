export type { SessionDetector } from './SessionDetector.js';
export { PcaDetector } from './PcaDetector.js';
export { NgramDetector } from './NgramDetector.js';
export { jacobiEigen } from './jacobiEigen.js';
