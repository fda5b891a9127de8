// Browser tests for the testvis frontend, driven by t/80-browser.t.
// Debian's chromium through playwright-core (from build/npm, never a
// downloaded browser).  Prints one JSON object a line: {"ok":bool,"name"}
// for each check, {"note":...} for comments; the Perl test turns them
// into TAP.  Screenshots of every page (light and dark) go to TV_SHOTS.
//
// Environment: TV_URL (demo data in project "default", an empty project
// "empty", 10k tests in project "big"), TV_TOKEN_URL + TV_TOKEN (a server
// with auth_read = token), TV_SUB_URL (served under a sub-path),
// TV_NPM (build/npm), TV_SHOTS.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const env = process.env;
const require = createRequire(path.resolve(env.TV_NPM, 'node_modules') + '/');
const { chromium } = require('playwright-core');

const BASE = env.TV_URL.replace(/\/?$/, '/');
const SHOTS = env.TV_SHOTS;
fs.mkdirSync(SHOTS, { recursive: true });

function out(o) {
	process.stdout.write(JSON.stringify(o) + '\n');
}
function ok(cond, name, diag) {
	out({ ok: !!cond, name, diag: cond ? undefined : diag });
	return !!cond;
}
function note(s) {
	out({ note: s });
}

const browser = await chromium.launch({
	executablePath: env.TV_CHROMIUM || '/usr/bin/chromium', headless: true,
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
	    '--disable-component-update', '--disable-sync', '--no-first-run'],
});

// A page that records console errors, page errors and API requests.
async function newPage(opts = {}) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 },
	    colorScheme: opts.dark ? 'dark' : 'light' });
	const page = await ctx.newPage();
	page.errors = [];
	page.requests = [];
	page.on('console', (m) => {
		if (m.type() === 'error')
			page.errors.push(m.text());
	});
	page.on('pageerror', (e) => page.errors.push('pageerror: ' + e.message));
	page.on('request', (r) => page.requests.push(r.url()));
	return page;
}

// Loads BASE + hash (a full load the first time, a hash change after) and
// waits until the page's view says ready or error.
async function visit(page, hash, base = BASE) {
	await page.evaluate(() => {
		const v = document.querySelector('#main .view');
		if (v)
			v.setAttribute('data-stale', '1');
	}).catch(() => {});
	if (page.url() === base + hash)
		await page.reload();
	else
		await page.goto(base + hash);
	return ready(page);
}

async function ready(page) {
	const sel = '#main .view:not([data-stale])[data-state=ready], #main .view:not([data-stale])[data-state=error]';
	await page.waitForSelector(sel, { timeout: 15000 });
	// charts and late sections
	await page.waitForTimeout(50);
	return page.$eval('#main .view:not([data-stale])', (v) => v.dataset.state);
}

// Marks the current view stale, runs fn (a click, a submit), waits.
async function after(page, fn) {
	await page.evaluate(() => document.querySelector('#main .view').setAttribute('data-stale', '1'));
	await fn();
	return ready(page);
}

async function shot(page, name) {
	await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

async function text(page, sel) {
	return (await page.textContent(sel)) || '';
}

function noErrors(page, what) {
	ok(page.errors.length === 0, what + ': no console errors', page.errors.join('\n'));
	page.errors.length = 0;
}

async function check(name, fn) {
	try {
		await fn();
	} catch (e) {
		ok(false, name + ' (threw)', String(e && e.stack || e));
	}
}

let page = await newPage();

// --- every page loads with real content, no console errors, screenshots
const PAGES = [['overview', ''], ['runs', '#/runs'], ['tests', '#/tests'],
    ['flaky', '#/flaky'], ['failures', '#/failures'], ['slowest', '#/slowest'],
    ['health', '#/health'], ['timeline', '#/timeline'], ['integrity', '#/integrity'],
    ['settings', '#/settings']];

await check('overview', async () => {
	ok(await visit(page, '') === 'ready', 'overview renders');
	const cards = await page.$$eval('[data-test=card]', (c) => c.map((x) => x.textContent));
	ok(cards.length >= 8, 'overview shows the status cards', cards.join('|'));
	ok(cards.some((c) => /failing/.test(c) && /[1-9]/.test(c)), 'overview counts failing tests', cards.join('|'));
	ok(await page.$$eval('.bars a', (a) => a.length) === 30, 'overview has 30 pass-rate bars');
	const rows = await page.$$eval('table tbody tr', (r) => r.length);
	ok(rows === 5, 'overview lists the 5 newest runs', 'rows: ' + rows);
	const title = await page.getAttribute('table tbody time', 'title');
	ok(/^\d{4}-\d\d-\d\dT.*Z$/.test(title || ''), 'relative times carry the ISO time as title', title);
	ok(/ago|just now/.test(await text(page, 'table tbody time')), 'times are relative');
	const st = await page.$$eval('table tbody .st', (s) => s.map((x) => x.textContent));
	ok(st.every((s) => /^.\s?(passed|failed|empty)$/.test(s)), 'status is shown as glyph and word', st.join('|'));
	noErrors(page, 'overview');
});

for (const [name, hash] of PAGES) {
	await check(name, async () => {
		const state = await visit(page, hash);
		ok(state === 'ready', name + ' page renders', 'state ' + state + ': ' + await text(page, '#main'));
		const h1 = await text(page, '#main h1');
		ok(h1.length > 0, name + ' page has a heading', h1);
		const cur = await page.getAttribute('#nav a[aria-current=page]', 'data-nav');
		ok(cur === name, name + ' is marked current in the navigation', cur);
		noErrors(page, name);
		await shot(page, name);
	});
}

// --- navigation by clicking real links
await check('navigation', async () => {
	await visit(page, '');
	await after(page, () => page.click('#nav a[data-nav=runs]'));
	ok(page.url().endsWith('#/runs'), 'clicking Runs in the navigation opens #/runs', page.url());
	const rows = await page.$$eval('table tbody tr', (r) => r.length);
	ok(rows === 40, 'runs page lists all 40 demo runs on one page', 'rows ' + rows);
	await after(page, () => page.click('table tbody tr:first-child a[href^="#/runs/"]'));
	ok(/#\/runs\/gh-\d+$/.test(page.url()), 'a run link opens the run page', page.url());
	ok((await text(page, '#main h1')).includes('gh-'), 'run page names the run');
	await page.goBack();
	await ready(page);
	ok(page.url().endsWith('#/runs'), 'back returns to the runs list');
	noErrors(page, 'navigation');
});

// --- runs filters; run ids with "/"
await check('runs filters', async () => {
	await visit(page, '#/runs');
	await after(page, () => page.selectOption('select[name=status]', 'passed'));
	const st = await page.$$eval('table tbody .st', (s) => s.map((x) => x.textContent));
	ok(st.length > 0 && st.every((s) => s.includes('passed')), 'status filter shows only passed runs', st.join('|'));
	ok(page.url().includes('status=passed'), 'the filter is in the URL');
	await after(page, async () => {
		await page.selectOption('select[name=status]', '');
	});
	await page.fill('input[name=branch]', 'release/2.4');
	await after(page, () => page.press('input[name=branch]', 'Enter'));
	const ids = await page.$$eval('table tbody tr td:nth-child(2) a', (a) => a.map((x) => x.textContent));
	ok(ids.length === 3 && ids.every((i) => i.startsWith('release/2.4/')), 'branch filter shows the 3 release runs', ids.join('|'));
	await after(page, () => page.click('text=release/2.4/1'));
	ok(page.url().endsWith('#/runs/release%2F2.4%2F1'), 'a run id with "/" is encoded in the URL', page.url());
	ok((await text(page, '#main h1')).includes('release/2.4/1'), 'the run with "/" in its id opens');
	noErrors(page, 'runs filters');
});

// --- run detail: diff, failure groups, results search and paging
await check('run detail', async () => {
	await visit(page, '#/runs?branch=agent%2Fquick-fix');
	const ids = await page.$$eval('table tbody tr td:nth-child(2) a', (a) => a.map((x) => x.textContent));
	ok(ids.length === 2, 'the agent session has 2 runs', ids.join('|'));
	await after(page, () => page.click('text=' + ids[0]));
	const diff = await page.$$eval('[data-test=diff-part] h3', (x) => x.map((y) => y.textContent));
	const removed = diff.find((d) => d.includes('Removed'));
	ok(removed && /\((\d+)\)/.test(removed) && Number(/\((\d+)\)/.exec(removed)[1]) > 10,
	    'the weakened run shows many removed tests in its diff', diff.join('|'));
	ok(diff.some((d) => /Fixed \(1\)/.test(d)), 'the weakened run shows the "fixed" test', diff.join('|'));
	await shot(page, 'run-weakened');
	// a run with failures
	await visit(page, '#/runs?status=failed&branch=main');
	await after(page, () => page.click('table tbody tr:first-child td:nth-child(2) a'));
	const groups = await page.$$('[data-test=failure-group]');
	ok(groups.length >= 1, 'a failed run shows failures grouped by fingerprint');
	ok((await text(page, '#main')).includes("assert Decimal('4.99') == Decimal('5.00')"), 'the failure message is shown');
	await shot(page, 'run');
	// results: search, status filter, paging
	await page.fill('#results input[name=q]', 'refund');
	await after(page, () => page.press('#results input[name=q]', 'Enter'));
	const names = await page.$$eval('#results tbody tr td:nth-child(2) a', (a) => a.map((x) => x.textContent));
	ok(names.length > 0 && names.every((n) => n.includes('refund')), 'result search by name works', names.join('|'));
	await after(page, () => page.selectOption('#results select[name=status]', 'failed'));
	const st = await page.$$eval('#results tbody .st', (s) => s.map((x) => x.textContent));
	ok(st.length >= 1 && st.every((s) => s.includes('failed')), 'result status filter works', st.join('|'));
	await visit(page, '#/runs?status=failed&branch=main');
	await after(page, () => page.click('table tbody tr:first-child td:nth-child(2) a'));
	const first = await page.$$eval('#results tbody tr td:nth-child(2) a', (a) => a.map((x) => x.textContent));
	await after(page, () => page.click('#results [data-test=next-page]'));
	const second = await page.$$eval('#results tbody tr td:nth-child(2) a', (a) => a.map((x) => x.textContent));
	ok(first.length === 50 && second.length > 0 && second[0] !== first[0], 'results have a next page with other tests',
	    first[0] + ' / ' + second[0]);
	noErrors(page, 'run detail');
});

// --- catalogue: search, sort, paging, deep links
await check('catalogue', async () => {
	await visit(page, '#/tests');
	const p1 = await page.$$eval('tbody tr td:nth-child(2) a', (a) => a.map((x) => x.textContent));
	ok(p1.length === 50, 'catalogue pages hold 50 tests', String(p1.length));
	await after(page, () => page.click('[data-test=next-page]'));
	const url2 = page.url();
	const p2 = await page.$$eval('tbody tr td:nth-child(2) a', (a) => a.map((x) => x.textContent));
	ok(p2.length === 50 && !p2.includes(p1[0]) && url2.includes('cursor='), 'next page shows other tests', url2);
	const p2sorted = [...p2].sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
	ok(JSON.stringify(p2) === JSON.stringify(p2sorted) || p2[0] >= p1[p1.length - 1], 'sorted by name');
	// deep link: the same URL in a fresh page
	const fresh = await newPage();
	await visit(fresh, url2.slice(url2.indexOf('#')));
	const p2b = await fresh.$$eval('tbody tr td:nth-child(2) a', (a) => a.map((x) => x.textContent));
	ok(JSON.stringify(p2b) === JSON.stringify(p2), 'a deep link to page 2 shows the same tests');
	noErrors(fresh, 'deep link');
	await fresh.context().close();
	await after(page, () => page.click('a[rel=first]'));
	await page.fill('input[name=q]', 'smtp');
	await after(page, () => page.press('input[name=q]', 'Enter'));
	const found = await page.$$eval('tbody tr td:nth-child(2) a', (a) => a.map((x) => x.textContent));
	ok(found.length === 1 && found[0] === 'test_retry_on_smtp_timeout', 'search finds the SMTP test', found.join('|'));
	await visit(page, '#/tests?sort=fail_rate');
	const top = await page.$$eval('tbody tr td:nth-child(2) a', (a) => a.map((x) => x.textContent));
	ok(top.slice(0, 3).includes('test_partial_refund_rounding'), 'sorting by failure rate puts the broken test near the top', top.slice(0, 3).join('|'));
	await visit(page, '#/tests?flaky=true');
	const fl = await page.$$eval('tbody tr', (a) => a.length);
	ok(fl >= 1, 'flaky filter shows flaky tests');
	await visit(page, '#/tests?q=no-such-test-anywhere');
	ok((await text(page, '#main .empty')).includes('No tests match'), 'an empty search says so');
	noErrors(page, 'catalogue');
});

// --- test detail
await check('test detail', async () => {
	await visit(page, '#/tests?q=partial_refund_rounding');
	await after(page, () => page.click('tbody tr:first-child td:nth-child(2) a'));
	ok(/#\/tests\/[0-9a-f]{16}$/.test(page.url()), 'the test link opens the test page', page.url());
	ok((await text(page, '#main h1')) === 'test_partial_refund_rounding', 'test page names the test');
	const cells = await page.$$eval('[data-test=status-strip] a', (a) => a.length);
	ok(cells === 40, 'the status strip has one bar per run (40)', String(cells));
	ok(await page.$('[data-test=open-incident]') !== null, 'the open incident is shown');
	await page.waitForSelector('[data-test=duration-chart] canvas', { timeout: 5000 });
	ok(true, 'the duration chart is drawn');
	const up = await page.$$eval('[data-test=uptime] .card', (c) => c.map((x) => x.textContent));
	ok(up.length === 3 && /24 hours/.test(up[0]) && /7 days/.test(up[1]) && /30 days/.test(up[2]), 'uptime for 24 h, 7 d and 30 d', up.join('|'));
	ok((await text(page, '#main')).includes('mappings arrive with the batch mapping pass'), 'mappings have an honest empty state');
	ok((await page.$$('[data-test=failure-message]')).length >= 1, 'failure messages are listed');
	ok((await text(page, '#main')).includes('Incidents ('), 'incidents are listed');
	await shot(page, 'test');
	await after(page, () => page.click('[data-test=older]'));
	ok(page.url().includes('offset=20'), 'older results page by offset');
	noErrors(page, 'test detail');
	// flaky evidence of the retried test
	await visit(page, '#/tests?q=suggestions_debounce');
	await after(page, () => page.click('tbody tr:first-child td:nth-child(2) a'));
	const ev = await text(page, '[data-test=flaky-evidence]');
	ok(/[1-9]\d* runs passed only after a retry/.test(ev), 'flaky evidence shows retry passes', ev);
	await shot(page, 'test-flaky');
	noErrors(page, 'flaky test detail');
});

// --- flaky, failures, slowest
await check('insights', async () => {
	await visit(page, '#/flaky');
	const names = await page.$$eval('tbody tr td:nth-child(2) a', (a) => a.map((x) => x.textContent));
	ok(names.includes('test_suggestions_debounce') && names.includes('test_retry_on_smtp_timeout'), 'flaky page lists the flaky tests', names.join('|'));
	await visit(page, '#/failures');
	ok((await page.$$('[data-test=failure-group]')).length >= 3, 'failure groups are listed');
	ok((await text(page, '#main')).includes('psycopg2.OperationalError'), 'the outage group is there');
	await visit(page, '#/slowest');
	const reg = await page.$$eval('[data-test=regression] a', (a) => a.map((x) => x.textContent));
	ok(reg.includes('test_full_reindex'), 'the duration regression is listed', reg.join('|'));
	await after(page, () => page.selectOption('select[name=by]', 'p50'));
	ok((await text(page, '#main')).includes('Slowest by p50'), 'ranking by p50 works');
	noErrors(page, 'insights');
});

// --- planned pages call no endpoint
await check('planned pages', async () => {
	for (const p of ['health', 'timeline', 'integrity']) {
		page.requests.length = 0;
		await visit(page, '#/' + p);
		const t = await text(page, '[data-test=planned]');
		ok(/batch passes/.test(t) && /installed/.test(t), p + ': an honest empty state');
		const apiCalls = page.requests.filter((u) => u.includes('/api/'));
		ok(apiCalls.length === 0, p + ': calls no endpoint', apiCalls.join(' '));
	}
	noErrors(page, 'planned pages');
});

// --- keyboard: the skip link, then real links
await check('keyboard', async () => {
	await page.goto('about:blank');
	await visit(page, '#/');
	await page.keyboard.press('Tab');
	ok(await page.evaluate(() => document.activeElement.className) === 'skip', 'the first Tab reaches the skip link');
	await page.keyboard.press('Tab');
	await page.keyboard.press('Tab');
	const t = await page.evaluate(() => document.activeElement.tagName + ' ' + document.activeElement.textContent);
	ok(t === 'A Overview', 'Tab walks the navigation links', t);
	const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
	ok(outline !== 'none', 'focus is visible', outline);
	await page.keyboard.press('Tab');
	await after(page, () => page.keyboard.press('Enter'));
	ok(page.url().endsWith('#/runs'), 'Enter on a focused link navigates');
});

// --- unknown routes
await check('not found', async () => {
	await visit(page, '#/no/such/page');
	ok((await text(page, '#main h1')) === 'No such page', 'an unknown route says so');
	await visit(page, '#/runs/no-such-run');
	ok((await text(page, '#main .error')).includes('404'), 'an unknown run shows the API error');
	page.errors.length = 0;
});

// --- settings: project picker and the empty state
await check('settings and empty project', async () => {
	await visit(page, '#/settings');
	const opts = await page.$$eval('#project-select option', (o) => o.map((x) => x.value));
	ok(['default', 'empty', 'big'].every((p) => opts.includes(p)), 'the project picker lists the projects', opts.join('|'));
	await page.selectOption('#project-select', 'empty');
	await page.click('text=Use this project');
	ok((await text(page, '#project')).includes('empty'), 'the header shows the chosen project');
	await visit(page, '#/');
	const curl = await text(page, '[data-test=curl]');
	const want = "'" + BASE + "api/tests/ingest?branch=main&project=empty'";
	ok(curl.startsWith('curl -H "Authorization: Bearer $TOKEN"') && curl.endsWith(want),
	    'an empty project shows a curl line with this server\'s URL', curl);
	await shot(page, 'overview-empty');
	ok(page.requests.some((u) => u.includes('project=empty')), 'requests carry the chosen project');
	noErrors(page, 'empty project');
	// the 10k-test project: measure the overview
	await page.evaluate(() => localStorage.setItem('testvis.project', 'big'));
	await page.goto('about:blank');
	const t0 = Date.now();
	await page.goto(BASE + '#/');
	await ready(page);
	const ms = Date.now() - t0;
	note('overview rendered in ' + ms + ' ms (10,000-test project, full page load)');
	const cards = await page.$$eval('[data-test=card] .v', (c) => c.map((x) => x.textContent));
	ok(cards.length >= 8, 'the 10k-test overview shows its figures', cards.join('|'));
	const t1 = Date.now();
	await visit(page, '#/tests?sort=fail_rate');
	note('catalogue sorted by failure rate rendered in ' + (Date.now() - t1) + ' ms (10,000-test project)');
	await page.evaluate(() => localStorage.removeItem('testvis.project'));
	noErrors(page, 'big project');
});

// --- dark mode screenshots of every page
await check('dark mode', async () => {
	const dark = await newPage({ dark: true });
	for (const [name, hash] of PAGES) {
		await visit(dark, hash);
		await shot(dark, name + '-dark');
	}
	await visit(dark, '#/tests?q=partial_refund_rounding');
	await after(dark, () => dark.click('tbody tr:first-child td:nth-child(2) a'));
	await dark.waitForSelector('[data-test=duration-chart] canvas');
	await shot(dark, 'test-dark');
	const bg = await dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
	const bgHtml = await dark.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
	ok(/rgb\((1\d|2\d|3\d), /.test(bgHtml), 'dark mode follows prefers-color-scheme', bg + ' ' + bgHtml);
	noErrors(dark, 'dark mode');
	await dark.context().close();
});

// --- a server that needs a token to read
if (env.TV_TOKEN_URL) {
	await check('token', async () => {
		const tp = await newPage();
		const TB = env.TV_TOKEN_URL.replace(/\/?$/, '/');
		await visit(tp, '#/', TB);
		const msg = await text(tp, '#main .error');
		ok(/needs an API token/.test(msg) && await tp.$('#main .error a[href="#/settings"]') !== null,
		    'without a token the page says so and points to Settings', msg);
		await shot(tp, 'token-missing');
		await after(tp, () => tp.click('#main .error a[href="#/settings"]'));
		await tp.fill('#token', env.TV_TOKEN);
		await tp.click('text=Save token');
		await tp.waitForSelector('#project-select');
		ok(true, 'after saving the token the project list loads');
		await visit(tp, '#/', TB);
		const cards = await tp.$$('[data-test=card]');
		ok(cards.length >= 8, 'with the token the overview shows data');
		const auth = await tp.evaluate(() => localStorage.getItem('testvis.token'));
		ok(auth === env.TV_TOKEN, 'the token is kept in localStorage');
		await tp.context().close();
	});
}

// --- served under a sub-path
if (env.TV_SUB_URL) {
	await check('sub-path', async () => {
		const sp = await newPage();
		const SB = env.TV_SUB_URL.replace(/\/?$/, '/');
		ok(await visit(sp, '#/', SB) === 'ready', 'the overview works under a sub-path');
		ok(sp.requests.some((u) => u.startsWith(SB + 'api/dashboard')), 'the API is called under the sub-path');
		await visit(sp, '#/tests', SB);
		ok((await sp.$$('tbody tr')).length > 0, 'the catalogue works under a sub-path');
		await visit(sp, '#/runs/release%2F2.4%2F2', SB);
		ok((await text(sp, '#main h1')).includes('release/2.4/2'), 'a run with "/" in its id works under a sub-path',
		    await text(sp, '#main'));
		noErrors(sp, 'sub-path');
		await sp.context().close();
	});
}

await browser.close();
out({ done: true });
