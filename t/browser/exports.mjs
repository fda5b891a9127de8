// Browser tests of the Export controls and #/exports (issue 17, REP-6),
// driven by t/87-browser-exports.t.  Debian's chromium through
// playwright-core (from build/npm).  Prints one JSON object a line
// (harness.mjs); screenshots (light and dark) go to TV_SHOTS as
// exports-*.png.  The light pass saves a read token (downloads are
// fetched with it); the dark pass has none (auth_read = public: the
// download links are followed as they are).
//
// Environment: TV_URL (t/87's runs e1, e2 on main and e3 on dev of the
// tests alpha, beta, gamma, delta), TV_READ_TOKEN, TV_ADMIN_TOKEN,
// TV_NPM, TV_SHOTS, TV_BATCH (runs the batch exports pass), TV_SQL (runs
// the SQL on its stdin on the instance's database).
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { env, out, ok, note, launchBrowser, newPage as harnessPage, visit, shooter, text, noErrors,
    apiReq, check } from './harness.mjs';

const browser = await launchBrowser();
const shot = shooter('exports');

// batch(): the batch `exports` pass, as cron would run it.
function batch() {
	const o = execFileSync(env.TV_BATCH, [], { encoding: 'utf8' });
	note('batch: ' + o.trim().split('\n').pop());
}

// crashedBatch(): the exports pass killed after its first commit (the
// test hook TESTVIS_BATCH_CRASH_AFTER, as t/78 uses it): the job is left
// running with its progress.
function crashedBatch() {
	try {
		execFileSync(env.TV_BATCH, [], { encoding: 'utf8', env: { ...process.env, TESTVIS_BATCH_CRASH_AFTER: '2' } });
		note('the crashed batch exited 0');
	} catch (e) {
		note('the crashed batch exited ' + e.status);
	}
}

// csvRows(text): the records of an RFC 4180 text (arrays of fields).
function csvRows(t) {
	const rows = [];
	let f = [], v = '', q = false, started = false;
	for (let i = 0; i < t.length; i++) {
		const c = t[i];
		if (q) {
			if (c === '"' && t[i + 1] === '"') {
				v += '"';
				i++;
			} else if (c === '"') {
				q = false;
			} else {
				v += c;
			}
		} else if (c === '"' && !started) {
			q = started = true;
		} else if (c === ',') {
			f.push(v);
			v = '';
			started = false;
		} else if (c === '\n') {
			f.push(v);
			rows.push(f);
			f = [];
			v = '';
			started = false;
		} else if (c !== '\r') {
			v += c;
			started = true;
		}
	}
	return rows;
}

// exportNow(page, format): picks format in the page's Export control,
// presses Export and waits for the job to show queued; its job id.
async function exportNow(page, format) {
	await page.selectOption('[data-test=exp-format]', format);
	await page.click('[data-test=exp-go]');
	await page.waitForSelector('[data-test=exp-card][data-status=queued]', { timeout: 10000 });
	return page.getAttribute('[data-test=exp-card]', 'data-job');
}

// finish(page, want): runs the exports pass and waits until the job
// shown inline has the status want (the control reads it every 2 s).
async function finish(page, want = 'done') {
	batch();
	await page.waitForSelector('[data-test=exp-card][data-status=' + want + ']', { timeout: 20000 });
}

// fetchFile(page): clicks the job's download link; {name, body (Buffer)}.
async function fetchFile(page) {
	const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 20000 }),
	    page.click('[data-test=exp-card] [data-test=exp-download]')]);
	return { name: dl.suggestedFilename(), body: fs.readFileSync(await dl.path()) };
}

// headers(page): the headers of the download link's answer (fetched from
// node with the admin token).
async function headersOf(page) {
	const href = await page.getAttribute('[data-test=exp-card] [data-test=exp-download]', 'href');
	const r = await fetch(href, { headers: { Authorization: 'Bearer ' + env.TV_ADMIN_TOKEN } });
	await r.arrayBuffer();
	return { status: r.status, type: r.headers.get('content-type') || '', href };
}

const rep = await apiReq('POST', 'reports', { from: '2026-11-01', to: '2026-11-30', branch: '*', group_by: ['branch'] });
ok(rep.status === 201 || rep.status === 200, 'a saved report to export', JSON.stringify(rep.json));
const reportId = rep.json.report_id;
const groups = (await apiReq('GET', 'reports/' + reportId)).json.groups;
const beta = (await apiReq('GET', 'tests?branch=*&q=beta')).json.tests.find((t) => t.name === 'beta');

for (const dark of [false, true]) {
	const mode = dark ? 'dark' : 'light';
	const page = await harnessPage(browser, { token: dark ? undefined : env.TV_READ_TOKEN, dark });
	await check('a run exported from its page (' + mode + ')', async () => {
		ok(await visit(page, '#/runs/e2') === 'ready', 'run e2 renders (' + mode + ')');
		ok(await page.$('[data-test=export-csv]') !== null && await page.$('[data-test=export-junit]') !== null,
		    'the run page still offers the immediate CSV and JUnit downloads');
		const fmts = await page.$$eval('[data-test=exp-format] option', (o) => o.map((x) => x.value));
		ok(fmts.join() === 'csv,xlsx,json,ndjson,junit', '... and the Export control its formats, JUnit too', fmts.join());
		ok(/written by the batch.*may take a minute/.test(await text(page, '[data-test=export-ctl]')),
		    '... saying that the batch makes the file');
		const id = await exportNow(page, 'csv');
		ok(/^[0-9a-f]{32}$/.test(id || ''), 'Export: a job, queued', id);
		ok(/Waiting for the batch/.test(await text(page, '[data-test=exp-card]')), '... waiting for the batch');
		await shot(page, 'run-queued-' + mode);
		if (!dark) {
			crashedBatch();
			await page.waitForSelector('[data-test=exp-card][data-status=running]', { timeout: 20000 });
			const pt = await text(page, '[data-test=exp-progress-text]');
			const bar = await page.$eval('[data-test=exp-progress]', (p) => [p.value, p.max]);
			ok(/^4 of 4 rows \(100%\)/.test(pt) && bar[0] === 4 && bar[1] === 4,
			    'a batch killed mid-way: running, with the progress bar of rows written', pt + ' ' + bar);
			await shot(page, 'run-running-' + mode);
		}
		await finish(page);
		const size = await text(page, '[data-test=exp-size]');
		ok(/\b4 rows\b/.test(size) && /\d+(\.\d)? (B|KB)/.test(size), 'after the pass: done, with its size and 4 rows', size);
		const f = await fetchFile(page);
		ok(f.name === id + '.csv', 'the download link gives the file, named by the job', f.name);
		const rows = csvRows(f.body.toString('utf8'));
		ok(rows[0].join() === 'run_id,started_at,branch,job,test_id,suite,classname,name,file,status,duration_ms,attempts,message',
		    '... its header row', rows[0].join());
		ok(rows.length === 5 && rows.slice(1).every((r) => r[0] === 'e2'), '... and a row per result of e2 (4)',
		    rows.length + ' records');
		ok(rows.slice(1).map((r) => r[7] + ':' + r[9]).sort().join() === 'alpha:passed,beta:passed,delta:passed,gamma:failed',
		    '... with the results\u2019 names and statuses', rows.slice(1).map((r) => r[7] + ':' + r[9]).join());
		await shot(page, 'run-done-' + mode);
		noErrors(page, 'run export (' + mode + ')');
	});
	await check('the catalogue exported with its filter (' + mode + ')', async () => {
		ok(await visit(page, '#/tests?branch=*&q=ta') === 'ready', 'the catalogue filtered by name "ta"');
		const shown = (await page.$$eval('table tbody tr td:nth-child(2) a', (a) => a.map((x) => x.textContent))).sort();
		ok(shown.join() === 'beta,delta', '... shows beta and delta', shown.join());
		ok(/name contains \u201Cta\u201D/.test(await text(page, '[data-test=exp-note]')),
		    '... and the Export control says it keeps the filter', await text(page, '[data-test=exp-note]'));
		ok(/Not applied to the export: branch and job/.test(await text(page, '[data-test=exp-note]')),
		    '... and which of the page\u2019s filters it cannot apply');
		await exportNow(page, 'csv');
		await finish(page);
		const rows = csvRows((await fetchFile(page)).body.toString('utf8'));
		const ni = rows[0].indexOf('name');
		const got = rows.slice(1).map((r) => r[ni]).sort();
		ok(ni >= 0 && got.join() === shown.join(), 'the exported rows are the page\u2019s tests', got.join());
		await shot(page, 'catalogue-' + mode);
		noErrors(page, 'catalogue export (' + mode + ')');
	});
	await check('a test\u2019s history as xlsx (' + mode + ')', async () => {
		ok(await visit(page, '#/tests/' + encodeURIComponent(beta.test_id)) === 'ready', 'test beta renders');
		await exportNow(page, 'xlsx');
		await finish(page);
		const size = await text(page, '[data-test=exp-size]');
		ok(/\b3 rows\b/.test(size), 'done: beta\u2019s 3 results on every branch', size);
		const hd = await headersOf(page);
		ok(hd.status === 200 && hd.type.startsWith('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
		    '... the link answers with the workbook\u2019s content type', hd.status + ' ' + hd.type + ' ' + hd.href);
		const f = await fetchFile(page);
		ok(/\.xlsx$/.test(f.name) && f.body.subarray(0, 2).toString('latin1') === 'PK',
		    '... and downloads as a workbook (a zip)', f.name);
		await shot(page, 'test-' + mode);
		noErrors(page, 'test export (' + mode + ')');
	});
	await check('a saved report as JSON (' + mode + ')', async () => {
		ok(await visit(page, '#/reports/' + reportId) === 'ready', 'the report renders');
		await exportNow(page, 'json');
		await finish(page);
		const a = JSON.parse((await fetchFile(page)).body.toString('utf8'));
		ok(Array.isArray(a) && a.length === groups.length && a.map((x) => x.branch).sort().join() === 'dev,main',
		    'the file holds the report\u2019s groups (main and dev)', JSON.stringify(a).slice(0, 200));
		await shot(page, 'report-' + mode);
		noErrors(page, 'report export (' + mode + ')');
	});
	await check('a job that fails shows its error (' + mode + ')', async () => {
		ok(await visit(page, '#/runs/e1') === 'ready', 'run e1 renders');
		await exportNow(page, 'ndjson');
		// the run goes away before the pass (as t/78 does it)
		execFileSync(env.TV_SQL, [], { input: "UPDATE export_jobs SET query = '{\"kind\":\"run\",\"run_id\":\"gone\"}' " +
		    "WHERE status = 'queued';\n" });
		await finish(page, 'failed');
		const msg = await text(page, '[data-test=exp-error-message]');
		ok(/no run 'gone' any more/.test(msg), 'failed, in the pass\u2019s words', msg);
		ok(await page.$('[data-test=exp-card] [data-test=exp-download]') === null, '... and no download link');
		await shot(page, 'failed-' + mode);
		noErrors(page, 'failed export (' + mode + ')');
	});
	await check('a refused export is said in words (' + mode + ')', async () => {
		await page.route((u) => /\/api\/exports(\?|$)/.test(u.href), (route) => route.request().method() === 'POST' ?
		    route.fulfill({ status: 507, contentType: 'application/json', body: JSON.stringify({ error: {
			code: 'quota_exceeded', message: 'the export files take export_quota_mb (1 MB) already' } }) }) :
		    route.continue());
		await page.click('[data-test=exp-go]');
		await page.waitForSelector('[data-test=exp-post-error]', { timeout: 10000 });
		const t = await text(page, '[data-test=exp-post-error]');
		ok(/storage quota is used up/.test(t) && /507: the export files take export_quota_mb \(1 MB\) already/.test(t) &&
		    /All exports/.test(t), 'a 507: the quota named, the API\u2019s message, what to do', t);
		await shot(page, 'refused-' + mode);
		await page.unroute((u) => /\/api\/exports(\?|$)/.test(u.href));
		noErrors(page, 'refused export (' + mode + ')', [507]);
	});
	await check('#/exports lists them (' + mode + ')', async () => {
		ok(await visit(page, '#/settings') === 'ready', 'Settings renders');
		await page.click('[data-test=settings-exports]');
		await page.waitForSelector('[data-test=exports-table]', { timeout: 10000 });
		ok(page.url().endsWith('#/exports'), 'Settings links to #/exports', page.url());
		const rows = await page.$$eval('[data-test=export-row]', (r) => r.map((x) => ({ s: x.dataset.status,
		    t: x.textContent })));
		ok(rows.length === (dark ? 10 : 5), 'every job of the browser, the newest first', String(rows.length));
		ok(rows[0].s === 'failed' && /no run 'gone' any more/.test(rows[0].t), '... the failed one with its error', rows[0].t);
		ok(rows[1].s === 'done' && /report #\d+/.test(rows[1].t) && /JSON/.test(rows[1].t), '... the report', rows[1].t);
		ok(/history of test/.test(rows[2].t) && /3 rows/.test(rows[2].t), '... the test\u2019s history', rows[2].t);
		ok(/test catalogue \(name contains ta\)/.test(rows[3].t), '... the catalogue with its filter', rows[3].t);
		ok(/run e2/.test(rows[4].t) && /4 rows/.test(rows[4].t), '... the run', rows[4].t);
		const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 20000 }),
		    page.click('[data-test=export-row]:nth-child(4) [data-test=exp-download]')]);
		const recs = csvRows(fs.readFileSync(await dl.path(), 'utf8'));
		ok(recs.length === 3, 'its download link gives the catalogue\u2019s file', String(recs.length));
		await shot(page, 'list-' + mode);
		noErrors(page, 'exports list (' + mode + ')');
	});
	await page.context().close();
}

await browser.close();
out({ done: true });
