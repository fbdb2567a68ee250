import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebHandler, defaultPublicDir, REVIEW_PAGE_CSP } from '../../src/web/index.js';

describe('createWebHandler', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.use(createWebHandler());
    // What the API app answers for anything the page does not have.
    app.use((req, res) => {
      res.status(404).json({ error: { code: 'not_found', message: `nothing at ${req.method} ${req.path}` } });
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('serves the page at / with a strict CSP, nosniff and revalidating cache headers', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(REVIEW_PAGE_CSP);
    expect(REVIEW_PAGE_CSP).toContain("default-src 'self'");
    expect(REVIEW_PAGE_CSP).toContain("script-src 'self'");
    expect(REVIEW_PAGE_CSP).not.toContain('unsafe-inline');
    expect(REVIEW_PAGE_CSP).toContain("require-trusted-types-for 'script'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();
    expect(await res.text()).toContain('<script type="module" src="app.js"></script>');

    // A browser's revalidation. (fetch would add `Cache-Control: no-cache` to a conditional request, which forces a full answer.)
    const again = await fetch(`${base}/`, { headers: { 'If-None-Match': etag!, 'Cache-Control': 'max-age=0' } });
    expect(again.status).toBe(304);
  });

  it('serves the modules and the stylesheet with their types', async () => {
    const js = await fetch(`${base}/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    const css = await fetch(`${base}/style.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('passes on what it does not have: other paths, other methods, paths outside its folder', async () => {
    for (const [method, path] of [
      ['GET', '/api/incidents'],
      ['GET', '/nope.js'],
      ['POST', '/'],
      ['GET', '/%2e%2e/package.json'],
      ['GET', '/..%2f..%2fpackage.json'],
    ] as const) {
      const res = await fetch(`${base}${path}`, { method });
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
      expect(res.headers.get('content-security-policy')).toBeNull();
    }
  });

  it('ships markup without inline script, inline handlers or inline styles, and modules without HTML sinks', () => {
    const dir = defaultPublicDir();
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    for (const script of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? []) expect(script).toMatch(/^<script type="module" src="[\w.]+"><\/script>$/);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
      const source = readFileSync(join(dir, file), 'utf8');
      expect([file, source]).not.toEqual([file, expect.stringMatching(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/)]);
    }
  });
});
