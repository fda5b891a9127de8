// Browser tests of the run page's quality gate and summary (issue 17
// items 3, 4 and 6), driven by t/83-browser-run-gate.t.  Debian's
// chromium through playwright-core (from build/npm).  Prints one JSON
// object a line (harness.mjs); screenshots (light and dark) go to
// TV_SHOTS as rungate-*.png.
//
// Environment: TV_URL (t/83's runs in project "default": g1 then g2, in
// which b fails anew; g2 fails the gate, g1's baseline-free run too),
// TV_READ_TOKEN, TV_NPM, TV_SHOTS.
import { env, out, ok, launchBrowser, newPage as harnessPage, visit, shooter, text, noErrors,
    check } from './harness.mjs';

const browser = await launchBrowser();
const shot = shooter('rungate');

for (const dark of [false, true]) {
	const page = await harnessPage(browser, { token: env.TV_READ_TOKEN, dark });
	await page.context().grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => {});
	const mode = dark ? 'dark' : 'light';
	await check('the gate on the run page (' + mode + ')', async () => {
		ok(await visit(page, '#/runs/g2') === 'ready', 'run g2 renders (' + mode + ')');
		const v = page.locator('[data-test=gate-verdict]');
		ok(await v.getAttribute('data-pass') === 'false', 'the verdict: failed');
		ok(/Quality gate failed/.test(await v.textContent()), '... said in words, not by colour alone');
		const reasons = await text(page, '[data-test=gate-reasons]');
		ok(/1 new failures \(at most 0 allowed\)/.test(reasons) && /new_failures/.test(reasons),
		    '... with its reason and rule', reasons);
		ok(/integrity not checked yet/.test(await text(page, '[data-test=gate-bar]')),
		    '... and that the integrity pass has not judged it');
		await page.click('[data-test=summary-view]');
		await page.waitForSelector('[data-test=summary-text]', { timeout: 10000 });
		const md = await page.$eval('[data-test=summary-text]', (t) => t.value);
		ok(md.startsWith('### \u274C testvis: run [g2](#/runs/g2) failed the quality gate'),
		    'View summary shows the Markdown, its title first', md.slice(0, 120));
		ok(/#### \u274C New failures \(1\)\n\n- \[b\]\(#\/tests\/[0-9a-f]+\): b broke/.test(md),
		    '... with the new failure and its message');
		await shot(page, 'summary-' + mode);
		await page.click('[data-test=summary-view]');
		ok(await page.$('[data-test=summary-text]') === null, 'View summary again hides it');
		await page.click('[data-test=summary-copy]');
		await page.waitForFunction(() => /copied|failed/.test(
		    document.querySelector('[data-test=summary-msg]').textContent), null, { timeout: 10000 });
		const msg = await text(page, '[data-test=summary-msg]');
		ok(/^Summary copied/.test(msg), 'Copy summary: copied', msg);
		const clip = await page.evaluate(() => navigator.clipboard.readText()).catch((e) => 'unread: ' + e);
		ok(clip === md, '... the same Markdown on the clipboard', clip.slice(0, 80));
		await shot(page, 'failed-' + mode);
		ok(await visit(page, '#/runs/g1') === 'ready', 'run g1 renders');
		ok(await page.getAttribute('[data-test=gate-verdict]', 'data-pass') === 'false',
		    'g1 (a first run with a failure) fails too');
		noErrors(page, 'run pages (' + mode + ')');
	});
	await check('a run that passes (' + mode + ')', async () => {
		ok(await visit(page, '#/runs/g3') === 'ready', 'run g3 renders');
		ok(await page.getAttribute('[data-test=gate-verdict]', 'data-pass') === 'true', 'g3 (b fixed): passed');
		ok(await page.$('[data-test=gate-reasons]') === null, '... no reasons');
		await shot(page, 'passed-' + mode);
		noErrors(page, 'passing run (' + mode + ')');
	});
	await page.context().close();
}

await browser.close();
out({ done: true });
