import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HOSTILE_LINES } from './fixtures.js';
import { startReviewServer, TEST_WORKER, type ReviewServer } from './reviewServer.js';

const CHROMIUM = process.env.LOGTRIAGE_TEST_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SKIP_REASON = `no chromium binary at ${CHROMIUM} (install chromium or set LOGTRIAGE_TEST_CHROMIUM)`;
if (!HAVE_CHROMIUM) console.warn(`review page browser tests skipped: ${SKIP_REASON}`);

const SCREENSHOT = join(process.cwd(), 'test-artifacts', 'review-page.png');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The page polls every 5 s; a live change must show within two polls. */
const LIVE_TIMEOUT_MS = 12_000;

describe.skipIf(!HAVE_CHROMIUM)(`review page in headless chromium${HAVE_CHROMIUM ? '' : ` (skipped: ${SKIP_REASON})`}`, () => {
  let server: ReviewServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** What went wrong in the page during a test: alerts, uncaught errors, console errors (CSP violations among them). */
  let dialogs: string[];
  let pageErrors: string[];
  let consoleErrors: string[];
  /** Console errors a test expects (the browser logs every 4xx answer as a failed load). */
  let expectedConsole: RegExp | undefined;

  const items = (): Locator => page.locator('#incident-list button[data-id]');
  const item = (key: string): Locator => page.locator(`#incident-list button[data-id="${server.id(key)}"]`);
  const view = (): Locator => page.locator('#incident');

  async function count(locator: Locator, n: number, timeout = 10_000): Promise<void> {
    await expect.poll(() => locator.count(), { timeout }).toBe(n);
  }

  /** Opens the page and waits for the first page of the list. */
  async function load(hash = ''): Promise<void> {
    await page.goto(`${server.url}${hash}`);
    await page.locator('#updated', { hasText: /updated \d\d:\d\d:\d\d/ }).waitFor();
  }

  /** Waits until the incident view shows fixture `key`, loaded. */
  async function shown(key: string): Promise<void> {
    await page.locator(`#incident[data-incident-id="${server.id(key)}"][aria-busy="false"]`).waitFor();
  }

  async function open(key: string): Promise<void> {
    await item(key).click();
    await shown(key);
  }

  const reviewState = (): Locator => page.locator('#review-state');
  // Expressions, not functions: the project's type check has no DOM library.
  const focusedId = (): Promise<string | undefined> => page.evaluate<string | undefined>('document.activeElement?.id');

  beforeAll(async () => {
    server = await startReviewServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    dialogs = [];
    pageErrors = [];
    consoleErrors = [];
    expectedConsole = undefined;
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  });

  afterEach(async () => {
    await context.close();
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((text) => !expectedConsole?.test(text))).toEqual([]);
  });

  it('lists the newest incidents first with category, severity and summary, and loads the next page by cursor', async () => {
    await load();
    await count(items(), 50);
    const first = items().nth(0);
    expect(await first.getAttribute('data-id')).toBe(server.id('pending'));
    expect(await first.textContent()).toContain('not triaged yet');
    const second = items().nth(1);
    expect(await second.getAttribute('data-id')).toBe(server.id('hdfs'));
    expect(await second.textContent()).toContain('data_corruption');
    expect(await second.textContent()).toContain('critical');
    expect(await second.textContent()).toContain('Corrupt replica of blk_-1608999687919862906');
    expect(await page.locator('#list-count').textContent()).toBe('50 incidents shown, more available');
    await page.locator('#stats', { hasText: /^57 incidents · 1 pending triage · 57 unreviewed · 6 in the last 24 h$/ }).waitFor();

    await page.locator('#load-more').click();
    await count(items(), 57);
    expect(await page.locator('#load-more').isHidden()).toBe(true);
    expect(await page.locator('#list-count').textContent()).toBe('57 incidents shown');
  });

  it('narrows the list by triage state, severity, category, service, review state, text and time range', async () => {
    await load();
    await count(items(), 50);
    const filter = (name: string) => page.locator(`#filters [name="${name}"]`);

    await filter('status').selectOption('pending');
    await count(items(), 1);
    expect(await items().first().getAttribute('data-id')).toBe(server.id('pending'));
    await filter('status').selectOption('failed');
    await count(items(), 1);
    expect(await items().first().getAttribute('data-id')).toBe(server.id('failed'));
    await filter('status').selectOption('');

    await filter('severity').selectOption('critical');
    await count(items(), 1);
    expect(await items().first().getAttribute('data-id')).toBe(server.id('hdfs'));
    await filter('severity').selectOption('');

    // The category picker lists the taxonomy with counts.
    expect(await filter('category').locator('option', { hasText: 'timeout (1)' }).count()).toBe(1);
    await filter('category').selectOption('timeout');
    await count(items(), 1);
    expect(await items().first().getAttribute('data-id')).toBe(server.id('checkout'));
    await filter('category').selectOption('');

    await filter('service').fill('orders');
    await count(items(), 1);
    expect(await items().first().getAttribute('data-id')).toBe(server.id('deadlock'));
    await filter('service').fill('');
    await expect.poll(() => page.url()).not.toContain('service=');

    await filter('q').fill('SQLSTATE 40P01');
    // Text fields apply after a pause; the URL says when they have.
    await expect.poll(() => page.url()).toMatch(/#q=SQLSTATE\+40P01$/);
    await count(items(), 1);
    expect(await items().first().getAttribute('data-id')).toBe(server.id('deadlock'));
    await filter('q').fill('');
    await expect.poll(() => page.url()).not.toContain('q=');

    await filter('review').selectOption('false_positive');
    await count(items(), 0);
    expect(await page.locator('#list-count').textContent()).toBe('No incidents match these filters.');
    await filter('review').selectOption('');

    // The last 24 hours: the six recent incidents, not the gateway one (50 h) nor the reports (60 h+).
    const dayAgo = new Date(Date.now() - 24 * 3_600_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    const local = `${dayAgo.getFullYear()}-${pad(dayAgo.getMonth() + 1)}-${pad(dayAgo.getDate())}T${pad(dayAgo.getHours())}:${pad(dayAgo.getMinutes())}:00`;
    await filter('from').fill(local);
    await count(items(), 6);
    expect(await item('old').count()).toBe(0);

    // The filters live in the URL: a reload shows the same list.
    await page.reload();
    await count(items(), 6);
    expect(new Date(await filter('from').inputValue()).getTime()).toBe(new Date(local).getTime());

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await count(items(), 50);
  });

  it('shows an incident: its lines with the unexpected events highlighted and what the model expected, the score and the triage', async () => {
    await load();
    await open('hdfs');
    const lines = page.locator('#lines li.line');
    await count(lines, 6);
    expect(await lines.nth(0).textContent()).toContain('Receiving block blk_-1608999687919862906 src: /10.251.71.16:51590');

    const unexpected = page.locator('#lines li.line.unexpected');
    expect(await Promise.all((await unexpected.all()).map((row) => row.getAttribute('data-index')))).toEqual(['3', '4']);
    const atThree = page.locator('#line-3');
    expect(await atThree.locator('.line-text').textContent()).toContain('Got exception while serving blk_-1608999687919862906');
    // Expected events by their template text, where the session has it, with probabilities.
    // T3 occurs in this session, so its text is known; T4 and T5 do not, so they are shown by id.
    expect(await atThree.locator('.expected-item').allTextContents()).toEqual(['PacketResponder <*> for block <*> terminating 71%', 'template T4 18%']);
    expect(await page.locator('#line-4 .expected-item').allTextContents()).toEqual(['template T5 64%']);
    expect(await page.locator('#line-2').getAttribute('class')).toBe('line');
    expect(await page.locator('#lines li.line.cited').count()).toBe(2);

    expect((await view().locator('.score-figure').textContent())?.replace(/\s+/g, ' ')).toBe('score 9.41 / threshold 6.2 (×1.52)');
    expect(await view().locator('#incident-title').textContent()).toBe('Corrupt replica of blk_-1608999687919862906 reported on 10.251.30.101');
    expect(await view().locator('.triage-category').textContent()).toBe('data_corruption');
    expect(await view().locator('.facts').textContent()).toContain('87%');
    expect(await view().locator('.backend').textContent()).toBe('llamacpp:qwen2.5-1.5b+lora-v3');
    expect(await view().locator('.explanation-text').textContent()).toContain('the block was reported corrupt instead');
    expect(await view().locator('.suggested-actions li').allTextContents()).toEqual([
      'Run hdfs fsck on /user/root/rand to find under-replicated blocks',
      'Check the disks of datanode 10.251.30.101',
    ]);
    expect(await view().locator('.badge.heuristic').count()).toBe(0);
    expect(await reviewState().textContent()).toBe('unreviewed');
    expect(page.url()).toContain(`incident=${server.id('hdfs')}`);

    // The end of a session as the expected event.
    await page.locator('#load-more').waitFor();
    await page.locator('#filters [name="service"]').fill('api-gateway');
    await count(items(), 1);
    await open('old');
    expect(await page.locator('#line-0 .expected-item').allTextContents()).toEqual(['end of session 40%']);
  });

  it('labels a heuristic classification, and says when triage is pending or failed', async () => {
    await load();
    await open('checkout');
    expect(await view().locator('.badge.heuristic').textContent()).toBe('heuristic');
    expect(await view().locator('.backend').textContent()).toBe('heuristic');

    await open('pending');
    expect(await view().locator('#triage-heading .badge').textContent()).toBe('pending');
    expect(await view().locator('.triage-pending').textContent()).toContain('Pending: the LLM has not classified this incident yet');
    expect(await view().locator('.explanation-text').count()).toBe(0);

    await open('failed');
    expect(await view().locator('.triage-failed').textContent()).toBe('Triage failed after 1 attempt: the LLM answered invalid JSON three times');
  });

  it('confirms, marks a false positive and relabels through the category picker; the store keeps each review', async () => {
    await load();
    await open('deadlock');
    await view().getByRole('button', { name: /^Confirm/ }).click();
    await page.locator('#review-state', { hasText: 'confirmed' }).waitFor();
    expect((await server.store.get(server.id('deadlock')))?.review).toMatchObject({ state: 'confirmed', reviewer: 'local' });
    expect(await view().locator('.reviewed-by').textContent()).toMatch(/^by local at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    await open('checkout');
    await view().getByRole('button', { name: /^False positive/ }).click();
    await page.locator('#review-state', { hasText: 'false positive' }).waitFor();
    expect((await server.store.get(server.id('checkout')))?.review.state).toBe('false_positive');
    expect(await server.store.suppressedSignatures()).toContain(server.fixtures.get('checkout')!.incident.signature);
    // The list follows: the item's badge shows the new state.
    await item('checkout').locator('.badge.review', { hasText: 'false positive' }).waitFor();

    await open('hdfs');
    await view().getByRole('button', { name: /^Relabel/ }).click();
    const picker = page.locator('#relabel-category');
    await picker.waitFor();
    const options = await picker.locator('option').allTextContents();
    expect(options).toContain('hardware_fault');
    expect(options).toHaveLength(10);
    expect(await picker.inputValue()).toBe('data_corruption');
    await picker.selectOption('hardware_fault');
    expect(await page.locator('#relabel-description').textContent()).toContain('Hardware or its drivers failed');
    await page.locator('#relabel-dialog button[type="submit"]').click();
    await page.locator('#relabel-dialog').waitFor({ state: 'hidden' });
    await page.locator('#review-state', { hasText: 'relabelled' }).waitFor();
    expect(await view().locator('.triage-category').textContent()).toBe('hardware_fault (was data_corruption)');
    expect(await view().locator('.badge.corrected').count()).toBe(1);
    expect((await server.store.get(server.id('hdfs')))?.review.corrections.category).toBe('hardware_fault');
    await item('hdfs').locator('.item-category', { hasText: 'hardware_fault' }).waitFor();
  });

  it('edits the explanation and adds a note', async () => {
    await load();
    await page.locator('#filters [name="service"]').fill('api-gateway');
    await count(items(), 1);
    await open('old');
    await view().getByRole('button', { name: /^Edit explanation/ }).click();
    const text = page.locator('#text-input');
    expect(await text.inputValue()).toBe('Connections to the catalog upstreams were refused until none was left.');
    await text.fill('The catalog deployment was scaled to zero; the gateway had no upstream left.');
    await page.locator('#text-dialog button[type="submit"]').click();
    await page.locator('#text-dialog').waitFor({ state: 'hidden' });
    await view().locator('.explanation-text', { hasText: 'scaled to zero' }).waitFor();
    expect(await view().locator('.badge.corrected').count()).toBe(1);

    await view().getByRole('button', { name: /^Note/ }).click();
    await text.fill('Seen during the 02:00 maintenance window.');
    await text.press('Control+Enter');
    await view().locator('.review-note', { hasText: 'Seen during the 02:00 maintenance window.' }).waitFor();
    expect((await server.store.get(server.id('old')))?.review.corrections).toEqual({
      explanation: 'The catalog deployment was scaled to zero; the gateway had no upstream left.',
      note: 'Seen during the 02:00 maintenance window.',
    });
  });

  it('drives triage from the keyboard: j/k, c, f, r, e, / and ?, none of them while typing', async () => {
    await load('#service=reports');
    await count(items(), 50);
    const report = (i: number) => server.id(`filler-${i}`);
    const selected = () => page.locator('#incident-list button[aria-current="true"]').getAttribute('data-id');

    await page.keyboard.press('j');
    await shown('filler-0');
    expect(await selected()).toBe(report(0));
    await page.keyboard.press('j');
    await shown('filler-1');
    await page.keyboard.press('k');
    await shown('filler-0');

    await page.keyboard.press('c');
    await page.locator('#review-state', { hasText: 'confirmed' }).waitFor();
    expect((await server.store.get(report(0)))?.review.state).toBe('confirmed');

    await page.keyboard.press('j');
    await shown('filler-1');
    await page.keyboard.press('f');
    await page.locator('#review-state', { hasText: 'false positive' }).waitFor();
    expect((await server.store.get(report(1)))?.review.state).toBe('false_positive');

    await page.keyboard.press('j');
    await shown('filler-2');
    await page.keyboard.press('r');
    await page.locator('#relabel-dialog[open]').waitFor();
    expect(await focusedId()).toBe('relabel-category');
    await page.keyboard.press('t'); // jumps to the one category starting with t
    expect(await page.locator('#relabel-category').inputValue()).toBe('timeout');
    await page.keyboard.press('Enter');
    await page.locator('#review-state', { hasText: 'relabelled' }).waitFor();
    expect((await server.store.get(report(2)))?.review.corrections.category).toBe('timeout');

    await page.keyboard.press('j');
    await shown('filler-3');
    await page.keyboard.press('e');
    await page.locator('#text-dialog[open]').waitFor();
    expect(await focusedId()).toBe('text-input');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Slow because the warehouse was vacuuming.');
    await page.keyboard.press('Control+Enter');
    await view().locator('.explanation-text', { hasText: 'warehouse was vacuuming' }).waitFor();

    // "/" focuses the search; letters typed there are text, not shortcuts.
    await page.keyboard.press('/');
    expect(await focusedId()).toBe('filter-q');
    await page.keyboard.type('jcfr');
    expect(await page.locator('#filter-q').inputValue()).toBe('jcfr');
    expect(await selected()).toBe(report(3));
    expect((await server.store.get(report(3)))?.review.state).toBe('unreviewed');
    expect(await page.locator('dialog[open]').count()).toBe(0);
    await page.locator('#filter-q').fill('');
    await page.keyboard.press('Escape'); // leaves the field
    expect(await page.evaluate<boolean>('document.activeElement === document.body')).toBe(true);

    await page.keyboard.press('?');
    await page.locator('#help-dialog[open]').waitFor();
    expect(await page.locator('#help-dialog').textContent()).toContain('false positive');
    await page.keyboard.press('j'); // no shortcut while a dialog is open
    expect(await selected()).toBe(report(3));
    await page.keyboard.press('Escape');
    await page.locator('#help-dialog').waitFor({ state: 'hidden' });
  });

  it('renders hostile log lines, summaries and explanations as text', async () => {
    await load();
    await open('hostile');
    const texts = await page.locator('#lines .line-text').allTextContents();
    expect(texts.slice(1)).toEqual([...HOSTILE_LINES]);
    expect(await page.locator('#line-2 .line-text').isVisible()).toBe(true);
    expect(await view().locator('#incident-title').textContent()).toBe('Login page rendered attacker markup <img src=x onerror=alert(2)>');
    expect(await item('hostile').locator('.item-summary').textContent()).toBe('Login page rendered attacker markup <img src=x onerror=alert(2)>');
    expect(await view().locator('.explanation-text').textContent()).toBe('A request carried markup <script>alert(3)</script> into the logs.');
    expect(await view().locator('.suggested-actions li').textContent()).toBe('<b>Block</b> the client at the WAF');
    expect(await view().locator('.suggested-actions b').count()).toBe(0);
    // Nothing became an element, and nothing ran (an onerror handler would have had time to fire).
    await page.waitForTimeout(300);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('body script').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('refreshes live: new incidents and a finished triage appear without a reload, and the selection stays', async () => {
    await load();
    await open('pending');
    const before = await page.locator('#updated').textContent();

    const added = await server.store.record({
      ...server.fixtures.get('pending')!.incident,
      sessionKey: 'search-live-1',
      service: 'search',
      detectedAt: Date.now(),
      signature: 'live-refresh-test',
    });
    const [claimed] = await server.store.claim(TEST_WORKER, 1, 60_000);
    expect(claimed?.id).toBe(server.id('pending'));
    await server.store.completeTriage(server.id('pending'), TEST_WORKER, {
      category: 'connection_failure',
      severity: 'high',
      confidence: 0.7,
      summary: 'Ledger write reset by peer after an accepted charge',
      explanation: 'The charge was accepted but the ledger connection was reset.',
      evidenceLines: [1],
      suggestedActions: [],
      backend: 'llamacpp:qwen2.5-1.5b+lora-v3',
    });

    await page.locator(`#incident-list button[data-id="${added.id}"]`).waitFor({ timeout: LIVE_TIMEOUT_MS });
    expect(await items().first().getAttribute('data-id')).toBe(added.id);
    await view().locator('.triage-category', { hasText: 'connection_failure' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    expect(await page.locator('#incident-list button[aria-current="true"]').getAttribute('data-id')).toBe(server.id('pending'));
    expect(await view().getAttribute('data-incident-id')).toBe(server.id('pending'));
    expect(await page.locator('#updated').textContent()).not.toBe(before);
  });

  it('saves a screenshot of the page as a test artifact', async () => {
    await load();
    await open('hdfs');
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    // IHDR: width and height, big-endian, right after the signature and the chunk header.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 800]);
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000);
  });

  // Last: once a token exists, every API call needs one.
  it('asks for a token on 401, keeps the pasted one for the tab, and makes 403 clear', async () => {
    const viewer = await server.store.createToken('ci-viewer', 'viewer');
    const reviewer = await server.store.createToken('ci-reviewer', 'reviewer');
    expectedConsole = /the server responded with a status of 40[134]/;

    await page.goto(server.url);
    const banner = page.locator('#banner');
    await banner.locator('#banner-text', { hasText: 'The API needs a token (401 unauthorized)' }).waitFor();
    expect(await banner.getAttribute('role')).toBe('alert');
    await count(items(), 0);

    await page.locator('#banner-token').click();
    await page.locator('#token-input').fill(viewer.token);
    await page.locator('#token-dialog button[type="submit"]').click();
    await count(items(), 50);
    expect(await banner.isHidden()).toBe(true);
    await page.locator('#whoami', { hasText: 'ci-viewer · viewer' }).waitFor();
    expect(await page.evaluate<string | null>("sessionStorage.getItem('logtriage.apiToken')")).toBe(viewer.token);

    // A viewer sees why the review buttons are disabled.
    await open('deadlock');
    expect(await view().locator('.review-blocked').textContent()).toContain('role viewer');
    expect(await view().getByRole('button', { name: /^Confirm/ }).isDisabled()).toBe(true);

    // Were the buttons enabled (an API without /api/me), the 403 says what is wrong.
    await page.route('**/api/me', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":{"code":"not_found","message":"no"}}' }));
    await page.reload();
    await count(items(), 50);
    await open('failed');
    await view().getByRole('button', { name: /^Confirm/ }).click();
    await banner.locator('#banner-text', { hasText: 'Not allowed (403 forbidden)' }).waitFor();
    expect(await banner.textContent()).toContain('has the role viewer');
    expect((await server.store.get(server.id('failed')))?.review.state).toBe('unreviewed');
    await page.unroute('**/api/me');

    await page.locator('#token-button').click();
    await page.locator('#token-input').fill(reviewer.token);
    await page.locator('#token-dialog button[type="submit"]').click();
    await page.locator('#whoami', { hasText: 'ci-reviewer · reviewer' }).waitFor();
    await page.keyboard.press('c');
    await page.locator('#review-state', { hasText: 'confirmed' }).waitFor();
    expect((await server.store.get(server.id('failed')))?.review).toMatchObject({ state: 'confirmed', reviewer: 'ci-reviewer' });
  });
});
