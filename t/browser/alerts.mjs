// Browser tests of the alerts page (issue 17, REP-5), driven by
// t/86-browser-alerts.t.  Debian's chromium through playwright-core
// (from build/npm, never a downloaded browser).  Prints one JSON object
// a line: {"ok":bool,"name"} for each check, {"note":...} for comments;
// the Perl test turns them into TAP.  Screenshots (light and dark) go to
// TV_SHOTS as alerts-*.png.
//
// Environment: TV_URL (project "default" with one green run al-1 of
// branch alerting, job unit: a and b pass), TV_ADMIN_TOKEN and
// TV_READ_TOKEN, TV_NPM (build/npm), TV_SHOTS, TV_HOOK (the webhook
// receiver's base URL: /ok answers 200, /down 500), TV_HOOK_LOG (its
// log of requests, one JSON object a line), TV_TESTVIS and TV_CONF (the
// CLI and the instance's config: the test ingests a run and runs the
// alerts batch pass itself), TV_DIR (a scratch directory).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { env, ok, note, out, launchBrowser, newPage as harnessPage,
    visit, ready, after, shooter, text, noErrors, apiReq, check } from './harness.mjs';

const browser = await launchBrowser();

// A page of the browser (harness.mjs).
function newPage(opts = {}) {
	return harnessPage(browser, opts);
}

const shot = shooter('alerts');
const HOOK = env.TV_HOOK;
const PORT = new URL(HOOK).port;

// cli(args): runs testvis with the instance's config (no CI variables:
// ingest would read them); its stdout, or throws with its stderr.
function cli(...args) {
	const e = { ...process.env, TESTVIS_CONF: env.TV_CONF };
	for (const k of ['GITHUB_ACTIONS', 'GITLAB_CI', 'JENKINS_URL', 'BUILDKITE', 'CIRCLECI'])
		delete e[k];
	return execFileSync(env.TV_TESTVIS, args, { env: e, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// hookLog(): the receiver's requests so far.
function hookLog() {
	return fs.readFileSync(env.TV_HOOK_LOG, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
}

// bytes(body): a body as the receiver got it (its log holds each byte as
// one character).
const bytes = (body) => Buffer.from(body, 'latin1');

// fill(page, fields): types each value into the rule form's field.
async function fill(page, fields) {
	for (const [k, v] of Object.entries(fields)) {
		const sel = '[data-test=rule-form] [data-field=' + k + ']';
		if (await page.$eval(sel, (e) => e.tagName) === 'SELECT')
			await page.selectOption(sel, v);
		else
			await page.fill(sel, v);
	}
}

// paramNames(page): the rule form's parameter fields shown.
const paramNames = (page) => page.$$eval('[data-test=params] [data-field]', (e) => e.map((x) => x.dataset.field).join(','));
// visible(page, sel): whether sel is shown.
const visible = (page, sel) => page.isVisible(sel);
// rowText(page, name, col): a cell of rule name's row.
const rowText = (page, name, col) => text(page, '[data-test=rule-row][data-rule="' + name + '"] [data-col=' + col + ']');
// rule(name): the rule as the API lists it (admin).
async function rule(name) {
	const r = await apiReq('GET', 'alerts/rules');
	return (r.json.rules || []).find((x) => x.name === name) || null;
}
// save(page): submits the rule form and waits for its outcome.
async function save(page) {
	await page.click('[data-test=save-rule]');
	await page.waitForFunction(() => !document.querySelector('[data-test=rule-error] .loading') &&
	    !document.querySelector('[data-test=rules] .loading'), null, { timeout: 15000 });
	await page.waitForTimeout(200);
}

const admin = await newPage({ token: env.TV_ADMIN_TOKEN });
let secret = null;

// --- an empty page, and the form's fields follow the condition
await check('empty page and form', async () => {
	ok(await visit(admin, '#/alerts') === 'ready', 'the alerts page renders', await text(admin, '#main') + admin.errors.join('\n'));
	ok(await admin.getAttribute('#nav a[data-nav=alerts]', 'aria-current') === 'page' &&
	    await text(admin, '#nav a[data-nav=alerts]') === 'Alerts', 'Alerts is in the navigation, marked current');
	ok(/Nothing is firing/.test(await text(admin, '[data-test=firing]')), 'nothing is firing: the page says so');
	ok(/No rule yet/.test(await text(admin, '[data-test=rules]')), 'no rule yet: the page says so');
	ok(/No notification sent yet/.test(await text(admin, '[data-test=history]')), 'no notification yet: the page says so');
	ok(await text(admin, '[data-test=form-title]') === 'New rule', 'the form for a new rule is open');
	const want = { run_failed: '', pass_rate_below: 'threshold_pct,runs', new_failure: '', incident_opened: '',
	    duration_regression: 'runs,regression_pct', test_count_drop: 'min_drop', integrity_signal: 'min_severity',
	    flaky_detected: '' };
	const got = {};
	for (const c of Object.keys(want)) {
		await admin.selectOption('[data-field=condition]', c);
		got[c] = await paramNames(admin);
	}
	ok(JSON.stringify(got) === JSON.stringify(want), 'each condition shows exactly its parameters', JSON.stringify(got));
	await admin.selectOption('[data-field=condition]', 'duration_regression');
	ok(await admin.getAttribute('[data-field=runs]', 'placeholder') === '10' &&
	    await admin.getAttribute('[data-field=runs]', 'min') === '3', 'duration_regression: runs from 3, default 10');
	await admin.selectOption('[data-field=condition]', 'pass_rate_below');
	ok(await admin.getAttribute('[data-field=runs]', 'placeholder') === '5', 'pass_rate_below: runs default 5');
	ok(await visible(admin, '[data-field=branch]') && await visible(admin, '[data-field=job]'),
	    'branch and job are asked for a run condition');
	await admin.selectOption('[data-field=condition]', 'flaky_detected');
	ok(!await visible(admin, '[data-field=branch]') && !await visible(admin, '[data-field=job]') &&
	    /every branch and job/.test(await text(admin, '[data-test=flaky-note]')),
	    'flaky_detected: no branch nor job, and the form says why');
	ok(await visible(admin, '[data-field=url]') && await visible(admin, '[data-field=secret]'), 'webhook: url and secret asked');
	await admin.selectOption('[data-field=channel]', 'log');
	ok(!await visible(admin, '[data-field=url]') && !await visible(admin, '[data-field=format]') &&
	    !await visible(admin, '[data-field=secret]'), 'the log channel: no url, format nor secret');
	await admin.selectOption('[data-field=channel]', 'webhook');
	await admin.fill('[data-field=cooldown_s]', '5400');
	ok(await text(admin, '[data-test=cooldown-words]') === '1 h 30 min', 'the cool-down in words as it is typed',
	    await text(admin, '[data-test=cooldown-words]'));
	await shot(admin, 'empty');
	noErrors(admin, 'empty page');
});

// --- 400s shown above the form, naming the field
await check('400', async () => {
	await visit(admin, '#/alerts');
	await fill(admin, { name: 'bad url', condition: 'run_failed', channel: 'webhook', url: 'ftp://127.0.0.1/x' });
	await save(admin);
	const msg = await text(admin, '[data-test=rule-400-message]');
	ok(/url must be http or https, not ftp/.test(msg), 'an ftp url: the API\'s 400 above the form', msg);
	ok(/check URL/.test(await text(admin, '[data-test=rule-400]')), '... naming the field',
	    await text(admin, '[data-test=rule-400]'));
	ok(await admin.getAttribute('[data-field=url]', 'aria-invalid') === 'true', '... the url field marked');
	ok(await admin.$eval('[data-test=rule-400]', (e) => {
		const f = document.querySelector('[data-test=rule-form]');
		return !!(e.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING);
	}), '... the message is above the form');
	ok(await admin.inputValue('[data-field=url]') === 'ftp://127.0.0.1/x' && await admin.inputValue('[data-field=name]') === 'bad url',
	    '... what was typed is kept');
	await shot(admin, 'form-400');
	ok((await apiReq('GET', 'alerts/rules')).json.rules.length === 0, '... and nothing was stored');
	await fill(admin, { condition: 'pass_rate_below', url: HOOK + '/ok' });
	await save(admin);
	ok(await admin.$eval('[data-test=rule-400]', (e) => e.dataset.param) === 'threshold_pct' &&
	    /needs threshold_pct/.test(await text(admin, '[data-test=rule-400-message]')),
	    'pass_rate_below without its threshold: a 400 naming threshold_pct', await text(admin, '[data-test=rule-400-message]'));
	ok(await admin.getAttribute('[data-field=threshold_pct]', 'aria-invalid') === 'true' &&
	    await admin.getAttribute('[data-field=url]', 'aria-invalid') === null, '... that field marked, the url no more');
	noErrors(admin, '400', [400]);
});

// --- create a webhook rule and a log rule; the secret once
await check('create', async () => {
	await visit(admin, '#/alerts');
	await fill(admin, { name: 'alerting red', condition: 'run_failed', branch: 'alerting', channel: 'webhook',
	    url: HOOK + '/ok', format: 'json' });
	await save(admin);
	await admin.waitForSelector('[data-test=created-url]', { timeout: 5000 }).catch(async () => {
		await shot(admin, 'debug-create');
		note('not created: ' + await text(admin, '#main'));
	});
	const url = await text(admin, '[data-test=created-url]');
	secret = await text(admin, '[data-test=created-secret]');
	ok(url === HOOK + '/ok', 'the new rule\'s URL is shown in full', url);
	ok(/^[0-9a-f]{64}$/.test(secret), 'no secret given: the random one made is shown', secret);
	ok(/will not be shown again/.test(await text(admin, '[data-test=secret-once]')), '... with a note that it will not be shown again');
	ok(/X-Testvis-Signature-256/.test(await text(admin, '[data-test=created-rule]')) &&
	    /HMAC-SHA256/.test(await text(admin, '[data-test=created-rule]')), '... and how receivers verify the signature');
	ok(await rowText(admin, 'alerting red', 'condition') === 'a run failsrun_failed', 'the rule is listed: fires when a run fails',
	    await rowText(admin, 'alerting red', 'condition'));
	ok(await rowText(admin, 'alerting red', 'branch') === 'alerting' && await rowText(admin, 'alerting red', 'job') === 'every' &&
	    await rowText(admin, 'alerting red', 'cooldown') === '1 h' && await rowText(admin, 'alerting red', 'format') === 'json' &&
	    /enabled/.test(await rowText(admin, 'alerting red', 'enabled')),
	    '... on branch alerting, every job, cool-down 1 h (the default), json, enabled');
	const masked = await text(admin, '[data-test=rule-row][data-rule="alerting red"] [data-col=url]');
	ok(masked === 'http://127.0.0.1:' + PORT + '/\u2026', '... its url masked as the API gives it', masked);
	ok(!(await text(admin, '[data-test=rules]')).includes(secret), '... and the list does not show the secret');
	await shot(admin, 'created');
	// a log rule with a parameter
	await fill(admin, { name: 'alerting pass rate', condition: 'pass_rate_below', threshold_pct: '80', runs: '1',
	    branch: 'alerting', job: 'unit', channel: 'log' });
	await save(admin);
	ok(/alerting pass rate created/.test(await text(admin, '[data-test=created-rule]')) &&
	    await admin.$$eval('[data-test=created-secret]', (e) => e.length) === 0, 'a log rule: created, no url nor secret',
	    await text(admin, '[data-test=rule-error]'));
	ok(await rowText(admin, 'alerting pass rate', 'condition') === 'the pass rate of the last 1 run is below 80%pass_rate_below',
	    '... listed with its parameters in words', await rowText(admin, 'alerting pass rate', 'condition'));
	ok(/^log/.test(await rowText(admin, 'alerting pass rate', 'channel')) &&
	    await rowText(admin, 'alerting pass rate', 'job') === 'unit', '... channel log, job unit');
	const api = await rule('alerting pass rate');
	ok(api && api.threshold_pct === 80 && api.runs === 1 && api.channel === 'log' && api.job === 'unit',
	    'the API has what the form sent', JSON.stringify(api));
	// a second webhook rule, to a receiver that fails
	await fill(admin, { name: 'down hook', condition: 'run_failed', branch: 'nowhere', channel: 'webhook',
	    url: HOOK + '/down', secret: 'a-secret-of-my-own-1234' });
	await save(admin);
	ok(await text(admin, '[data-test=created-secret]') === 'a-secret-of-my-own-1234', 'a secret given is shown back once');
	// reloaded: the secret is gone for good
	await visit(admin, '#/alerts');
	const all = await text(admin, '#main');
	ok(!all.includes(secret) && !all.includes('a-secret-of-my-own-1234') && !all.includes(HOOK + '/ok'),
	    'after a reload neither secret nor the full URL is on the page');
	ok((await admin.$$eval('[data-test=rule-row]', (r) => r.map((x) => x.dataset.rule))).join('|') ===
	    'alerting pass rate|alerting red|down hook', 'three rules listed, by name');
	noErrors(admin, 'create');
});

// --- edit the cool-down: url and secret kept
await check('edit', async () => {
	await admin.click('[data-test=rule-row][data-rule="alerting red"] [data-test=edit]');
	ok(await text(admin, '[data-test=form-title]') === 'Edit rule alerting red', 'Edit opens the rule in the form');
	ok(await admin.inputValue('[data-field=name]') === 'alerting red' && await admin.inputValue('[data-field=branch]') === 'alerting' &&
	    await admin.inputValue('[data-field=cooldown_s]') === '3600' && await admin.inputValue('[data-field=url]') === '' &&
	    await admin.inputValue('[data-field=secret]') === '', '... its values filled in, url and secret empty');
	const form = await text(admin, '[data-test=rule-form]');
	ok(form.includes('keep the stored URL (http://127.0.0.1:' + PORT + '/\u2026)') && /keep the stored secret \(\u2026[0-9a-f]{4}\)/.test(form),
	    '... saying that empty keeps the stored url and secret', form);
	await admin.fill('[data-field=cooldown_s]', '120');
	ok(await text(admin, '[data-test=cooldown-words]') === '2 min', '... 120 s in words');
	await save(admin);
	ok(/alerting red saved/.test(await text(admin, '[data-test=created]')), 'saved');
	ok(await rowText(admin, 'alerting red', 'cooldown') === '2 min', 'the list shows the new cool-down');
	ok(await text(admin, '[data-test=form-title]') === 'New rule', 'the form is back to a new rule');
	const r = await rule('alerting red');
	ok(r && r.cooldown_s === 120 && r.url === 'http://127.0.0.1:' + PORT + '/\u2026' && r.secret === '\u2026' + secret.slice(-4),
	    'the API has the cool-down, the url and secret kept', JSON.stringify(r));
	noErrors(admin, 'edit');
});

// --- send test: delivered, and not delivered with the status code
await check('send test', async () => {
	await admin.click('[data-test=rule-row][data-rule="alerting red"] [data-test=send-test]');
	const sel = '[data-test=rule-row][data-rule="alerting red"] [data-test=test-result]';
	await admin.waitForSelector(sel);
	ok(await admin.getAttribute(sel, 'data-delivered') === 'true' && /Delivered \(receiver answered 200\) in \d+ ms at \d\d:\d\d:\d\d UTC/
	    .test(await text(admin, sel)), 'a test to /ok: delivered, with the time', await text(admin, sel));
	const test = hookLog().filter((x) => x.headers['x-testvis-event'] === 'test').pop();
	ok(test && test.path === '/ok' && test.headers['x-testvis-signature-256'] ===
	    'sha256=' + crypto.createHmac('sha256', secret).update(bytes(test.body)).digest('hex'),
	    'the receiver got it at the kept url, signed with the secret shown at creation');
	await admin.click('[data-test=rule-row][data-rule="down hook"] [data-test=send-test]');
	const down = '[data-test=rule-row][data-rule="down hook"] [data-test=test-result]';
	await admin.waitForSelector(down);
	ok(await admin.getAttribute(down, 'data-delivered') === 'false' && /Not delivered: the receiver answered 500/.test(await text(admin, down)),
	    'a test to /down: not delivered, status 500 shown', await text(admin, down));
	await admin.waitForTimeout(300);
	const rows = await admin.$$eval('[data-test=delivery-row]', (r) => r.map((x) => [x.dataset.rule, x.dataset.kind,
	    x.dataset.status, [...x.querySelectorAll('[data-test=attempt]')].map((a) => a.dataset.code).join()]));
	ok(JSON.stringify(rows) === JSON.stringify([['down hook', 'test', 'failed', '500'], ['alerting red', 'test', 'delivered', '200']]),
	    'the history has both test sends with their attempt', JSON.stringify(rows));
	await shot(admin, 'tested');
	noErrors(admin, 'send test');
});

// --- disable a rule
await check('disable', async () => {
	await admin.click('[data-test=rule-row][data-rule="down hook"] [data-test=toggle]');
	await admin.waitForSelector('[data-test=rule-row][data-rule="down hook"][data-enabled=false]');
	ok(/disabled/.test(await rowText(admin, 'down hook', 'enabled')) &&
	    await text(admin, '[data-test=rule-row][data-rule="down hook"] [data-test=toggle]') === 'Enable',
	    'Disable: the rule shows disabled, offering Enable');
	const r = await rule('down hook');
	ok(r && r.enabled === false && r.url === 'http://127.0.0.1:' + PORT + '/\u2026', 'the API: disabled, url kept', JSON.stringify(r));
	noErrors(admin, 'disable');
});

// --- a real firing: a failing run on the branch, the alerts pass
await check('firing', async () => {
	const xml = path.join(env.TV_DIR, 'al-2.xml');
	fs.writeFileSync(xml, '<testsuite name="s"><testcase classname="c.T" name="a" time="0.01"/>' +
	    '<testcase classname="c.T" name="b" time="0.01"><failure message="b broke">at T:1</failure></testcase></testsuite>');
	cli('ingest', '--run-id', 'al-2', '--branch', 'alerting', '--job', 'unit', xml);
	cli('batch', '--pass', 'alerts');
	ok(await visit(admin, '#/alerts') === 'ready', 'the page after the alerts pass');
	const rows = await admin.$$eval('[data-test=firing-row]', (r) => r.map((x) => ({ rule: x.dataset.rule,
	    subject: x.querySelector('[data-col=subject]').textContent, summary: x.querySelector('[data-col=summary]').textContent,
	    matches: x.querySelector('[data-col=matches]').textContent, notified: x.querySelector('[data-col=notified]').textContent })));
	const red = rows.find((x) => x.rule === 'alerting red');
	ok(rows.length === 2 && red && red.subject === 'alerting \u00b7 unit' && red.summary === 'run al-2 failed: 1 of 2 tests failed' &&
	    red.matches === '1' && red.notified !== '' && red.notified !== 'not yet', 'firing now: alerting red on alerting \u00b7 unit, its summary, 1 match, notified',
	    JSON.stringify(rows));
	ok(rows.some((x) => x.rule === 'alerting pass rate'), '... and the log rule (pass rate 50% under 80%)', JSON.stringify(rows));
	ok(/^2 firing/.test(await text(admin, '[data-test=firing-count]')), '... counted');
	const hist = await admin.$$eval('[data-test=delivery-row][data-kind=firing]', (r) => r.map((x) => [x.dataset.rule,
	    x.dataset.status, [...x.querySelectorAll('[data-test=attempt]')].map((a) => a.dataset.code).join(),
	    x.querySelector('[data-col=summary]').textContent]));
	const hr = hist.find((x) => x[0] === 'alerting red');
	ok(hr && hr[1] === 'delivered' && hr[2] === '200' && hr[3] === 'run al-2 failed: 1 of 2 tests failed',
	    'the history: the firing delivered, its attempt 200, its summary', JSON.stringify(hist));
	const pr = hist.find((x) => x[0] === 'alerting pass rate');
	ok(pr && pr[1] === 'delivered', '... and the log rule\'s, delivered to the log', JSON.stringify(hist));
	const attempt = await text(admin, '[data-test=delivery-row][data-kind=firing][data-rule="alerting red"] [data-test=attempt]');
	ok(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \u00b7 200 \u00b7 \d+ ms$/.test(attempt), '... the attempt: time, status code, ms', attempt);
	const f = hookLog().filter((x) => x.headers['x-testvis-event'] === 'firing');
	ok(f.length === 1 && f[0].headers['x-testvis-signature-256'] ===
	    'sha256=' + crypto.createHmac('sha256', secret).update(bytes(f[0].body)).digest('hex'),
	    'the receiver got the firing, signed with the secret shown once');
	await shot(admin, 'firing');
	noErrors(admin, 'firing');
});

// --- the history's filters and More
await check('history', async () => {
	const down = await rule('down hook');
	await after(admin, () => admin.selectOption('form.filters select[name=rule]', String(down.rule_id)));
	ok(admin.url().endsWith('#/alerts?rule=' + down.rule_id), 'the rule filter goes to the URL', admin.url());
	await admin.waitForSelector('[data-test=delivery-row]');
	let rules = await admin.$$eval('[data-test=delivery-row]', (r) => r.map((x) => x.dataset.rule));
	ok(rules.length === 1 && rules[0] === 'down hook', 'only that rule\'s notifications', rules.join());
	await visit(admin, '#/alerts?status=delivered');
	const st = await admin.$$eval('[data-test=delivery-row]', (r) => r.map((x) => x.dataset.status));
	ok(st.length === 3 && st.every((x) => x === 'delivered'), 'status delivered: the three delivered', st.join());
	ok(await admin.inputValue('form.filters select[name=status]') === 'delivered', '... the filter shows it');
	// 50 more test sends: the history takes two pages
	const red = await rule('alerting red');
	for (let i = 0; i < 50; i++)
		await apiReq('POST', 'alerts/rules/' + red.rule_id + '/test');
	await visit(admin, '#/alerts');
	const n1 = await admin.$$eval('[data-test=delivery-row]', (r) => r.length);
	ok(n1 === 50 && await admin.isVisible('[data-test=history-more]'), 'a first page of 50 with More', String(n1));
	await admin.click('[data-test=history-more]');
	await admin.waitForFunction(() => document.querySelectorAll('[data-test=delivery-row]').length > 50, null, { timeout: 10000 });
	const ids = await admin.$$eval('[data-test=delivery-row]', (r) => r.length);
	ok(ids === 54 && /54 shown \(all\)/.test(await text(admin, '[data-test=history-count]')) &&
	    !await admin.isVisible('[data-test=history-more]'), 'More: the remaining 4, then no More', String(ids));
	noErrors(admin, 'history');
});

// --- dark scheme
await check('dark', async () => {
	const dark = await newPage({ token: env.TV_ADMIN_TOKEN, dark: true });
	ok(await visit(dark, '#/alerts?status=failed') === 'ready', 'the page in the dark scheme');
	await dark.click('[data-test=rule-row][data-rule="down hook"] [data-test=edit]');
	await shot(dark, 'dark');
	await fill(dark, { url: 'ftp://x/y' });
	await save(dark);
	ok(/url must be http or https/.test(await text(dark, '[data-test=rule-400-message]')), 'a 400 on an edit too');
	await dark.click('[data-test=rule-row][data-rule="down hook"] [data-test=delete]');
	await shot(dark, 'dark-400');
	noErrors(dark, 'dark', [400]);
	await dark.context().close();
});

// --- a read token: rules are admin-only, the rest shows
for (const dark of [false, true]) {
	await check('reader' + (dark ? ' dark' : ''), async () => {
		const rd = await newPage({ token: env.TV_READ_TOKEN, dark });
		ok(await visit(rd, '#/alerts') === 'ready', 'with a read token the page renders');
		const why = await text(rd, '[data-test=rules-admin-only]');
		ok(/Alert rules need an admin token/.test(why) && /403/.test(why) && /Settings/.test(why) &&
		    /--scope admin/.test(why), 'the rules explained as admin-only, pointing to Settings', why);
		ok(await rd.$$eval('[data-test=rule-form], [data-test=rule-row]', (e) => e.length) === 0, '... no rules nor form');
		ok((await rd.$$eval('[data-test=firing-row]', (r) => r.map((x) => x.dataset.rule))).sort().join('|') ===
		    'alerting pass rate|alerting red', 'what is firing shows');
		ok(await rd.$$eval('[data-test=delivery-row]', (r) => r.length) === 50, 'the history shows');
		const opts = await rd.$$eval('form.filters select[name=rule] option', (o) => o.map((x) => x.textContent));
		ok(opts.includes('alerting red') && opts.includes('alerting pass rate'), 'the rule filter names the rules seen', opts.join('|'));
		await shot(rd, dark ? 'reader-dark' : 'reader');
		noErrors(rd, 'reader', [403]);
		await rd.context().close();
	});
}

// --- delete a rule (after a confirmation)
await check('delete', async () => {
	await visit(admin, '#/alerts');
	await admin.click('[data-test=rule-row][data-rule="down hook"] [data-test=delete]');
	ok(/Delete this rule\?/.test(await text(admin, '[data-test=delete-confirm]')), 'Delete asks first');
	await admin.click('[data-test=cancel-delete]');
	ok(await admin.$$eval('[data-test=delete-confirm]', (e) => e.length) === 0 && await rule('down hook') !== null,
	    'Cancel keeps the rule');
	await admin.click('[data-test=rule-row][data-rule="down hook"] [data-test=delete]');
	await admin.click('[data-test=confirm-delete]');
	await admin.waitForSelector('[data-test=deleted]');
	ok(/down hook deleted/.test(await text(admin, '[data-test=deleted]')) &&
	    (await admin.$$eval('[data-test=rule-row]', (r) => r.map((x) => x.dataset.rule))).join('|') === 'alerting pass rate|alerting red',
	    'deleted: gone from the list');
	ok(await rule('down hook') === null, '... and from the API');
	await visit(admin, '#/alerts?rule=' + 999999);
	ok(/No notification matches/.test(await text(admin, '[data-test=history]')), 'an unknown rule filter: nothing matches');
	await visit(admin, '#/alerts?status=failed');
	ok((await admin.$$eval('[data-test=delivery-row]', (r) => r.map((x) => x.dataset.rule))).join() === 'down hook',
	    'its history stays');
	noErrors(admin, 'delete');
});

note('screenshots in ' + env.TV_SHOTS + '/alerts-*.png');
await browser.close();
out({ done: true });
