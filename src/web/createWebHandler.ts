import { join } from 'node:path';
import express from 'express';
import type { Response, Router } from 'express';
import { packageRoot } from '../util/packageRoot.js';

/** Options of {@link createWebHandler}. */
export interface WebHandlerOptions {
  /** Folder of the page's static files. Default `<package root>/src/web/public` (the same from the sources and from dist/). */
  publicDir?: string;
}

/**
 * The review page's Content-Security-Policy: everything from the page's own origin, no inline
 * script or style, no plugins, no framing. `require-trusted-types-for 'script'` with no policy makes
 * the browser refuse any string written to an HTML sink (`innerHTML`, `outerHTML`,
 * `insertAdjacentHTML`, `document.write`), so log text can only ever reach the page as text.
 */
export const REVIEW_PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** The default folder of the page's static files. */
export function defaultPublicDir(): string {
  return join(packageRoot(), 'src', 'web', 'public');
}

function setPageHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', REVIEW_PAGE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  // The files have no content hash in their names (no build step), so a cached copy must be
  // revalidated (ETag / Last-Modified, answered 304) on every use: an upgrade never mixes an old
  // app.js with a new index.html, and a revalidation costs one small round trip.
  res.setHeader('Cache-Control', 'no-cache');
}

/**
 * The review page: a single-page app served as static files (HTML, ES modules, CSS) from
 * `publicDir`, meant to be mounted at `/` next to the API under `/api`. It answers GET and HEAD for
 * the files it has and passes every other request on (`next()`), so the API's routes and 404s are
 * untouched. Every file it serves carries {@link REVIEW_PAGE_CSP}, `nosniff` and `no-cache`.
 */
export function createWebHandler(options: WebHandlerOptions = {}): Router {
  const router = express.Router();
  router.use(
    express.static(options.publicDir ?? defaultPublicDir(), {
      index: 'index.html',
      dotfiles: 'ignore',
      etag: true,
      lastModified: true,
      cacheControl: false,
      redirect: false,
      fallthrough: true,
      setHeaders: setPageHeaders,
    }),
  );
  return router;
}
