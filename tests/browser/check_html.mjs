#!/usr/bin/env node
// Opens a report.html in headless Chromium (Debian's /usr/bin/chromium) and fails when the page
// makes any request besides the file itself, logs a console error, throws, or opens a dialog
// (an escaped `<script>alert(1)</script>` must stay text). Saves a full-page screenshot.
//
// Usage: node tests/browser/check_html.mjs REPORT.html SCREENSHOT.png [CHARTS]
// (CHARTS: the <svg> charts the page must have, 2 by default: a report's heatmap and saturation).
// A review sheet (`pith review --sheet FILE.html`): node tests/browser/check_html.mjs SHEET.html
// SCREENSHOT.png review=DECISIONS.csv accepts the first passage and rejects the second by
// clicking their buttons, presses the download button, checks that the file downloaded is the
// CSV the page shows, and saves it as DECISIONS.csv (for `pith review --apply`).
// One persona's brief of a report.html: node tests/browser/check_html.mjs REPORT.html SHOT.png
// brief=N[,elide] saves only the brief of the Nth persona (from 0); with `elide`, the words of
// each quote and story are elided first, their citations kept (for screenshots of studies whose
// transcripts stay out of the repository).
// Talks the DevTools protocol over --remote-debugging-pipe: no npm package, no network port.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [html, shot, charts = '2'] = process.argv.slice(2);
if (!html || !shot) {
  console.error('usage: check_html.mjs REPORT.html SCREENSHOT.png');
  process.exit(2);
}
const review = charts.startsWith('review=') ? charts.slice('review='.length) : null;
const [briefIndex, briefMode] = charts.startsWith('brief=') ? charts.slice('brief='.length).split(',') : [null, null];
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const url = pathToFileURL(resolve(html)).href;
const profile = mkdtempSync(join(tmpdir(), 'pith-chromium-'));
const browser = spawn(chromium, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--mute-audio',
  `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank',
], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });

const problems = [];
const requests = [];
let nextId = 1;
const pending = new Map();
const waiters = [];
let buffer = '';

browser.stdio[4].on('data', (chunk) => {
  buffer += chunk.toString('utf8');
  let end;
  while ((end = buffer.indexOf('\0')) >= 0) {
    const msg = JSON.parse(buffer.slice(0, end));
    buffer = buffer.slice(end + 1);
    if (msg.id && pending.has(msg.id)) {
      const { ok, fail } = pending.get(msg.id);
      pending.delete(msg.id);
      msg.error ? fail(new Error(JSON.stringify(msg.error))) : ok(msg.result);
    } else if (msg.method) {
      onEvent(msg.method, msg.params || {}, msg.sessionId);
    }
  }
});

function send(method, params = {}, sessionId) {
  const id = nextId++;
  const msg = { id, method, params };
  if (sessionId) msg.sessionId = sessionId;
  browser.stdio[3].write(JSON.stringify(msg) + '\0');
  return new Promise((ok, fail) => pending.set(id, { ok, fail }));
}

function waitFor(method) {
  return new Promise((ok) => waiters.push({ method, ok }));
}

function onEvent(method, p, sessionId) {
  if (method === 'Network.requestWillBeSent') {
    requests.push(p.request.url);
    if (p.request.url !== url && !p.request.url.startsWith('data:')) {
      problems.push(`network request: ${p.request.url}`);
    }
  } else if (method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert')) {
    problems.push(`console ${p.type}: ${(p.args || []).map((a) => a.value ?? a.description).join(' ')}`);
  } else if (method === 'Runtime.exceptionThrown') {
    problems.push(`exception: ${p.exceptionDetails?.exception?.description || p.exceptionDetails?.text}`);
  } else if (method === 'Log.entryAdded' && p.entry.level === 'error') {
    problems.push(`log error: ${p.entry.text} ${p.entry.url || ''}`);
  } else if (method === 'Browser.downloadProgress' && p.state === 'canceled') {
    problems.push('the download was canceled');
  } else if (method === 'Page.javascriptDialogOpening') {
    problems.push(`dialog opened: ${p.type} ${p.message}`);
    send('Page.handleJavaScriptDialog', { accept: true }, sessionId);
  }
  const keys = p.state ? [method, `${method}:${p.state}`] : [method];
  for (let i = waiters.length - 1; i >= 0; i--) {
    if (keys.includes(waiters[i].method)) waiters.splice(i, 1)[0].ok(p);
  }
}

const timeout = setTimeout(() => {
  console.error('check_html: timed out after 60 s');
  browser.kill('SIGKILL');
  process.exit(1);
}, 60000);

const evaluate = async (expression, sessionId) =>
  (await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, sessionId)).result.value;

// Clicks accept on the first passage and reject on the second, then the download button, with
// real mouse events at the elements' places; the file downloaded must be the text box's CSV.
async function decide(sessionId) {
  const downloads = mkdtempSync(join(tmpdir(), 'pith-download-'));
  try {
    await send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads, eventsEnabled: true });
    const click = async (selector) => {
      const at = await evaluate(`(() => { const e = document.querySelector(${JSON.stringify(selector)});
        if (!e) return null; e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();
        return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()`, sessionId);
      if (!at) throw new Error(`nothing to click at ${selector}`);
      for (const type of ['mousePressed', 'mouseReleased']) {
        await send('Input.dispatchMouseEvent', { type, x: at.x, y: at.y, button: 'left', clickCount: 1 }, sessionId);
      }
    };
    await click('fieldset:nth-of-type(1) input[value=accept]');
    await click('fieldset:nth-of-type(2) input[value=reject]');
    const done = waitFor('Browser.downloadProgress:completed');
    await click('#download');
    await Promise.race([done, new Promise((_, fail) => setTimeout(() => fail(new Error('no download within 20 s')), 20000))]);
    const files = readdirSync(downloads);
    if (files.length !== 1) throw new Error(`expected one file downloaded, found ${files.join(', ')}`);
    const csv = readFileSync(join(downloads, files[0]), 'utf8');
    const shown = await evaluate('document.getElementById("csv").value', sessionId);
    if (csv !== shown) problems.push(`the download differs from the CSV shown:\n${csv}\n---\n${shown}`);
    writeFileSync(review, csv);
    console.log(`check_html: downloaded ${files[0]}, ${csv.trim().split('\n').length - 1} passages, saved as ${resolve(review)}`);
  } finally {
    rmSync(downloads, { recursive: true, force: true });
  }
}

try {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  for (const domain of ['Page', 'Network', 'Runtime', 'Log']) await send(`${domain}.enable`, {}, sessionId);
  await send('Emulation.setDeviceMetricsOverride', { width: 1200, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
  const loaded = waitFor('Page.loadEventFired');
  await send('Page.navigate', { url }, sessionId);
  await loaded;
  await new Promise((r) => setTimeout(r, 500));
  const { result } = await send('Runtime.evaluate', {
    expression: 'JSON.stringify({title: document.title, h1: document.querySelectorAll("h1").length, svgs: document.querySelectorAll("svg").length, scripts: document.scripts.length, height: document.documentElement.scrollHeight})',
    returnByValue: true,
  }, sessionId);
  const page = JSON.parse(result.value);
  if (page.h1 !== 1) problems.push(`expected one <h1>, found ${page.h1}`);
  const scripts = review ? 1 : 0;
  if (page.scripts !== scripts) problems.push(`expected ${scripts} <script>, found ${page.scripts}`);
  if (!review && !briefIndex && page.svgs < Number(charts)) problems.push(`expected ${charts} charts, found ${page.svgs} <svg>`);
  if (review) await decide(sessionId);
  let clip = { x: 0, y: 0, width: 1200, height: Math.min(page.height, 16000), scale: 1 };
  if (briefIndex !== null) {
    const found = await evaluate(`(() => {
      const brief = document.getElementById('brief-${Number(briefIndex)}');
      if (!brief) return null;
      if (${JSON.stringify(briefMode === 'elide')}) {
        for (const q of brief.querySelectorAll('blockquote')) {
          q.querySelector('p').textContent = '[quote elided]';
        }
        for (const e of brief.querySelectorAll('li > em')) e.textContent = '[story elided]';
      }
      const r = brief.getBoundingClientRect();
      return {x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height};
    })()`, sessionId);
    if (!found) throw new Error(`no brief-${briefIndex} in the page`);
    clip = { ...found, scale: 1 };
  }
  const height = Math.round(clip.height);
  const { data } = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip }, sessionId);
  writeFileSync(shot, Buffer.from(data, 'base64'));
  console.log(`check_html: ${url}: title "${page.title}", ${page.svgs} charts, ${requests.length} request(s)`);
  console.log(`check_html: screenshot ${resolve(shot)} (${Math.round(clip.width)}x${height}, ${statSync(shot).size} bytes)`);
} catch (e) {
  problems.push(`protocol error: ${e.message}`);
} finally {
  clearTimeout(timeout);
  const exited = browser.exitCode !== null ? Promise.resolve() : new Promise((r) => browser.once('exit', r));
  browser.kill('SIGKILL');
  await exited;
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  } catch (e) {
    console.error(`check_html: could not remove ${profile}: ${e.message}`);
  }
}
if (problems.length) {
  for (const p of problems) console.error(`check_html: FAIL: ${p}`);
  process.exit(1);
}
console.log('check_html: ok (no network request, no console error, no dialog)');
