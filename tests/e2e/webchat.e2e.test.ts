import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type App, createApp } from '../../src/app.ts';
import { parseEnv } from '../../src/config/env.ts';

/**
 * The web chat as a patient sees it: the real server in-process, the real page in headless Chromium.
 * Assertions are about what is on the screen (bubbles, cards, buttons), plus the CRM row an unanswered
 * question must leave behind.
 */
const CHROMIUM = '/usr/bin/chromium';
const IN_CI = process.env.CI === 'true';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM && !IN_CI) {
  console.warn(
    '\n  SKIPPED webchat e2e: /usr/bin/chromium not found — install it with `apt-get install -y chromium` (CI installs it)\n',
  );
}

const KNOWLEDGE_DIR = fileURLToPath(new URL('../../knowledge', import.meta.url));
const REPLY_TIMEOUT = 10_000;
const INJECTION = '<img src=x onerror=alert(1)>';

/** Front matter of a knowledge article (the source of truth for what the bot answers). */
function articleMeta(lang: string, id: string): { title: string; summary: string; firstHeading: string } {
  const text = readFileSync(`${KNOWLEDGE_DIR}/${lang}/${id}.md`, 'utf8');
  const [, front = '', body = ''] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text) ?? [];
  const meta = parse(front) as { title: string; summary: string };
  const firstHeading = /^## (.+)$/m.exec(body)?.[1]?.trim() ?? '';
  return { title: meta.title, summary: meta.summary.replace(/\s+/g, ' ').trim(), firstHeading };
}

function response(lang: string, key: string): string {
  const doc = parse(readFileSync(`${KNOWLEDGE_DIR}/responses/${lang}.yaml`, 'utf8')) as {
    messages: Record<string, string>;
  };
  return (doc.messages[key] ?? '').replace(/\s+/g, ' ').trim();
}

const squash = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

describe.skipIf(!HAS_CHROMIUM && !IN_CI)('web chat (browser end to end)', () => {
  let app: App;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    if (!HAS_CHROMIUM)
      throw new Error(`Chromium is missing: ${CHROMIUM} not found (CI=true, so this is a failure, not a skip)`);
    app = await createApp(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'sqlite::memory:',
        KB_HOT_RELOAD: 'false',
        LOG_LEVEL: 'silent',
        KNOWLEDGE_DIR,
      }),
    );
    ({ url } = await app.start());
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    // Nothing may load from the internet: any request off the test server fails the page, visibly.
    await context.route(
      (u) => u.origin !== new URL(url).origin,
      (route) => route.abort(),
    );
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${url}/`);
    await page.getByTestId('message-input').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const list = () => page.getByTestId('message-list');
  const count = (testId: string) => list().getByTestId(testId).count();

  /** Types like a patient and presses Enter. */
  async function ask(text: string): Promise<void> {
    const input = page.getByTestId('message-input');
    await input.fill(text);
    await input.press('Enter');
  }

  async function waitForCount(testId: string, atLeast: number): Promise<void> {
    await page.waitForFunction(
      ([id, n]) => document.querySelectorAll(`[data-testid="message-list"] [data-testid="${id}"]`).length >= n,
      [testId, atLeast] as const,
      { timeout: REPLY_TIMEOUT },
    );
  }

  it('shows the page: title, emergency note, labelled input, disabled send, log region', async () => {
    expect(await page.title()).toContain('Sehat');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(squash(await page.locator('header').textContent())).toContain(
      'Not for emergencies: call 112/119 (ID), 999 (MY), 991 (BN)',
    );
    const input = page.getByTestId('message-input');
    expect(await input.getAttribute('placeholder')).toBe('Type your question…');
    expect(await page.getByLabel('Your question').count()).toBe(1);
    expect(await page.getByTestId('send-button').isDisabled()).toBe(true);
    expect(await list().getAttribute('role')).toBe('log');
    expect(await list().getAttribute('aria-live')).toBe('polite');
    // Shift+Enter is a new line, not a send.
    await input.fill('a');
    await input.press('Shift+Enter');
    await input.pressSequentially('b');
    expect(await input.inputValue()).toBe('a\nb');
    expect(await count('bubble-in')).toBe(0);
    expect(await page.getByTestId('send-button').isEnabled()).toBe(true);
    await input.fill('');
    expect(await page.getByTestId('send-button').isDisabled()).toBe(true);
  });

  it('answers an English question with the diabetes article card and its source link', async () => {
    const en = articleMeta('en', 'diabetes-basics');
    await ask('what is a normal blood sugar level?');
    const mine = list().getByTestId('bubble-in').last();
    expect(await mine.textContent()).toBe('what is a normal blood sugar level?');
    await waitForCount('article-card', 1);
    const card = list().getByTestId('article-card').last();
    expect(await card.locator('h2').textContent()).toMatch(/diabetes/i);
    expect(await card.locator('h2').textContent()).toBe(en.title);
    expect(squash(await card.textContent())).toContain(en.summary.slice(0, 80));
    const source = card.locator('.card-source a').first();
    expect(await source.getAttribute('href')).toMatch(/^https:\/\//);
    expect(await source.getAttribute('target')).toBe('_blank');
    expect(await source.getAttribute('rel')).toBe('noopener noreferrer');
    expect(squash(await card.locator('.card-source').textContent())).toMatch(/^Source:/);
    // The card sits in a bot bubble; the patient's bubble is acknowledged; the typing dots are gone.
    expect(
      await list()
        .getByTestId('bubble-out')
        .filter({ has: page.getByTestId('article-card') })
        .count(),
    ).toBe(1);
    await page.waitForFunction(
      () => [...document.querySelectorAll('.row-in .status')].at(-1)?.textContent === 'sent',
      null,
      {
        timeout: REPLY_TIMEOUT,
      },
    );
    await page.getByTestId('typing').waitFor({ state: 'hidden', timeout: REPLY_TIMEOUT });
  });

  it('answers in Bahasa Indonesia with the Indonesian article', async () => {
    const id = articleMeta('id', 'diabetes-basics');
    await ask('gula darah normal berapa?');
    await waitForCount('article-card', 2);
    const card = list().getByTestId('article-card').last();
    expect(await card.locator('h2').textContent()).toBe(id.title);
    expect(await card.locator('h2').textContent()).toContain('Diabetes');
    expect(squash(await card.locator('.card-summary').textContent())).toContain(id.summary.slice(0, 100));
  });

  it('sends the next section when the patient presses More', async () => {
    const id = articleMeta('id', 'diabetes-basics');
    const more = list().getByTestId('choice-button').last();
    const label = (await more.textContent()) ?? '';
    expect(label.length).toBeGreaterThan(0);
    const before = await count('bubble-out');
    await more.click();
    expect(await list().getByTestId('bubble-in').last().textContent()).toBe(label);
    await waitForCount('bubble-out', before + 1);
    const section = list().getByTestId('bubble-out').last();
    // The heading arrives as **bold** markdown and must be rendered as <strong>, not as asterisks.
    expect(squash(await section.locator('strong').first().textContent())).toBe(id.firstHeading);
    expect(await section.textContent()).not.toContain('**');
  });

  it('hands a question it cannot answer to the educators and records it in the CRM', async () => {
    const notUnderstood = ['en', 'id'].map((lang) => response(lang, 'not_understood').slice(0, 40));
    const before = await count('bubble-out');
    await ask('qwxz blorft zzkv');
    // Other replies may follow (e.g. the hand-off notice, which depends on the educators' working hours).
    await page.waitForFunction(
      ([n, starts]) =>
        [...document.querySelectorAll('[data-testid="message-list"] [data-testid="bubble-out"]')]
          .slice(n)
          .some((b) => starts.some((start) => (b.textContent ?? '').replace(/\s+/g, ' ').trim().startsWith(start))),
      [before, notUnderstood] as const,
      { timeout: REPLY_TIMEOUT },
    );
    await expect
      .poll(async () => (await app.crm.listUnanswered()).map((q) => q.text), { timeout: REPLY_TIMEOUT })
      .toContain('qwxz blorft zzkv');
  });

  it('restores the conversation after a reload', async () => {
    const snapshot = () =>
      page.evaluate(() => {
        const q = (id: string) => [...document.querySelectorAll(`[data-testid="message-list"] [data-testid="${id}"]`)];
        return {
          in: q('bubble-in').map((e) => e.textContent),
          out: q('bubble-out').length,
          cards: q('article-card').length,
          lastOut: q('bubble-out').at(-1)?.textContent,
        };
      });
    const session = await page.evaluate(() => localStorage.getItem('sehat.session'));
    expect(session).toBeTruthy();
    // Wait until every message the CRM holds for this patient is on screen (one row per message).
    const conversation = await app.crm.findConversationByKey(`webchat:${session}`);
    const stored = async () =>
      (await app.crm.listMessages(conversation!.id)).filter((m) => m.direction === 'in' || m.status !== 'failed')
        .length;
    await expect
      .poll(async () => (await stored()) - (await list().locator(':scope > .row').count()), { timeout: REPLY_TIMEOUT })
      .toBe(0);
    const before = await snapshot();
    expect(before.in.length).toBe(4);
    await page.reload();
    await waitForCount('bubble-out', before.out);
    expect(await snapshot()).toEqual(before);
    expect(await page.evaluate(() => localStorage.getItem('sehat.session'))).toBe(session);
  });

  it('shows a polite error notice for a rejected message and stays usable', async () => {
    await ask('x'.repeat(2001)); // over WEBCHAT_MAX_TEXT_LENGTH (2000)
    const notice = page.getByTestId('error-notice');
    await notice.waitFor({ state: 'visible', timeout: REPLY_TIMEOUT });
    expect(await notice.getAttribute('role')).toBe('alert');
    expect(await notice.textContent()).toMatch(/too long/);
    expect(await page.locator('.row-in .status').last().textContent()).toBe('not sent');
    await notice.getByRole('button').click();
    await notice.waitFor({ state: 'hidden' });
  });

  it('shows an HTML injection attempt as literal text', async () => {
    const before = await count('bubble-out');
    await ask(INJECTION);
    await waitForCount('bubble-out', before + 1);
    expect(await list().getByTestId('bubble-in').last().textContent()).toBe(INJECTION);
    expect(await list().locator('img').count()).toBe(0);
    await page.reload(); // and again when it comes back from the server as history
    await waitForCount('bubble-out', before + 1);
    expect(await list().getByTestId('bubble-in').filter({ hasText: INJECTION }).count()).toBe(1);
    expect(await list().locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('shows an educator reply with the name and renders its markdown safely', async () => {
    const session = await page.evaluate(() => localStorage.getItem('sehat.session'));
    const webchat = app.channels.get('webchat')!;
    const before = await count('bubble-out');
    // What an educator's reply looks like on the wire: sent through the real web chat adapter.
    await webchat.send({
      key: `webchat:${session}`,
      sender: { kind: 'educator', educatorId: 'edu-1', name: 'Ns. Rina' },
      correlationId: 'e2e-educator',
      parts: [
        {
          kind: 'text',
          markdown: [
            'Hello, I am **Rina**, a _health educator_. Please read *this*:',
            '• [WHO diabetes](https://www.who.int/health-topics/diabetes)',
            '- [bad link](javascript:alert(2))',
            '* see https://www.who.int/news-room. <script>alert(3)</script>',
            'Keep file_name_here and 2*3*4 as typed.',
          ].join('\n'),
        },
      ],
    });
    await waitForCount('bubble-out', before + 1);
    const row = list().locator('.row-out').last();
    expect(squash(await row.locator('.sender').textContent())).toBe('Ns. Rina');
    const bubble = row.getByTestId('bubble-out');
    expect(await bubble.locator('strong').textContent()).toBe('Rina');
    expect(await bubble.locator('em').allTextContents()).toEqual(['health educator', 'this']);
    expect(await bubble.locator('li').count()).toBe(3);
    const links = await bubble.locator('a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(links).toEqual(['https://www.who.int/health-topics/diabetes', 'https://www.who.int/news-room']);
    expect(await bubble.textContent()).toContain('[bad link](javascript:alert(2))');
    expect(await bubble.textContent()).toContain('<script>alert(3)</script>');
    expect(await bubble.textContent()).toContain('Keep file_name_here and 2*3*4 as typed.');
    expect(await bubble.locator('script').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('keeps text contrast at 4.5:1 or more', async () => {
    // Computed colours of what is on screen, against the first opaque background behind each element.
    const { problems, checked } = await page.evaluate(() => {
      const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).map(Number);
      const luminance = ([r = 0, g = 0, b = 0]: number[]) => {
        const c = [r, g, b].map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
        return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
      };
      const background = (el: Element | null): string => {
        for (let node = el; node; node = node.parentElement) {
          const bg = getComputedStyle(node).backgroundColor;
          if (rgb(bg)[3] !== 0 && bg !== 'transparent') return bg;
        }
        return 'rgb(255, 255, 255)';
      };
      const selectors = [
        '.app-title',
        '.emergency',
        '.bubble-in',
        '.bubble-out p',
        '.bubble-out li',
        '.bubble-out a',
        '.card-title',
        '.card-summary p',
        '.card-source',
        '.sender',
        '.status',
        '.choice',
        '.send',
      ];
      const problems: string[] = [];
      let checked = 0;
      for (const selector of selectors) {
        for (const el of document.querySelectorAll(selector)) {
          const [l1, l2] = [luminance(rgb(getComputedStyle(el).color)), luminance(rgb(background(el)))].sort(
            (a, b) => b - a,
          );
          const ratio = (l1! + 0.05) / (l2! + 0.05);
          checked += 1;
          if (ratio < 4.5) problems.push(`${selector}: ${ratio.toFixed(2)}`);
        }
      }
      return { problems, checked };
    });
    expect(checked).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  it('fits a 360 px phone screen without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 360, height: 640 });
    await page.screenshot({ path: '/tmp/webchat-mobile.png' });
    const layout = await page.evaluate(() => {
      const scroller = document.getElementById('scroller')!;
      const widest = Math.max(...[...document.querySelectorAll('.app *')].map((e) => e.getBoundingClientRect().right));
      return {
        page: document.scrollingElement!.scrollWidth,
        list: scroller.scrollWidth - scroller.clientWidth,
        widest,
      };
    });
    expect(layout.page).toBeLessThanOrEqual(360);
    expect(layout.list).toBeLessThanOrEqual(0); // nothing clipped sideways inside the message list either
    expect(layout.widest).toBeLessThanOrEqual(360);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: '/tmp/webchat-desktop.png' });
  });

  it('re-sends a message lost with a dropped connection, and shows and stores it once', async () => {
    const flaky = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    let connections = 0;
    let lose: 'message' | 'ack' | null = null;
    // A proxy between page and server that can drop one frame and cut the connection, like a phone losing signal.
    await flaky.routeWebSocket(/\/webchat\/socket$/, (ws) => {
      connections += 1;
      const server = ws.connectToServer();
      ws.onMessage((data) => {
        if (lose === 'message' && String(data).includes('"type":"message"')) {
          lose = null;
          void ws.close();
        } else server.send(data);
      });
      server.onMessage((data) => {
        if (lose === 'ack' && String(data).includes('"type":"ack"')) {
          lose = null;
          void ws.close();
        } else ws.send(data);
      });
    });
    try {
      const patient = await flaky.newPage();
      patient.on('pageerror', (error) => pageErrors.push(`flaky: ${error.message}`));
      await patient.goto(`${url}/`);
      const connected = () =>
        patient.waitForFunction(() => document.getElementById('connection')?.textContent === '', null, {
          timeout: REPLY_TIMEOUT,
        });
      const lastStatusIsSent = () =>
        patient.waitForFunction(
          () => [...document.querySelectorAll('.row-in .status')].at(-1)?.textContent === 'sent',
          null,
          {
            timeout: REPLY_TIMEOUT,
          },
        );
      const say = async (text: string) => {
        await patient.getByTestId('message-input').fill(text);
        await patient.getByTestId('message-input').press('Enter');
      };
      await connected();

      // 1. The message never reaches the server: it stays "sending…", and goes out again after the reconnect.
      lose = 'message';
      await say('what is dengue?');
      await lastStatusIsSent();
      expect(connections).toBe(2);
      await patient.getByTestId('bubble-out').last().waitFor({ timeout: REPLY_TIMEOUT });

      // 2. The message arrives but its ack is lost: it is re-sent (the server dedupes it) and not drawn twice.
      const repliesBefore = await patient.getByTestId('bubble-out').count();
      lose = 'ack';
      await say('how do I prevent dengue?');
      await patient.waitForFunction(
        (n) => document.querySelectorAll('[data-testid="bubble-out"]').length > n,
        repliesBefore,
        { timeout: REPLY_TIMEOUT },
      );
      await connected();
      expect(connections).toBe(3);
      await patient.waitForFunction(
        () => !document.querySelector('.row-in .status')?.textContent?.includes('…'),
        null,
        {
          timeout: REPLY_TIMEOUT,
        },
      );
      expect(await patient.getByTestId('bubble-in').allTextContents()).toEqual([
        'what is dengue?',
        'how do I prevent dengue?',
      ]);

      const session = await patient.evaluate(() => localStorage.getItem('sehat.session'));
      const conversation = await app.crm.findConversationByKey(`webchat:${session}`);
      const inbound = (await app.crm.listMessages(conversation!.id))
        .filter((m) => m.direction === 'in')
        .map((m) => m.text);
      expect(inbound).toEqual(['what is dengue?', 'how do I prevent dengue?']);
    } finally {
      await flaky.close();
    }
  });

  it('embeds on a clinic site through widget.js, keyboard first', async () => {
    // The clinic's site is another origin: a second tiny server stands in for it.
    const clinicSite = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.end(
        `<!doctype html><html lang="en"><body><h1>Klinik Contoh</h1><script src="${url}/widget.js" data-title="Ask our health educator"></script></body></html>`,
      );
    });
    await new Promise<void>((resolve) => clinicSite.listen(0, '127.0.0.1', resolve));
    const clinicUrl = `http://127.0.0.1:${(clinicSite.address() as AddressInfo).port}/`;
    const clinicContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    try {
      const widgetHeaders = (await fetch(`${url}/widget.js`)).headers;
      // A browser refuses a cross-origin <script> served with CORP same-origin: the widget would never appear.
      expect(widgetHeaders.get('cross-origin-resource-policy'), 'widget.js must be loadable by other sites').not.toBe(
        'same-origin',
      );
      const clinic = await clinicContext.newPage();
      clinic.on('pageerror', (error) => pageErrors.push(`widget: ${error.message}`));
      await clinic.goto(clinicUrl);
      const launcher = clinic.getByRole('button', { name: 'Ask our health educator' });
      await launcher.waitFor({ timeout: REPLY_TIMEOUT });
      await launcher.focus();
      await clinic.keyboard.press('Enter');
      expect(await clinic.locator('iframe').getAttribute('src')).toBe(`${url}/chat?embed=1`);
      const chat = clinic.frameLocator('iframe');
      await chat.getByTestId('message-input').waitFor({ timeout: REPLY_TIMEOUT });
      // The widget's own bar carries the title: the page heading is kept for screen readers only.
      expect((await chat.locator('h1').boundingBox())?.height ?? 0).toBeLessThanOrEqual(1);
      await chat.getByTestId('message-input').fill('what is a normal blood sugar level?');
      await chat.getByTestId('message-input').press('Enter');
      await chat.getByTestId('article-card').first().waitFor({ timeout: REPLY_TIMEOUT });
      await clinic.screenshot({ path: '/tmp/webchat-widget.png' });
      // Escape inside the chat closes the panel and gives focus back to the button.
      await clinic.keyboard.press('Escape');
      await launcher.waitFor({ state: 'visible' });
      expect(await launcher.evaluate((b) => (b.getRootNode() as ShadowRoot).activeElement === b)).toBe(true);
      expect(await launcher.getAttribute('aria-expanded')).toBe('false');
    } finally {
      await clinicContext.close();
      clinicSite.close();
    }
  });

  it('raised no script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
