// What every browser test script shares (t/browser/*.mjs, run by
// TV::browser_run): playwright-core from build/npm driving Debian's
// chromium (never a downloaded browser), the base URL and screenshot
// directory from the environment, and the JSON lines that report checks
// ({"ok", "name", "diag"}), notes and the end ({"done": true}).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

export const env = process.env;
const require = createRequire(path.resolve(env.TV_NPM, 'node_modules') + '/');
export const { chromium } = require('playwright-core');

export const BASE = env.TV_URL.replace(/\/?$/, '/');
export const SHOTS = env.TV_SHOTS;
fs.mkdirSync(SHOTS, { recursive: true });

// Writes one JSON line for the Perl side.
export function out(o) {
	process.stdout.write(JSON.stringify(o) + '\n');
}
// A check: passes when cond holds; diag is shown when it fails.
export function ok(cond, name, diag) {
	out({ ok: !!cond, name, diag: cond ? undefined : diag });
	return !!cond;
}
// A comment in the TAP output.
export function note(s) {
	out({ note: s });
}

// Starts headless chromium (the caller closes it).
export function launchBrowser() {
	return chromium.launch({
		executablePath: env.TV_CHROMIUM || '/usr/bin/chromium', headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
		    '--disable-component-update', '--disable-sync', '--no-first-run'],
	});
}

// A page of browser that records console errors and page errors (in
// page.errors); opts.token goes to localStorage (as Settings keeps it)
// before the first load, opts.dark asks for the dark scheme.
export async function newPage(browser, opts = {}) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 },
	    colorScheme: opts.dark ? 'dark' : 'light' });
	if (opts.token)
		await ctx.addInitScript((t) => localStorage.setItem('testvis.token', t), opts.token);
	const page = await ctx.newPage();
	page.errors = [];
	page.on('console', (m) => {
		if (m.type() === 'error')
			page.errors.push(m.text());
	});
	page.on('pageerror', (e) => page.errors.push('pageerror: ' + e.message));
	return page;
}

// Loads BASE + hash and waits until the view is ready or failed, its
// widgets and drilldown settled.
export async function visit(page, hash) {
	await page.evaluate(() => {
		const v = document.querySelector('#main .view');
		if (v)
			v.setAttribute('data-stale', '1');
	}).catch(() => {});
	if (page.url() === BASE + hash)
		await page.reload();
	else
		await page.goto(BASE + hash);
	return ready(page);
}

// Waits until the current view is ready or failed and settled; its state.
export async function ready(page) {
	const sel = '#main .view:not([data-stale])[data-state=ready], #main .view:not([data-stale])[data-state=error]';
	await page.waitForSelector(sel, { timeout: 15000 });
	await settled(page);
	return page.$eval('#main .view:not([data-stale])', (v) => v.dataset.state);
}

// settled(page): no widget nor drilldown page still loading.
export async function settled(page) {
	await page.waitForFunction(() => !document.querySelector('[data-test=widget][data-state=loading]') &&
	    !document.querySelector('[data-test=drilldown] .loading'), null, { timeout: 15000 });
	await page.waitForTimeout(150);
}

// Marks the current view stale, runs fn (a click, a submit), waits.
export async function after(page, fn) {
	await page.evaluate(() => document.querySelector('#main .view').setAttribute('data-stale', '1'));
	await fn();
	return ready(page);
}

// A full-page screenshot PREFIX-name.png in SHOTS.
export function shooter(prefix) {
	return (page, name) => page.screenshot({ path: path.join(SHOTS, prefix + '-' + name + '.png'),
	    fullPage: true });
}

// The text of the first element sel matches ('' when none has any).
export async function text(page, sel) {
	return (await page.textContent(sel)) || '';
}

// noErrors(page, what, expected): no console errors, except the
// browser's own "Failed to load resource ... status of N" for the
// statuses in expected (one a check provoked on purpose).
export function noErrors(page, what, expected = []) {
	const errs = page.errors.filter((e) => !expected.some((n) =>
	    e.includes('Failed to load resource') && e.includes('status of ' + n)));
	ok(errs.length === 0, what + ': no console errors', errs.join('\n'));
	page.errors.length = 0;
}

// The JSON API straight from node, as the admin: {status, etag, json}.
export async function apiReq(method, p, body, headers = {}) {
	const r = await fetch(BASE + 'api/' + p, { method, headers: { Authorization: 'Bearer ' + env.TV_ADMIN_TOKEN,
	    ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers }, body: body ? JSON.stringify(body) : undefined });
	const t = await r.text();
	let json = null;
	try {
		json = JSON.parse(t);
	} catch (e) {
		json = null;
	}
	return { status: r.status, etag: r.headers.get('etag'), json };
}

// Runs the checks of fn; one that throws fails as a check.
export async function check(name, fn) {
	try {
		await fn();
	} catch (e) {
		ok(false, name + ' (threw)', String(e && e.stack || e));
	}
}
