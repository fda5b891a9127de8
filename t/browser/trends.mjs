// Browser checks of the trends and quality pages (issue 16 item 6),
// called by run.mjs with its helpers.  Project "default" has the demo
// data; project "trend" 12 weekly runs on main whose week 9 passed 6 of
// 20 tests (t/80-browser.t), an anomaly for the trends page to mark.

// The API straight from node, in a project.
async function apiIn(BASE, project, p, params = {}) {
	const q = new URLSearchParams({ ...params, project });
	const r = await fetch(BASE + 'api/' + p + '?' + q);
	return r.json();
}

// A page of project P (localStorage, as Settings keeps it).
async function projectPage(newPage, p, dark = false) {
	const pg = await newPage({ dark });
	await pg.addInitScript((name) => localStorage.setItem('testvis.project', name), p);
	return pg;
}

// the anomaly marks drawn, the table's anomaly rows, the API's anomalies
async function marks(page) {
	return {
		drawn: await page.$eval('[data-test=trend-chart]', (e) => Number(e.dataset.anomalies)).catch(() => -1),
		rows: await page.$$eval('[data-test=trend-anomaly]', (r) => r.length),
		canvas: await page.$$eval('[data-test=trend-chart] canvas', (c) => c.length),
	};
}

// trendChecks(t): the checks; t holds run.mjs's helpers and BASE.
export async function trendChecks(t) {
	const { BASE, check, ok, newPage, visit, after, shot, text, noErrors } = t;

	await check('trends page', async () => {
		const page = await newPage();
		const d = await apiIn(BASE, 'default', 'trends', { metric: 'pass_rate' });
		ok(await visit(page, '#/trends') === 'ready', 'trends: the page renders the demo data');
		const opts = await page.$$eval('select[name=metric] option', (o) => o.map((x) => x.textContent));
		ok(opts.length === 6, 'trends: the metric picker offers all six metrics', opts.join('|'));
		const pts = await page.$$eval('[data-test=trend-point], [data-test=trend-anomaly]', (r) => r.length);
		ok(pts === d.series.length, 'trends: the table has a row per interval of the series',
		    pts + ' rows, ' + d.series.length + ' points');
		const m = await marks(page);
		ok(m.canvas === 1, 'trends: a uPlot chart of the series is drawn');
		ok(m.drawn === d.anomalies.points.length && m.rows === m.drawn,
		    'trends: as many anomaly marks on the chart and in the table as the API found', JSON.stringify(m));
		const cap = await text(page, '[data-test=trend-methods]');
		ok(cap.includes(d.anomalies.method) && cap.includes(d.forecast.method),
		    'trends: the anomaly and forecast methods are named under the chart', cap);
		ok(await page.$$eval('[data-test=trend-forecast]', (r) => r.length) === d.forecast.points.length,
		    'trends: the forecast points are in the table');
		// the state is in the URL: metric, interval, window, branch
		await after(page, () => page.selectOption('select[name=metric]', 'duration_p95'));
		ok(page.url().includes('metric=duration_p95'), 'trends: the metric is in the URL', page.url());
		await after(page, () => page.selectOption('select[name=interval]', 'day'));
		await page.fill('input[name=window]', '20');
		await after(page, () => page.click('form.filters button[type=submit]'));
		const url = page.url();
		ok(/metric=duration_p95/.test(url) && /interval=day/.test(url) && /window=20/.test(url),
		    'trends: metric, interval and window are in the URL', url);
		await page.reload();
		await t.ready(page);
		const kept = await page.evaluate(() => [document.querySelector('select[name=metric]').value,
		    document.querySelector('select[name=interval]').value,
		    document.querySelector('input[name=window]').value].join(' '));
		ok(kept === 'duration_p95 day 20', 'trends: a reload keeps the metric, interval and window', kept);
		const rows = await page.$$eval('[data-test=trend-point], [data-test=trend-anomaly]', (r) => r.length);
		const h2 = await text(page, '#main h2');
		ok(rows === 20 && /Duration p95 per day, last 20 days/.test(h2),
		    'trends: the page shows what the URL says (20 days of p95)', rows + ' ' + h2);
		await shot(page, 'trends-p95-day');
		// a branch without runs: the empty state
		ok(await visit(page, '#/trends?branch=no-such-branch') === 'ready', 'trends: a branch without runs renders');
		ok(/No runs in these/.test(await text(page, '[data-test=trend-empty]')) &&
		    await page.$('[data-test=trend-chart]') === null,
		    'trends: an empty series shows an empty state, not an empty chart');
		ok((await text(page, '[data-test=branch-name]')) === 'no-such-branch', 'trends: the branch is named');
		await shot(page, 'trends-empty');
		noErrors(page, 'trends');
		await page.context().close();
	});

	await check('trends anomaly', async () => {
		const d = await apiIn(BASE, 'trend', 'trends', { metric: 'pass_rate', window: 12 });
		const drop = d.series.find((p) => p.value !== null && p.value < 0.5);
		ok(drop && d.anomalies.points.some((a) => a.start === drop.start),
		    'trends: the API finds the crafted week of 6 of 20 passing an anomaly', JSON.stringify(d.anomalies));
		for (const dark of [false, true]) {
			const page = await projectPage(newPage, 'trend', dark);
			ok(await visit(page, '#/trends?window=12') === 'ready', 'trends anomaly: the page renders' + (dark ? ' (dark)' : ''));
			const m = await marks(page);
			ok(m.canvas === 1 && m.drawn >= 1 && m.drawn === d.anomalies.points.length && m.rows === m.drawn,
			    'trends anomaly: the chart marks each anomaly the API found' + (dark ? ' (dark)' : ''), JSON.stringify(m));
			const row = await page.$$eval('[data-test=trend-anomaly]', (r) => r.map((x) => x.textContent));
			ok(row.some((r) => r.includes('30.0%') && /\u25C6 anomaly: expected/.test(r)),
			    'trends anomaly: the table marks the week of the drop with a mark and a word', row.join('|'));
			ok((await text(page, '[data-test=anomaly-method]')).includes('MAD'),
			    'trends anomaly: the anomaly method is named');
			await shot(page, 'trends-anomaly' + (dark ? '-dark' : ''));
			noErrors(page, 'trends anomaly');
			await page.context().close();
		}
	});

	await check('quality page', async () => {
		const page = await newPage();
		const d = await apiIn(BASE, 'default', 'quality');
		ok(await visit(page, '#/quality') === 'ready', 'quality: the page renders the demo data');
		const h2 = await page.$$eval('#main h2', (e) => e.map((x) => x.textContent));
		const want = ['Flakiness', 'Stability', 'Time to repair (MTTR)', 'Most failing',
		    'Never failing \u2014 may test nothing', 'Test count drift', 'Slowest growing suites'];
		ok(want.every((w) => h2.includes(w)), 'quality: a section for each list of the answer', h2.join('|'));
		const mf = await page.$$eval('[data-test=q-most-failing] a[data-test=test-link]', (a) => a.map((x) => x.getAttribute('href')));
		ok(mf.length === d.most_failing.length && mf.every((hr, i) => hr.startsWith('#/tests/' + encodeURIComponent(d.most_failing[i].test_id))),
		    'quality: the most failing tests link to their test pages', mf.join(' '));
		ok(d.most_failing.length > 0, 'quality: the demo data has failing tests to list');
		if (mf.length) {
			await after(page, () => page.click('[data-test=q-most-failing] a[data-test=test-link]'));
			ok(/#\/tests\//.test(page.url()), 'quality: a test link opens the test page', page.url());
			await page.goBack();
			await t.ready(page);
		}
		const nf = await page.$$eval('[data-test=q-never-failing] tbody tr', (r) => r.length);
		ok(nf === d.never_failing.length, 'quality: the never-failing list has the API\u2019s rows', nf + ' vs ' + d.never_failing.length);
		// the state is in the URL: min_runs, branch
		await page.fill('input[name=min_runs]', '5');
		await page.fill('input[name=branch]', 'main');
		await after(page, () => page.click('form.filters button[type=submit]'));
		ok(/min_runs=5/.test(page.url()) && /branch=main/.test(page.url()), 'quality: min_runs and branch are in the URL', page.url());
		await page.reload();
		await t.ready(page);
		ok(await page.inputValue('input[name=min_runs]') === '5' && await page.inputValue('input[name=branch]') === 'main',
		    'quality: a reload keeps min_runs and branch');
		const d5 = await apiIn(BASE, 'default', 'quality', { min_runs: 5, branch: 'main' });
		const nf5 = await page.$$eval('[data-test=q-never-failing] tbody tr', (r) => r.length);
		ok(nf5 === d5.never_failing.length, 'quality: the page shows the answer for min_runs=5', nf5 + ' vs ' + d5.never_failing.length);
		await shot(page, 'quality-min5');
		noErrors(page, 'quality');
		await page.context().close();
	});

	await check('trends and quality live', async () => {
		const page = await newPage();
		for (const hash of ['#/trends', '#/quality']) {
			await visit(page, hash);
			const live = await page.waitForSelector('#live[data-state=live]', { timeout: 20000 }).then(() => true, () => false);
			ok(live, hash + ': the page follows the live stream (refreshes on new runs and batch passes)');
		}
		noErrors(page, 'trends and quality live');
		await page.context().close();
	});
}
