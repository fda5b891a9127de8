// Browser tests of the reports page and the dashboards' report widget
// (REP-1, issue 16 items 1 and 6), driven by t/82-browser-reports.t.
// Debian's chromium through playwright-core (from build/npm, never a
// downloaded browser).  Prints one JSON object a line: {"ok":bool,"name"}
// for each check, {"note":...} for comments; the Perl test turns them
// into TAP.  Screenshots (light and dark) go to TV_SHOTS as
// reports-*.png.
//
// Environment: TV_URL (the scripted history of t/82 in project
// "default"), TV_ADMIN_TOKEN and TV_READ_TOKEN (tokens of project
// "default"), TV_NPM (build/npm), TV_SHOTS.
import { env, BASE, out, ok, note, launchBrowser, newPage as harnessPage,
    visit, ready, settled, after, shooter, text, noErrors, apiReq, check } from './harness.mjs';

const browser = await launchBrowser();

// A page of the browser (harness.mjs).
function newPage(opts = {}) {
	return harnessPage(browser, opts);
}

const shot = shooter('reports');

// The report of t/82's history by week and branch: [key, runs, tests,
// passed, failed, skipped, pass rate as shown] per group, in order.
const WANT = [
	['2026-11-02,dev', 1, 3, 3, 0, 0, '100.0%'],
	['2026-11-02,main', 2, 6, 3, 3, 0, '50.0%'],
	['2026-11-09,big', 1, 56, 1, 55, 0, '1.8%'],
	['2026-11-09,dev', 1, 3, 2, 1, 0, '66.7%'],
	['2026-11-09,main', 1, 3, 3, 0, 0, '100.0%'],
];
const TOTAL = [6, 71, 12, 59, 0, '16.9%'];
const DEF = { from: '2026-11-02', to: '2026-11-15', branch: '*', group_by: ['week', 'branch'] };

// rows(page, scope): the report table's rows as the checks compare them:
// [key, runs, tests, passed, failed, skipped, pass rate] (the counts as
// shown, glyphs dropped).
async function rows(page, scope = '') {
	return page.$$eval(scope + ' [data-test=report-row]', (rs) => rs.map((r) => {
		const c = (k) => r.querySelector('[data-col=' + k + ']').textContent.replace(/[^0-9.%]/g, '');
		return [r.dataset.key, ...['runs', 'tests', 'passed', 'failed', 'skipped'].map((k) => Number(c(k))), c('pass_rate')];
	}));
}

async function totals(page, scope = '') {
	return page.$eval(scope + ' [data-test=report-totals]', (r) => {
		const c = (k) => r.querySelector('[data-col=' + k + ']').textContent.replace(/[^0-9.%]/g, '');
		return [...['runs', 'tests', 'passed', 'failed', 'skipped'].map((k) => Number(c(k))), c('pass_rate')];
	});
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const page = await newPage({ token: env.TV_READ_TOKEN });
let id = null;

// --- the form: a report by week and branch, its exact figures
await check('run a report', async () => {
	ok(await visit(page, '#/reports') === 'ready', 'the reports page renders');
	ok(await page.getAttribute('#nav a[data-nav=reports]', 'aria-current') === 'page',
	    'Reports is in the navigation, marked current');
	ok(/No report yet/.test(await text(page, '#main')), 'no report yet: the page says so');
	await page.fill('[data-field=from]', DEF.from);
	await page.fill('[data-field=to]', DEF.to);
	await page.fill('[data-field=branch]', '*');
	await page.selectOption('[data-field=group_by]', 'week');
	await page.selectOption('[data-field=group_by2]', 'branch');
	ok(await after(page, () => page.click('[data-test=run]')) === 'ready', 'Run shows the report');
	const m = /#\/reports\/(\d+)$/.exec(page.url());
	ok(m, 'the URL holds the report: #/reports/{report_id}', page.url());
	id = m ? Number(m[1]) : null;
	const api = (await apiReq('GET', 'reports/' + id)).json;
	ok(api && same(api.query.group_by, ['week', 'branch']) && api.query.branch === '*',
	    'the API has the definition the form sent', JSON.stringify(api && api.query));
	const got = await rows(page);
	ok(same(got, WANT), 'the table: a row per week and branch, ordered, with exact runs, tests, passed, failed, skipped, pass rate',
	    JSON.stringify(got));
	ok(same(await totals(page), TOTAL), 'the totals row: 6 runs, 71 results, 12 passed, 59 failed (runs outside the range left out)',
	    JSON.stringify(await totals(page)));
	const p50 = await page.$$eval('[data-test=report-row] [data-col=p50]', (c) => c.map((x) => x.textContent));
	ok(p50.length === 5 && p50.every((x, i) => (api.groups[i].duration_p50_ms === null) === (x === '\u2014')),
	    'p50 shown for each group as the API has it', p50.join('|'));
	const heads = await page.$$eval('[data-test=report-table] thead th', (t) => t.map((x) => x.textContent));
	ok(/Week of/.test(heads[0]) && /Branch/.test(heads[1]) && heads.some((x) => /\u2717\s*Failed/.test(x)),
	    'the headings name the keys; the status columns have a glyph and a word', heads.join('|'));
	const fails = await page.$$eval('[data-test=report-row] [data-col=failed] a', (a) => a.map((x) => x.textContent));
	ok(same(fails, ['\u2717 3', '\u2717 55', '\u2717 1']), 'each failed count is a link with a glyph', fails.join('|'));
	ok(await page.$$eval('[data-test=report-chart] canvas', (c) => c.length) >= 1, 'a uPlot chart of the weeks');
	const legend = await text(page, '[data-test=report-chart] .u-legend');
	ok(/failed results \(hatched bars\)/.test(legend) && /branch big/.test(legend) && /branch dev \(dashed\)/.test(legend) && /branch main \(dotted\)/.test(legend),
	    'the chart legend names the hatched failed bars and a line (own dash) per branch', legend);
	ok(/#\d+/.test(await text(page, '[data-test=recent-reports]')), 'the new report is in the recent reports');
	await shot(page, 'report');
	noErrors(page, 'run a report');
});

// --- reload: the same report, its definition in the form
await check('reload', async () => {
	await page.reload();
	ok(await ready(page) === 'ready', 'the report reloads');
	ok(page.url().endsWith('#/reports/' + id), '... at the same address');
	ok(same(await rows(page), WANT) && same(await totals(page), TOTAL), '... with the same figures');
	const f = {};
	for (const k of ['from', 'to', 'branch', 'group_by', 'group_by2', 'job'])
		f[k] = await page.inputValue('[data-field=' + k + ']');
	ok(same(f, { from: DEF.from, to: DEF.to, branch: '*', group_by: 'week', group_by2: 'branch', job: '' }),
	    'the form shows the report\'s definition', JSON.stringify(f));
	// the same definition again: the same report
	ok(await after(page, () => page.click('[data-test=run]')) === 'ready' && page.url().endsWith('#/reports/' + id),
	    'running the same definition again opens the same report', page.url());
	noErrors(page, 'reload');
});

// --- drilldown: a failed count opens exactly its failing results
await check('drilldown', async () => {
	await page.click('[data-test=report-row][data-key="2026-11-02,main"] [data-test=cell-failed]');
	await page.waitForSelector('[data-test=drill-row]');
	await settled(page);
	const got = await page.$$eval('[data-test=drill-row]', (r) => r.map((x) => [x.querySelector('td:nth-child(3) a').textContent,
	    x.querySelector('td:nth-child(2) a').textContent, x.dataset.status]));
	const want = [['rp-2', 'b', 'failed'], ['rp-2', 'c', 'failed'], ['rp-1', 'c', 'failed']];
	const sorted = (a) => [...a].sort((x, y) => x.join().localeCompare(y.join()));
	ok(same(sorted(got), sorted(want)), 'the failed count of week 2026-11-02, main: exactly its 3 failing results',
	    JSON.stringify(got));
	ok(got.map((x) => x[0]).join() === 'rp-2,rp-2,rp-1', '... newest run first', JSON.stringify(got));
	ok(/Failed results: week of 2026-11-02, branch main/.test(await text(page, '[data-test=drill-title]')),
	    '... under a title naming the group and the status', await text(page, '[data-test=drill-title]'));
	ok(/#\/tests\/./.test(await page.getAttribute('[data-test=drill-row] td:nth-child(2) a', 'href')) &&
	    await page.getAttribute('[data-test=drill-row] td:nth-child(3) a', 'href') === '#/runs/rp-2',
	    '... each linking to its test and its run');
	const st = await page.$$eval('[data-test=drill-row] .st', (s) => s.map((x) => x.textContent));
	ok(st.every((x) => x === '\u2717failed'), '... status as glyph and word', st.join('|'));
	ok(page.url().endsWith('#/reports/' + id + '?group=2026-11-02%2Cmain&status=failed'), 'the URL keeps the drilldown', page.url());
	ok(await page.getAttribute('[data-test=report-row][data-key="2026-11-02,main"] [data-test=cell-failed]', 'aria-current') === 'true',
	    '... and the clicked count is marked');
	await shot(page, 'drilldown');
	// a reload opens the same drilldown
	await page.reload();
	await ready(page);
	await page.waitForSelector('[data-test=drill-row]');
	ok(await page.$$eval('[data-test=drill-row]', (r) => r.length) === 3, 'a reload shows the same drilldown');
	// the group's link: all its results (6)
	await page.click('[data-test=report-row][data-key="2026-11-02,main"] [data-test=cell-group]');
	await page.waitForFunction(() => document.querySelectorAll('[data-test=drill-row]').length === 6, null, { timeout: 10000 })
	    .catch(() => {});
	const all = await page.$$eval('[data-test=drill-row]', (r) => r.map((x) => x.dataset.status));
	ok(all.length === 6 && all.filter((x) => x === 'passed').length === 3, 'the group\'s own link: all 6 of its results, 3 passed',
	    all.join());
	// more than one page: 55 failed results of branch big, 50 then 5
	await page.click('[data-test=report-row][data-key="2026-11-09,big"] [data-test=cell-failed]');
	await page.waitForSelector('[data-test=drill-more]');
	ok(await page.$$eval('[data-test=drill-row]', (r) => r.length) === 50, 'a big drilldown: 50 results a page');
	await page.click('[data-test=drill-more]');
	await page.waitForFunction(() => document.querySelectorAll('[data-test=drill-row]').length === 55, null, { timeout: 10000 })
	    .catch(() => {});
	const big = await page.$$eval('[data-test=drill-row]', (r) => r.map((x) => x.querySelector('td:nth-child(2) a').textContent));
	ok(big.length === 55 && new Set(big).size === 55 && big.every((x) => /^m\d\d$/.test(x)),
	    '"More results" adds the last 5: 55 distinct failing tests', big.length + ' ' + big.slice(45).join());
	ok(!(await page.$('[data-test=drill-more]')), '... and no more "More"');
	noErrors(page, 'drilldown');
});

// --- a bad input: the API's 400 next to the form
await check('bad input', async () => {
	await visit(page, '#/reports');
	await page.fill('[data-field=from]', '2026-11-15');
	await page.fill('[data-field=to]', '2026-11-02');
	await page.click('[data-test=run]');
	await page.waitForSelector('[data-test=report-400]');
	const want = await apiReq('POST', 'reports', { from: '2026-11-15', to: '2026-11-02', group_by: ['week'] });
	ok(want.status === 400, 'from after to: the API answers 400', JSON.stringify(want.json));
	const msg = await text(page, '[data-test=report-400-message]');
	ok(want.json && msg === want.json.error.message, 'the page shows the API\'s message next to the form', msg);
	ok(/400/.test(await text(page, '[data-test=report-400]')), '... and the status');
	ok(page.url().endsWith('#/reports'), '... and stays on the form', page.url());
	await page.fill('[data-field=from]', '');
	await page.fill('[data-field=to]', '');
	await page.fill('[data-field=feature]', 'no/such/feature');
	await page.click('[data-test=run]');
	await page.waitForFunction(() => /feature/.test((document.querySelector('[data-test=report-400-message]') || {}).textContent || ''),
	    null, { timeout: 10000 }).catch(() => {});
	ok(/feature/.test(await text(page, '[data-test=report-400-message]')), 'an unknown feature: the message names it',
	    await text(page, '[data-test=report-error]'));
	ok(await page.getAttribute('[data-field=feature]', 'aria-invalid') === 'true' &&
	    await page.getAttribute('[data-field=from]', 'aria-invalid') === null, '... and the feature field is marked');
	await shot(page, 'error');
	noErrors(page, 'bad input', [400]);
});

// --- a grouping without time: bars per branch
await check('by branch', async () => {
	await visit(page, '#/reports');
	await page.fill('[data-field=from]', DEF.from);
	await page.fill('[data-field=to]', DEF.to);
	await page.fill('[data-field=branch]', '*');
	await page.selectOption('[data-field=group_by]', 'branch');
	ok(await after(page, () => page.click('[data-test=run]')) === 'ready', 'a report by branch');
	const got = await rows(page);
	ok(same(got, [['big', 1, 56, 1, 55, 0, '1.8%'], ['dev', 2, 6, 5, 1, 0, '83.3%'], ['main', 3, 9, 6, 3, 0, '66.7%']]),
	    '... exact figures per branch', JSON.stringify(got));
	const bars = await page.$$eval('[data-test=report-chart] .rbar', (b) => b.map((x) => x.textContent));
	ok(bars.length === 3 && /1\.8% passed.*55 failed/.test(bars[0]), '... drawn as bars with their figures in words', bars.join('|'));
	await shot(page, 'by-branch');
	noErrors(page, 'by branch');
});

// --- an empty range: no groups, the table says so, zero totals
await check('empty range', async () => {
	await visit(page, '#/reports');
	await page.fill('[data-field=from]', '2026-10-05');
	await page.fill('[data-field=to]', '2026-10-11');
	await page.fill('[data-field=branch]', '*');
	ok(await after(page, () => page.click('[data-test=run]')) === 'ready', 'a report of a week without runs');
	ok((await rows(page)).length === 0 && /No runs match/.test(await text(page, '[data-test=report-table] tbody')),
	    '... has no group and says so');
	ok(same((await totals(page)).slice(0, 5), [0, 0, 0, 0, 0]), '... its totals are zero', JSON.stringify(await totals(page)));
	ok(await page.$$eval('[data-test=report-chart]', (c) => c.length) === 0, '... and no chart');
	noErrors(page, 'empty range');
});

// --- a dashboard: the editor offers the report widget; it renders the table
let dash = null;
await check('report widget', async () => {
	const admin = await newPage({ token: env.TV_ADMIN_TOKEN });
	const c = await apiReq('POST', 'dashboards', { name: 'Reports wall', widgets: [] });
	ok(c.status === 201, 'an empty dashboard', JSON.stringify(c.json));
	dash = c.json.id;
	await visit(admin, '#/dashboards/' + dash + '?edit=1');
	const opts = await admin.$$eval('[data-test=add-type] option', (o) => o.map((x) => x.value));
	ok(opts.includes('report'), 'the editor offers the report widget', opts.join());
	await admin.selectOption('[data-test=add-type]', 'report');
	await admin.click('[data-test=add-widget]');
	const last = '[data-test=edit-widget]:last-child ';
	ok(await admin.getAttribute(last + '[data-param=report_id]', 'type') === 'number', '... with a report number field');
	await admin.fill(last + '[data-param=report_id]', String(id));
	await admin.selectOption(last + '[data-field=width]', '3');
	await admin.click('[data-test=save]');
	await admin.waitForSelector('[data-test=dash-name]');
	await settled(admin);
	const sv = await apiReq('GET', 'dashboards/' + dash);
	const saved = sv.json;
	ok(saved && same(saved.widgets, [{ type: 'report', width: 3, params: { report_id: id } }]), 'saved with its report_id',
	    JSON.stringify(saved && saved.widgets));
	ok(await visit(admin, '#/dashboards/' + dash) === 'ready', 'the dashboard renders');
	const w = '[data-test=widget][data-type=report]';
	ok(await admin.getAttribute(w, 'data-state') === 'ready', '... the report widget has its data');
	ok(same(await rows(admin, w), WANT) && same(await totals(admin, w), TOTAL), '... the same table as the reports page',
	    JSON.stringify(await rows(admin, w)));
	ok(await admin.getAttribute(w + ' [data-test=report-link]', 'href') === '#/reports/' + id, '... and a link to the report');
	ok((await text(admin, w + ' h2')) === 'Report #' + id, '... titled by its number');
	await shot(admin, 'widget');
	// a count in the widget opens the report's drilldown
	await after(admin, () => admin.click(w + ' [data-test=report-row][data-key="2026-11-09,dev"] [data-test=cell-failed]'));
	await admin.waitForSelector('[data-test=drill-row]');
	const dr = await admin.$$eval('[data-test=drill-row]', (r) => r.map((x) => x.querySelector('td:nth-child(3) a').textContent +
	    ':' + x.querySelector('td:nth-child(2) a').textContent));
	ok(same(dr, ['rp-5:a']), 'a failed count in the widget opens the report\'s drilldown: rp-5 a', JSON.stringify(dr));
	// an unknown report: the widget fails alone
	const bad = await apiReq('PUT', 'dashboards/' + dash, { name: 'Reports wall', widgets: [...saved.widgets,
	    { type: 'report', params: { report_id: 999999 } }] }, { 'If-Match': sv.etag });
	if (bad.status === 200) {
		await visit(admin, '#/dashboards/' + dash);
		const states = await admin.$$eval('[data-test=widget]', (x) => x.map((y) => y.dataset.state));
		ok(same(states, ['ready', 'error']), 'a report that does not exist: only its widget shows the error', states.join());
	} else {
		note('PUT with an unknown report_id answered ' + bad.status + ' (the API checks it): ' + JSON.stringify(bad.json));
	}
	noErrors(admin, 'report widget', [404]);
	await admin.context().close();
});

// --- dark mode
await check('dark mode', async () => {
	const dark = await newPage({ dark: true, token: env.TV_READ_TOKEN });
	await visit(dark, '#/reports/' + id + '?group=2026-11-02%2Cmain&status=failed');
	await dark.waitForSelector('[data-test=drill-row]');
	await settled(dark);
	await shot(dark, 'report-dark');
	await visit(dark, '#/dashboards/' + dash);
	await shot(dark, 'widget-dark');
	noErrors(dark, 'dark mode', [404]);
	await dark.context().close();
});

// --- live: a run stored while the report is open is counted in it
// without a reload (last: it changes the figures the checks above use)
await check('live refresh', async () => {
	await visit(page, '#/reports/' + id);
	await page.waitForSelector('#live[data-state=live]', { timeout: 15000 }).catch(() => {});
	const xml = '<?xml version="1.0"?><testsuite name="live" tests="1"><testcase classname="live.suite" name="t1" time="0.01"/></testsuite>';
	const r = await fetch(BASE + 'api/tests/ingest?branch=main&run_id=rp-live&started_at=2026-11-10T10:00:00Z',
	    { method: 'POST', headers: { Authorization: 'Bearer ' + env.TV_ADMIN_TOKEN, 'Content-Type': 'application/xml' },
	    body: xml });
	await r.arrayBuffer();
	ok(r.status >= 200 && r.status < 300, 'a run is stored while the report is open', 'status ' + r.status);
	const want = ['2026-11-09,main', 2, 4, 4, 0, 0, '100.0%'];
	// the row's runs cell turns to 2 (bounded wait: a loaded machine
	// delivers the event and the recount later, never more than this)
	await page.waitForFunction((k) => {
		const tr = [...document.querySelectorAll('[data-test=report-row]')].find((x) => x.dataset.key === k);
		return tr && tr.querySelector('[data-col=runs]').textContent.replace(/[^0-9]/g, '') === '2';
	}, want[0], { timeout: 40000 }).catch(() => {});
	await settled(page);
	const got = (await rows(page)).find((x) => x[0] === want[0]);
	ok(same(got, want), '... and counted in the report without a reload: 2026-11-09 on main now 2 runs, 4 passed',
	    JSON.stringify(got));
	noErrors(page, 'live refresh');
});

await browser.close();
out({ done: true });
