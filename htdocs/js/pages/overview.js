// Overview dashboard: GET api/dashboard for one branch (the default one,
// or ?branch= / ?job= of the page) and, in parallel, the last 30 runs of
// every branch for the pass-rate bars.  The tests failing now come first.
// Empty project: how to upload the first report.
import { h, clear, when, pct, num, status, table, td, sha } from '../dom.js';
import { api, getProject } from '../api.js';
import { load, runHref, href, section, filterForm } from '../ui.js';

// live(): the overview shows something of every kind of event (runs of
// every branch in the bars, incidents, flaky and paused tests, integrity
// signals, the batch's figures): any event of the project refreshes it.
export function live() {
	return { stream: { path: 'live' } };
}

export async function render(view, { segs = [], query = {} } = {}) {
	const [d, runs] = await load(view, [h('h1', null, 'Overview')], 'the dashboard',
	    Promise.all([api('dashboard', { branch: query.branch, job: query.job }),
	    api('tests/runs', { limit: 30 })]));
	const head = [h('h1', null, 'Overview'),
	    h('p', { class: 'sub' }, 'Project ', h('strong', null, d.project), ' \u00b7 ',
	    num(d.total_tests), ' tests, ', num(d.active_tests), ' seen in the last 7 days'),
	    h('p', { class: 'sub', 'data-test': 'dash-branch' }, 'Branch ',
	    h('strong', null, d.branch || '(runs without a branch)'),
	    d.job !== null ? [' \u00b7 job ', h('strong', null, d.job)] : ' \u00b7 every job',
	    query.branch || query.job ? [' \u00b7 ', h('a', { href: href([]) }, 'default branch')] : null),
	    filterForm(segs, query, [
		{ name: 'branch', label: 'Branch', placeholder: d.branch || 'default branch' },
		{ name: 'job', label: 'Job', placeholder: 'every job' }], 'Show')];
	// a project without any run yet (not a branch without runs)
	if (runs.runs.length === 0 && d.total_tests === 0)
		return clear(view, head.slice(0, 2), firstUpload());

	const card = (k, v, link, cls, title) => h(link ? 'a' : 'div',
	    { class: 'card' + (cls ? ' ' + cls : ''), href: link, title,
	      'data-test': 'card' },
	    h('div', { class: 'v' }, v), h('div', { class: 'k' }, k));
	// the cards' lists are those of the branch and job shown here
	const sc = { branch: d.branch || undefined, job: d.job || undefined };
	const cards = h('div', { class: 'cards' },
	    card('\u2713 passing', num(d.passing), href(['tests'], { ...sc, status: 'passed' }), 'good'),
	    card('\u2717 failing', num(d.failing), href(['tests'], { ...sc, sort: 'last_failed', status: 'failing' }),
		d.failing ? 'bad' : null, 'latest result on ' + (d.branch || 'runs without a branch') + ' failed or error; the list has the same tests'),
	    card('\u2298 skipped', num(d.skipped), href(['tests'], { ...sc, status: 'skipped' })),
	    card('\u2248 flaky', num(d.flaky), href(['flaky'], sc), d.flaky ? 'bad' : null),
	    card('\u2026 pending', num(d.pending), href(['tests'], { branch: '*', status: 'pending' }), null,
		'tests of the project without any result yet'),
	    card('\u2016 paused', num(d.paused_tests), null, null, 'muted or quarantined'),
	    card('\u26A0 open incidents', num(d.open_incidents), href(['tests'], { ...sc, sort: 'last_failed' }),
		d.open_incidents ? 'bad' : null),
	    card('\u2691 open integrity signals', num(d.open_signals), href(['integrity']),
		d.open_signals ? 'bad' : null, 'signals that a run weakened the suite; open the alerts'),
	    card('pass rate, last ' + d.pass_rate_runs + ' runs of ' + (d.branch || 'no branch'), pct(d.pass_rate),
		href(['runs']), null, 'passed / (passed + failed + errors) over those runs'));

	clear(view, head,
	    section('Failing now on ' + (d.branch || 'runs without a branch'), failingNow(d)),
	    section('Tests on ' + (d.branch || 'runs without a branch') + (d.job !== null ? ', job ' + d.job : ''), cards),
	    section('Pass rate of the last ' + runs.runs.length + ' runs (every branch)', bars(runs.runs)),
	    section('Recent runs of ' + (d.branch || 'runs without a branch'), recentRuns(d.recent_runs),
		h('p', null, h('a', { href: href(['runs'], { branch: d.branch || undefined, job: d.job || undefined }) },
		'All runs \u2192'))));
}

// The tests failing in the newest run of each job of the branch: new ones
// marked new, known ones with the time their streak began.
function failingNow(d) {
	if (d.failing_now.length === 0)
		return h('p', { class: 'muted', 'data-test': 'failing-now-none' },
		    'Nothing is failing in the newest run of any job.');
	const rows = d.failing_now.map((f) => h('tr', { 'data-test': 'failing-now' },
	    td([h('a', { href: href(['tests', f.test_id], { branch: d.branch || undefined, job: f.job || undefined }) }, f.name),
		f.flaky ? [' ', status('flaky')] : null,
		f.quarantined ? [' ', status('quarantined')] : null]),
	    td(f.job === null ? h('span', { class: 'muted' }, '(no job)') : f.job),
	    td(f.new ? h('strong', { 'data-test': 'new' }, 'new') :
		['since ', when(f.since), ' \u00b7 ', num(f.runs_failing), ' runs']),
	    td(h('a', { href: runHref(f.run_id) }, f.run_id)),
	    td(f.incident_id === null ? '\u2014' : '#' + f.incident_id),
	    td(f.fingerprint === null ? '\u2014' :
		h('a', { href: href(['failures'], { branch: d.branch || undefined }), title: f.fingerprint }, h('code', null, f.fingerprint.slice(0, 10))))));
	const more = d.failing_now_total > d.failing_now.length ?
	    h('p', { class: 'small muted' }, 'The first ' + d.failing_now.length + ' of ' +
	    num(d.failing_now_total) + ' failing tests.') : null;
	return [h('div', { 'data-test': 'failing-now-table' }, table(['Test', 'Job', 'Failing', 'Run',
	    'Incident', 'Group'], rows)), more];
}

// One bar per run, oldest left; the height is the run's pass rate.
function bars(runs) {
	if (runs.length === 0)
		return h('p', { class: 'muted' }, 'No runs yet.');
	const list = runs.slice().reverse();
	const el = h('div', { class: 'bars', role: 'list', 'aria-label': 'pass rate per run, oldest first' });
	const rateOf = (c) => {
		const ran = c.passed + c.failed + c.errors;
		return ran ? c.passed / ran : null;
	};
	// The bars start at a floor (a multiple of 10% below the lowest rate)
	// so that 99% and 95% look different.
	const rates = list.map((r) => rateOf(r.counts)).filter((x) => x !== null);
	const floor = rates.length ? Math.max(0, Math.floor(Math.min(...rates) * 10 - 0.001) / 10) : 0;
	let failed = 0;
	for (const r of list) {
		const rate = rateOf(r.counts);
		if (r.status === 'failed')
			failed++;
		const t = r.run_id + ' \u00b7 ' + (r.branch || 'no branch') + ' \u00b7 ' +
		    r.status + ' \u00b7 ' + (rate === null ? 'nothing ran' : pct(rate) + ' passed') +
		    ' \u00b7 ' + r.started_at;
		const a = h('a', { href: runHref(r.run_id), class: r.status, title: t,
		    'aria-label': t, role: 'listitem' });
		const frac = rate === null ? 0 : (rate - floor) / (1 - floor || 1);
		a.style.height = Math.max(3, Math.round(frac * 100)) + '%';
		el.append(a);
	}
	return [el, h('p', { class: 'small muted' }, (list.length - failed) + ' of ' + list.length +
	    ' runs passed; failed runs are red and marked \u2717. Bar height: pass rate from ' +
	    pct(floor, 0) + ' (bottom) to 100% (top). Hover or focus a bar for details.')];
}

export function runsTable(runs, withLinks = true) {
	return table(['Status', 'Run', 'Branch', 'Commit', ['Tests', 'num'], ['Failed', 'num'],
	    ['Skipped', 'num'], 'Started'], runs.map((r) => h('tr', null,
	    td(status(r.status)),
	    td(h('a', { href: runHref(r.run_id) }, r.run_id)),
	    td(r.branch || '\u2014'),
	    td(sha(r.git_sha)),
	    td(num(r.counts.tests), 'num'),
	    td(num(r.counts.failed + r.counts.errors), 'num'),
	    td(num(r.counts.skipped), 'num'),
	    td(when(r.started_at)))));
}

function recentRuns(runs) {
	return h('div', { 'data-test': 'recent-runs' }, runsTable(runs));
}

// The empty state: a curl line with this server's real URL.
function firstUpload() {
	const base = new URL('.', location.href).href.replace(/#.*$/, '');
	const project = getProject();
	const url = base + 'api/tests/ingest?branch=main' +
	    (project !== 'default' ? '&project=' + encodeURIComponent(project) : '');
	const line = 'curl -H "Authorization: Bearer $TOKEN" -H \'Content-Type: application/xml\' ' +
	    '--data-binary @report.xml \'' + url + '\'';
	const pre = h('pre', { 'data-test': 'curl' }, line);
	const btn = h('button', { type: 'button' }, 'Copy');
	btn.addEventListener('click', async () => {
		try {
			await navigator.clipboard.writeText(line);
			btn.textContent = 'Copied';
		} catch (e) {
			const r = document.createRange();
			r.selectNodeContents(pre);
			getSelection().removeAllRanges();
			getSelection().addRange(r);
			btn.textContent = 'Selected: press Ctrl+C';
		}
	});
	// make run's token is for project default; another project's upload
	// needs a token of that project with scope ingest (or admin)
	const who = project === 'default' ?
	    h('p', null, 'Upload a JUnit XML report from your CI job and this page fills up. ',
	    'With an ingest token in ', h('code', null, '$TOKEN'), ' (', h('code', null, 'make run'),
	    ' prints one and keeps it in ', h('code', null, 'var/ingest.token'), '):') :
	    h('p', { 'data-test': 'token-hint' },
	    'Upload a JUnit XML report from your CI job and this page fills up. ',
	    'The URL names ', h('code', null, '?project=' + project), ', and ', h('code', null, '$TOKEN'),
	    ' must be a token of project ', h('code', null, project), ' with scope ',
	    h('code', null, 'ingest'), ' (or ', h('code', null, 'admin'), '); the one in ',
	    h('code', null, 'var/ingest.token'), ' is for project ', h('code', null, 'default'),
	    ' only. Create one with ',
	    h('code', null, 'testvis token create --project ' + project + ' --scope ingest'), ':');
	return h('div', { class: 'empty', 'data-test': 'empty' },
	    h('h2', null, 'No test runs yet'),
	    who,
	    h('div', { class: 'copy' }, pre, btn),
	    h('p', null, 'Add ', h('code', null, '&run_id=\u2026&git_sha=\u2026'),
	    ' to link runs to commits. Any test framework that writes JUnit XML works.'));
}
