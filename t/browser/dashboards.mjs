// Browser tests of the dashboards pages (REP-4, issue 16 item 6), driven
// by t/81-browser-dashboards.t.  Debian's chromium through
// playwright-core (from build/npm, never a downloaded browser).  Prints
// one JSON object a line: {"ok":bool,"name"} for each check, {"note":...}
// for comments; the Perl test turns them into TAP.  Screenshots (light
// and dark) go to TV_SHOTS as dashboards-*.png.
//
// Environment: TV_URL (demo data in project "default", batch passes run,
// no dashboard saved), TV_ADMIN_TOKEN and TV_READ_TOKEN (tokens of
// project "default"), TV_INGEST_TOKEN (an ingest token of it: the live
// check uploads a run while a dashboard is open), TV_NPM (build/npm), TV_SHOTS.
import { env, BASE, out, ok, note, launchBrowser, newPage as harnessPage,
    visit, ready, settled, after, shooter, text, noErrors, apiReq, check } from './harness.mjs';

const browser = await launchBrowser();

// A page of the browser (harness.mjs).
function newPage(opts = {}) {
	return harnessPage(browser, opts);
}

const shot = shooter('dashboards');

const types = (page, sel = '[data-test=widget]') => page.$$eval(sel, (w) => w.map((x) => x.dataset.type));

// --- a new project: the default layout, and a read token cannot save it
const reader = await newPage({ token: env.TV_READ_TOKEN });
await check('default layout', async () => {
	ok(await visit(reader, '#/dashboards') === 'ready', 'the dashboards list renders');
	ok(await reader.getAttribute('#nav a[data-nav=dashboards]', 'aria-current') === 'page',
	    'Dashboards is in the navigation, marked current');
	ok(await reader.$$eval('[data-test=dash-row]', (r) => r.length) === 0, 'no dashboard saved yet');
	const list = (await apiReq('GET', 'dashboards')).json;
	ok(/^Overview \(default\)$/.test(await text(reader, '[data-test=default] h2')), 'the default layout is shown as "Overview (default)"',
	    await text(reader, '[data-test=default] h2'));
	const want = list.default.widgets.map((w) => w.type);
	const got = await types(reader);
	ok(got.join() === want.join(), 'the default layout\'s eight widgets, in its order', got.join());
	const states = await reader.$$eval('[data-test=widget]', (w) => w.map((x) => x.dataset.type + '=' + x.dataset.state));
	ok(states.every((s) => s.endsWith('=ready')), 'every default widget has its data', states.join(' '));
	ok(await reader.$$eval('[data-test=widget][data-type=pass_rate_trend] canvas', (c) => c.length) >= 1,
	    'the pass-rate trend is a chart');
	ok(await reader.$$eval('[data-test=widget][data-type=recent_runs] tbody tr', (r) => r.length) === 5,
	    'recent runs: the 5 the default asks for');
	const st = await reader.$$eval('[data-test=widget][data-type=recent_runs] tbody .st', (s) => s.map((x) => x.textContent));
	ok(st.length > 0 && st.every((s) => /^.\s?(passed|failed|empty)$/.test(s)), 'status as glyph and word', st.join('|'));
	await shot(reader, 'default');
	await reader.click('[data-test=save-default]');
	await reader.waitForSelector('[data-test=action-error]');
	ok(/403/.test(await text(reader, '[data-test=action-error]')), 'a read token saving the default: the 403 is shown',
	    await text(reader, '[data-test=dash-msg]'));
	ok((await apiReq('GET', 'dashboards')).json.dashboards.length === 0, '... and nothing was saved');
	noErrors(reader, 'default layout', [403]);
});

// --- a new user builds a dashboard of three widgets, saves, reloads
const page = await newPage({ token: env.TV_ADMIN_TOKEN });
let id = null;
await check('build a dashboard', async () => {
	await visit(page, '#/dashboards');
	await page.fill('[data-test=new-name]', 'Team wall');
	ok(await after(page, () => page.click('[data-test=new-form] button[type=submit]')) === 'ready', 'Create opens the new dashboard');
	const m = /#\/dashboards\/(\d+)\?edit=1$/.exec(page.url());
	ok(m, '... in the editor', page.url());
	id = m ? m[1] : null;
	const add = async (type) => {
		await page.selectOption('[data-test=add-type]', type);
		await page.click('[data-test=add-widget]');
	};
	const last = '[data-test=edit-widget]:last-child ';
	await add('failing_now');
	await page.fill(last + '[data-param=limit]', '5');
	await add('trend');
	await page.selectOption(last + '[data-param=metric]', 'failures');
	await page.selectOption(last + '[data-param=interval]', 'day');
	await add('recent_runs');
	await page.fill(last + '[data-param=limit]', '3');
	await page.selectOption(last + '[data-field=width]', '2');
	await page.fill(last + '[data-field=title]', 'Latest runs');
	await add('slowest');
	await page.click(last + '[data-act="\u2191 Up"]');
	ok((await types(page, '[data-test=edit-widget]')).join() === 'failing_now,trend,slowest,recent_runs', 'Up moves a widget up',
	    (await types(page, '[data-test=edit-widget]')).join());
	ok(await page.inputValue('[data-test=edit-widget]:last-child [data-param=limit]') === '3' &&
	    await page.inputValue('[data-test=edit-widget]:last-child [data-field=title]') === 'Latest runs',
	    '... the moved widgets keep what was typed');
	await page.click('[data-test=edit-widget]:nth-child(3) [data-act="\u2715 Remove"]');
	ok((await types(page, '[data-test=edit-widget]')).join() === 'failing_now,trend,recent_runs', 'Remove takes it out',
	    (await types(page, '[data-test=edit-widget]')).join());
	await page.click('[data-test=edit-widget]:nth-child(1) [data-act="\u2193 Down"]');
	await page.click('[data-test=edit-widget]:nth-child(2) [data-act="\u2191 Up"]');
	ok((await types(page, '[data-test=edit-widget]')).join() === 'failing_now,trend,recent_runs', 'Down and Up again: the same order');
	await shot(page, 'editor');
	await page.click('[data-test=save]');
	await page.waitForSelector('[data-test=dash-name]');
	await settled(page);
	ok(await text(page, '[data-test=dash-name]') === 'Team wall', 'saved: the dashboard shows');
	const saved = (await apiReq('GET', 'dashboards/' + id)).json;
	ok(JSON.stringify(saved.widgets) === JSON.stringify([{ type: 'failing_now', params: { limit: 5 } },
	    { type: 'trend', params: { metric: 'failures', interval: 'day' } },
	    { type: 'recent_runs', title: 'Latest runs', width: 2, params: { limit: 3 } }]),
	    'the API has the three widgets with their parameters', JSON.stringify(saved.widgets));
	ok(await visit(page, '#/dashboards/' + id) === 'ready' && (await page.reload(), await ready(page)) === 'ready',
	    'the page reloads');
	ok((await types(page)).join() === 'failing_now,trend,recent_runs', 'after the reload the three widgets are there, in order',
	    (await types(page)).join());
	const states = await page.$$eval('[data-test=widget]', (w) => w.map((x) => x.dataset.state));
	ok(states.every((s) => s === 'ready'), '... each with its data', states.join());
	ok(await page.$$eval('[data-test=widget][data-type=recent_runs] tbody tr', (r) => r.length) === 3,
	    'recent runs: limit 3 holds');
	ok(/Latest runs/.test(await text(page, '[data-test=widget][data-type=recent_runs] h2')), '... under its own title');
	ok(await page.$eval('[data-test=widget][data-type=recent_runs]', (w) => w.classList.contains('w2')), '... two columns wide');
	const fn = await page.$$eval('[data-test=widget][data-type=failing_now] tbody tr', (r) => r.length);
	ok(fn >= 1 && fn <= 5, 'failing now: at most 5 rows', 'rows ' + fn);
	ok(await page.$$eval('[data-test=widget][data-type=trend] canvas', (c) => c.length) >= 1 &&
	    /Failures trend/.test(await text(page, '[data-test=widget][data-type=trend] h2')), 'the failures trend is a chart');
	ok(/least squares|median/i.test(await text(page, '[data-test=widget][data-type=trend]')), '... naming its methods');
	await shot(page, 'view');
	await visit(page, '#/dashboards');
	const rows = await page.$$eval('[data-test=dash-row]', (r) => r.map((x) => x.textContent));
	ok(rows.length === 1 && /Team wall/.test(rows[0]) && /3/.test(rows[0]), 'the list has it with its 3 widgets', rows.join('|'));
	ok(await page.$$eval('[data-test=default]', (d) => d.length) === 0, '... and no longer offers the default');
	await shot(page, 'list');
	noErrors(page, 'build a dashboard');
});

// --- two editors: the stale one gets the 412 and can reload
await check('stale edit', async () => {
	await visit(page, '#/dashboards/' + id);
	await page.click('[data-test=edit]');
	await page.waitForSelector('[data-test=editor]');
	const g = await apiReq('GET', 'dashboards/' + id);
	const p = await apiReq('PUT', 'dashboards/' + id, { name: 'Team wall (other editor)', widgets: g.json.widgets },
	    { 'If-Match': g.etag });
	ok(p.status === 200, 'another editor saves in between', JSON.stringify(p.json));
	await page.fill('[data-test=edit-name]', 'Team wall 2');
	await page.click('[data-test=save]');
	await page.waitForSelector('[data-test=stale]');
	ok(/changed elsewhere/.test(await text(page, '[data-test=stale]')), 'the stale save: the page says the dashboard changed elsewhere');
	ok((await apiReq('GET', 'dashboards/' + id)).json.name === 'Team wall (other editor)', '... and the other editor\'s copy is kept');
	await shot(page, 'stale');
	await after(page, () => page.click('[data-test=reload]'));
	ok(await text(page, '[data-test=dash-name]') === 'Team wall (other editor)', 'Reload shows the other editor\'s copy');
	await page.click('[data-test=edit]');
	await page.fill('[data-test=edit-name]', 'Team wall 2');
	await page.click('[data-test=save]');
	await page.waitForSelector('[data-test=dash-name]');
	ok(await text(page, '[data-test=dash-name]') === 'Team wall 2', 'after the reload the edit saves');
	noErrors(page, 'stale edit', [412]);
});

// --- live: a run uploaded while the dashboard is open shows in its
// recent-runs widget without a reload
await check('live refresh', async () => {
	await visit(page, '#/dashboards/' + id);
	await page.waitForSelector('#live[data-state=live]', { timeout: 15000 }).catch(() => {});
	const xml = '<?xml version="1.0"?><testsuite name="live" tests="1"><testcase classname="live.suite" name="t1" time="0.01"/></testsuite>';
	const r = await fetch(BASE + 'api/tests/ingest?branch=main&run_id=dash-live-1', { method: 'POST',
	    headers: { Authorization: 'Bearer ' + env.TV_INGEST_TOKEN, 'Content-Type': 'application/xml' }, body: xml });
	await r.arrayBuffer();
	ok(r.status >= 200 && r.status < 300, 'a run is uploaded while the dashboard is open', 'status ' + r.status);
	const seen = await page.waitForFunction(() => {
		const a = document.querySelector('[data-test=widget][data-type=recent_runs] tbody tr a');
		return a && a.textContent === 'dash-live-1';
	}, null, { timeout: 15000 }).then(() => true, () => false);
	ok(seen, '... and heads the recent-runs widget without a reload',
	    await text(page, '[data-test=widget][data-type=recent_runs]'));
	ok(await page.$$eval('[data-test=widget]', (w) => w.length) === 3, '... the three widgets still there');
	noErrors(page, 'live refresh');
});

// --- a widget's failure stays in the widget
await check('widget failure', async () => {
	await page.route('**/api/trends?**', (r) => r.fulfill({ status: 500, contentType: 'application/json',
	    body: '{"error":{"code":"internal","message":"trends broke"}}' }));
	ok(await visit(page, '#/dashboards/' + id) === 'ready', 'the page renders while one widget fails');
	const states = await page.$$eval('[data-test=widget]', (w) => w.map((x) => x.dataset.type + '=' + x.dataset.state));
	ok(states.join() === 'failing_now=ready,trend=error,recent_runs=ready', '... only that widget shows the error', states.join());
	ok(/trends broke/.test(await text(page, '[data-test=widget][data-type=trend] .error')), '... in the API\'s words');
	await page.unroute('**/api/trends?**');
	noErrors(page, 'widget failure', [500]);
});

// --- every widget type, and every quality section, has its data
await check('every widget', async () => {
	const sections = ['flakiness', 'stability', 'mttr', 'most_failing', 'never_failing', 'count_drift', 'slowest_growing'];
	const ws = [{ type: 'pass_rate_trend', params: { interval: 'day' } }, { type: 'trend', params: { metric: 'duration_p95' } },
	    { type: 'failing_now', params: {} }, { type: 'recent_runs', params: {} }, { type: 'top_failing', params: {} },
	    { type: 'flaky', params: {} }, { type: 'slowest', params: { limit: 5 } }, { type: 'domain_health', params: {} },
	    { type: 'incidents', params: {} }, { type: 'integrity', params: { status: 'open', limit: 3 } },
	    ...sections.map((x) => ({ type: 'quality', params: { section: x } }))];
	const c = await apiReq('POST', 'dashboards', { name: 'Everything', widgets: ws });
	ok(c.status === 201, 'a dashboard of every widget type', JSON.stringify(c.json));
	ok(await visit(page, '#/dashboards/' + c.json.id) === 'ready', '... renders');
	const states = await page.$$eval('[data-test=widget]', (w) => w.map((x) => x.dataset.type + '=' + x.dataset.state));
	ok(states.length === ws.length && states.every((x) => x.endsWith('=ready')), '... every widget with its data', states.join(' '));
	const heads = await page.$$eval('[data-test=widget][data-type=quality] h2', (x) => x.map((y) => y.textContent));
	ok(heads.join('|') === sections.map((x) => 'Quality: ' + x.replace(/_/g, ' ')).join('|'), 'the quality sections, named', heads.join('|'));
	await shot(page, 'every');
	ok((await apiReq('DELETE', 'dashboards/' + c.json.id)).status === 204, '... deleted again');
	noErrors(page, 'every widget');
});

// --- dark mode
await check('dark mode', async () => {
	const dark = await newPage({ dark: true, token: env.TV_ADMIN_TOKEN });
	await visit(dark, '#/dashboards/' + id);
	await shot(dark, 'view-dark');
	await dark.click('[data-test=edit]');
	await shot(dark, 'editor-dark');
	await visit(dark, '#/dashboards');
	await shot(dark, 'list-dark');
	noErrors(dark, 'dark mode');
	await dark.context().close();
});

// --- delete, after a second click; the default is offered again
await check('delete', async () => {
	await visit(page, '#/dashboards/' + id);
	await page.click('[data-test=edit]');
	await page.click('[data-test=delete]');
	ok((await apiReq('GET', 'dashboards/' + id)).status === 200, 'the first click deletes nothing');
	await after(page, () => page.click('[data-test=delete-confirm]'));
	ok(page.url().endsWith('#/dashboards'), 'after the delete: the list', page.url());
	ok((await apiReq('GET', 'dashboards/' + id)).status === 404, 'the dashboard is gone');
	ok(await page.$$eval('[data-test=default]', (d) => d.length) === 1, 'the default layout is offered again');
	noErrors(page, 'delete');
});

await browser.close();
out({ done: true });
