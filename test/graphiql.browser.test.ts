import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { FoundationCreateModelDocument } from './__generated__/graphql';
import { startApi, type TestApi } from './support/api';
import { openSubscriptions } from './support/subscriber';
import { testProvider } from './support/databases';

// A person opens GraphiQL in a real browser, enters a token and runs a query, with the
// network cut off: the page must need nothing but the gateway. One database is enough here.
function findChromium(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
const executablePath = testProvider() === 'sqlite' ? findChromium() : null;
if (testProvider() === 'sqlite' && !executablePath) {
  console.warn(
    'SKIPPED test/graphiql.browser.test.ts: no chromium binary (`command -v chromium` found none; on Debian: apt-get install chromium)',
  );
}
const describeBrowser = executablePath ? describe : describe.skip;

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);

/** A dashboard's own web server: one page on its own origin (another port is another origin). */
async function startPageServer(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>dashboard</title><p>dashboard</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { origin: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, server };
}
const SCREENSHOT = join(tmpdir(), 'modelgate-graphiql.png');

describeBrowser('GraphiQL in headless Chromium, offline', () => {
  let api: TestApi;
  let context: BrowserContext;
  let page: Page;
  let dashboard: { origin: string; server: Server };
  let stranger: { origin: string; server: Server };
  const userDataDir = mkdtempSync(join(tmpdir(), 'modelgate-chromium-'));
  /** Every request the page tried to send off this machine. */
  const external: string[] = [];

  beforeAll(async () => {
    [dashboard, stranger] = await Promise.all([startPageServer(), startPageServer()]);
    api = await startApi({ CORS_ORIGINS: dashboard.origin });
    await api.data(FoundationCreateModelDocument, { input: { name: 'browser-visible-model', description: 'seen through GraphiQL' } });
    // A fresh profile directory: nothing remembered from an earlier run (GraphiQL keeps tabs in it).
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: executablePath!,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === 'data:' || url.protocol === 'blob:' || LOCAL_HOSTS.has(url.hostname)) return route.continue();
      external.push(url.href);
      return route.abort('internetdisconnected');
    });
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await api?.stop();
    dashboard?.server.close();
    stranger?.server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  });

  /** Replaces the text of a GraphiQL (Monaco) editor as a person would: click, select all, type. */
  async function replaceEditorText(editor: string, text: string): Promise<void> {
    await page.locator(editor).click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    // insertText types the string as one input, so the editor adds no closing brackets of its own.
    await page.keyboard.insertText(text);
  }

  it('opens offline on an empty Headers editor and loads the schema without a token', async () => {
    const response = await page.goto(`${api.url}/graphql`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    await page.locator('.graphiql-query-editor .monaco-editor').first().waitFor({ timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    // The example tells a newcomer where the token goes ...
    expect(await page.locator('.graphiql-query-editor').innerText()).toContain('Authorization');
    // ... and the page shows no error: its introspection (docs, completion) went through.
    expect(await page.locator('.graphiql-response').innerText()).not.toMatch(/UNAUTHENTICATED|errors|BAD_USER_INPUT/);
    // The page bundles GraphiQL and Monaco: it travels compressed, a fraction of its size.
    const navigation = await page.evaluate(() => {
      const entry = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { transferSize: entry.transferSize, encodedBodySize: entry.encodedBodySize, decodedBodySize: entry.decodedBodySize };
    });
    console.log(`GraphiQL page: ${navigation.decodedBodySize} bytes, ${navigation.transferSize} bytes transferred`);
    expect(navigation.decodedBodySize).toBeGreaterThan(1_000_000);
    expect(navigation.transferSize).toBeLessThan(navigation.decodedBodySize / 3);
    expect(response?.headers()['content-encoding']).toMatch(/^(br|gzip)$/);
  });

  /** Types the token into the Headers editor (opening the tab unless it is open already). */
  async function enterToken(): Promise<void> {
    const headersEditor = '.graphiql-editor-tool .monaco-editor >> visible=true';
    await page.getByRole('button', { name: 'Headers' }).click();
    if (!(await page.locator(headersEditor).count())) await page.getByRole('button', { name: 'Headers' }).click();
    await replaceEditorText(headersEditor, JSON.stringify({ Authorization: `Bearer ${api.adminToken}` }));
  }

  /** Runs the editor's operation and waits for the model's description in the result pane. */
  async function runAndSeeResult(): Promise<string> {
    // GraphiQL parses the editor's text after a short debounce to learn the operation's name.
    await page.locator('.graphiql-tab', { hasText: 'BrowserModel' }).waitFor({ timeout: 10_000 });
    await page.waitForTimeout(500);
    await page.getByRole('button', { name: /Execute query/ }).click();
    try {
      await page.locator('.graphiql-response', { hasText: 'seen through GraphiQL' }).waitFor({ timeout: 20_000 });
    } finally {
      await page.screenshot({ path: SCREENSHOT }); // what the page showed, for a person to look at
    }
    return page.locator('.graphiql-response').innerText();
  }

  const QUERY = 'query BrowserModel { registeredModel(name: "browser-visible-model") { name description } }';

  it('runs a query with the token typed into the headers editor and shows the result', async () => {
    if (!page.url().endsWith('/graphql')) await page.goto(`${api.url}/graphql`, { waitUntil: 'load' });
    await page.locator('.graphiql-query-editor .monaco-editor').first().waitFor({ timeout: 30_000 });
    await enterToken();
    await replaceEditorText('.graphiql-query-editor .monaco-editor', QUERY);
    const text = await runAndSeeResult();
    expect(text).toContain('browser-visible-model');
    expect(text).not.toContain('UNAUTHENTICATED');
  });

  it('survives a reload: the URL GraphiQL wrote (?query=...) opens GraphiQL with that query, which runs again', async () => {
    // GraphiQL keeps the operation in the address bar; a reload or a shared link sends it to the server.
    await page.waitForURL(/\/graphql\?.*query=/, { timeout: 10_000 });
    const shared = page.url();
    const response = await page.reload({ waitUntil: 'load' });
    // Not a 304: Playwright's request routing (the offline guard) turns the browser's cache off.
    // The ETag revalidation is checked in test/http.test.ts.
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/^text\/html/);
    await page.locator('.graphiql-query-editor .monaco-editor').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('.graphiql-query-editor').innerText()).toContain('browser-visible-model');
    expect(page.url()).toBe(shared);
    // The token is not kept (shouldPersistHeaders is off): the person enters it again.
    await enterToken();
    expect(await runAndSeeResult()).toContain('browser-visible-model');
  });

  it('opens a shared link with the query from its URL', async () => {
    const link = `${api.url}/graphql?query=${encodeURIComponent('query SharedLink { viewer { name roles } }')}`;
    expect((await page.goto(link, { waitUntil: 'load' }))?.status()).toBe(200);
    await page.locator('.graphiql-tab', { hasText: 'SharedLink' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('.graphiql-query-editor').innerText()).toContain('viewer');
  });

  /** From a page on `origin`, a script's fetch of the API with a token (so the browser sends a preflight). */
  async function crossOriginFetch(
    origin: string,
  ): Promise<{ ok: true; body: unknown; requestId: string | null } | { ok: false; error: string }> {
    const other = await context.newPage();
    try {
      await other.goto(origin, { waitUntil: 'load' });
      return await other.evaluate(
        async ({ url, token }) => {
          try {
            const response = await fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({ query: '{ registeredModel(name: "browser-visible-model") { description } }' }),
            });
            return { ok: true as const, body: await response.json(), requestId: response.headers.get('x-request-id') };
          } catch (error) {
            return { ok: false as const, error: String(error) };
          }
        },
        { url: `${api.url}/graphql`, token: api.adminToken },
      );
    } finally {
      await other.close();
    }
  }

  it('lets a dashboard on an allowed origin call the API with a token, and read x-request-id', async () => {
    const result = await crossOriginFetch(dashboard.origin);
    expect(result).toEqual({
      ok: true,
      body: { data: { registeredModel: { description: 'seen through GraphiQL' } } },
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('lets the browser refuse the response to a page on an origin not in CORS_ORIGINS', async () => {
    const result = await crossOriginFetch(stranger.origin);
    expect(result).toEqual({ ok: false, error: expect.stringContaining('Failed to fetch') });
  });

  it('runs a subscription that shows an event made by another client', async () => {
    if (!page.url().endsWith('/graphql')) await page.goto(`${api.url}/graphql`, { waitUntil: 'load' });
    await page.locator('.graphiql-query-editor .monaco-editor').first().waitFor({ timeout: 30_000 });
    const headersEditor = '.graphiql-editor-tool .monaco-editor >> visible=true';
    if (!(await page.locator(headersEditor).count())) await page.getByRole('button', { name: 'Headers' }).click();
    await replaceEditorText(headersEditor, JSON.stringify({ Authorization: `Bearer ${api.adminToken}` }));
    await replaceEditorText(
      '.graphiql-query-editor .monaco-editor',
      'subscription BrowserEvents { registryEvents(filter: { actions: ["MODEL_CREATED"] }) { action modelName } }',
    );
    await page.locator('.graphiql-tab', { hasText: 'BrowserEvents' }).waitFor({ timeout: 10_000 });
    await page.waitForTimeout(500);
    await page.getByRole('button', { name: /Execute query/ }).click();
    await openSubscriptions(api.url, 1);

    await api.data(FoundationCreateModelDocument, { input: { name: 'created-while-watching' } });
    try {
      await page.locator('.graphiql-response', { hasText: 'created-while-watching' }).waitFor({ timeout: 20_000 });
    } finally {
      await page.screenshot({ path: SCREENSHOT.replace('.png', '-subscription.png') });
    }
    expect(await page.locator('.graphiql-response').innerText()).toContain('MODEL_CREATED');
  });

  it('attempted no request off this machine', () => {
    expect(external).toEqual([]);
  });
});
