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
