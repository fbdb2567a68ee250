export { createWebHandler, defaultPublicDir, REVIEW_PAGE_CSP, type WebHandlerOptions } from './createWebHandler.js';
