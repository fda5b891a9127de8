// Test detail: GET api/tests/{id} with, in parallel, /history (the status
// strip of the last 100 runs), /timing (duration chart), /uptime for 24 h,
// 7 d and 30 d, /incidents and /results (offset pages).  One level of
// requests: no waterfall.
import { h, clear, when, pct, num, status, table, td, dur, sha, historyStrip, stripLegend } from '../dom.js';
import { api } from '../api.js';
import { fail, loading, runHref, href, empty, section, errorBox } from '../ui.js';
import { durationChart } from '../chart.js';

const PAGE = 20;

export async function render(view, { segs, query }) {
	const id = segs[1];
	clear(view, h('h1', null, 'Test'), loading('the test'));
	const base = 'tests/' + encodeURIComponent(id);
	const offset = Math.max(0, parseInt(query.offset || '0', 10) || 0);
	let t, hist, timing, up24, up7, up30, inc, res;
	try {
		[t, hist, timing, up24, up7, up30, inc, res] = await Promise.all([
		    api(base),
		    api(base + '/history', { limit: 100 }),
		    api(base + '/timing', { limit: 200 }),
		    api(base + '/uptime', { hours: 24 }),
		    api(base + '/uptime', { hours: 168 }),
		    api(base + '/uptime', { hours: 720 }),
		    api(base + '/incidents', { limit: 10 }),
		    api(base + '/results', { limit: PAGE, offset })]);
	} catch (e) {
		return fail(view, e);
	}
	const chartEl = h('div', { class: 'chart', 'data-test': 'duration-chart' });
	clear(view,
	    h('h1', null, t.name),
	    h('p', { class: 'sub' }, status(t.last_status), ' \u00b7 ', h('code', null, t.classname || t.file),
		t.state !== 'active' ? [' \u00b7 ', h('span', { class: 'tag' }, t.state)] : null),
	    h('div', { class: 'grid2' }, definition(t), figures(t)),
	    incidentBox(t.open_incident),
	    stripSection(hist),
	    section('Duration', chartEl),
	    uptimeSection([['24 hours', up24], ['7 days', up7], ['30 days', up30]]),
	    flakySection(t, hist.history),
	    messagesSection(hist.history),
	    incidentsSection(inc),
	    resultsSection(segs, offset, res),
	    section('Mappings', mappings(t.mappings)));
	const pts = timing.timing.slice().reverse().map((x) => ({ t: Date.parse(x.timestamp), v: x.duration_ms }));
	if (pts.length === 0) {
		chartEl.classList.remove('chart');
		chartEl.append(empty('No durations recorded for this test yet.'));
	} else {
		try {
			await durationChart(chartEl, pts);
		} catch (e) {
			chartEl.append(errorBox(e));
		}
	}
}

function definition(t) {
	return h('dl', { class: 'meta' },
	    h('dt', null, 'Test id'), h('dd', null, h('code', null, t.test_id)),
	    t.params ? [h('dt', null, 'Parameters'), h('dd', null, h('code', null, t.params))] : null,
	    h('dt', null, 'Class'), h('dd', null, t.classname || '\u2014'),
	    h('dt', null, 'File'), h('dd', null, t.file ? h('code', null, t.file + (t.line ? ':' + t.line : '')) : '\u2014'),
	    h('dt', null, 'Suite'), h('dd', null, t.suite_path || '\u2014'),
	    h('dt', null, 'Owner'), h('dd', null, t.owner || '\u2014'),
	    h('dt', null, 'Tags'), h('dd', null, t.tags.length ? t.tags.map((x) => h('span', { class: 'tag' }, x)) : '\u2014'),
	    h('dt', null, 'First seen'), h('dd', null, when(t.first_seen_at)),
	    h('dt', null, 'Last seen'), h('dd', null, when(t.last_seen_at)),
	    h('dt', null, 'Last passed'), h('dd', null, when(t.last_passed_at)),
	    h('dt', null, 'Last failed'), h('dd', null, when(t.last_failed_at)));
}

function figures(t) {
	const c = (k, v, title) => h('div', { class: 'card', title }, h('div', { class: 'v' }, v), h('div', { class: 'k' }, k));
	return h('div', { class: 'cards' },
	    c('pass rate (last 50)', pct(t.pass_rate), 'passes / results that ran'),
	    c('runs', num(t.runs)),
	    c('p50 duration', dur(t.p50_ms)),
	    c('p95 duration', dur(t.p95_ms)),
	    c('flip rate', pct(t.flaky_score, 0), 'pass/fail flips over the recent results'),
	    c('passed on retry', num(t.flaky_runs), 'runs where it failed, then passed on a retry'));
}

function incidentBox(i) {
	if (!i)
		return null;
	return h('div', { class: 'box incident', role: 'note', 'data-test': 'open-incident' },
	    h('p', null, h('strong', null, '\u26A0 Failing since '), when(i.started_at),
		' on ', h('code', null, i.branch), ' \u00b7 ', num(i.failure_count), ' failing runs \u00b7 first failing run ',
		h('a', { href: runHref(i.opened_run_id) }, i.opened_run_id)),
	    i.error ? h('pre', null, i.error) : null);
}

function stripSection(hist) {
	const entries = hist.history.slice().reverse();
	if (entries.length === 0)
		return section('Last 100 runs', empty('No results yet.'));
	const { el, summary } = historyStrip(entries, (e) => runHref(e.run_id));
	return section('Last ' + entries.length + ' runs', h('div', { 'data-test': 'status-strip' }, el),
	    h('p', { class: 'small' }, summary + ', oldest left. Each bar links to its run.'), stripLegend());
}

function uptimeSection(list) {
	return section('Uptime', h('div', { class: 'cards', 'data-test': 'uptime' }, list.map(([k, u]) =>
	    h('div', { class: 'card' + (u.total_runs && u.uptime_pct < 100 ? ' bad' : '') },
		h('div', { class: 'v' }, u.total_runs ? u.uptime_pct.toFixed(1) + '%' : '\u2014'),
		h('div', { class: 'k' }, k + ': ' + (u.total_runs ?
		    num(u.passed_runs) + ' of ' + num(u.total_runs) + ' runs passed' : 'no runs'))))),
	    h('p', { class: 'small muted' }, 'Skipped results are not counted.'));
}

// Flaky evidence: retry passes and flip rate from the rollups; commits
// that both passed and failed, from the history shown above.
function flakySection(t, history) {
	const bySha = new Map();
	for (const e of history) {
		if (!e.git_sha || (e.status !== 'passed' && e.status !== 'failed' && e.status !== 'error'))
			continue;
		const s = bySha.get(e.git_sha) || { pass: 0, fail: 0, runs: [] };
		if (e.status === 'passed')
			s.pass++;
		else
			s.fail++;
		s.runs.push(e.run_id);
		bySha.set(e.git_sha, s);
	}
	const conflicts = [...bySha.entries()].filter(([, s]) => s.pass && s.fail);
	const retries = history.filter((e) => e.flaky_in_run);
	if (t.flaky_runs === 0 && conflicts.length === 0 && t.flaky_score === 0)
		return section('Flaky evidence', empty('No flaky evidence: no passes after a retry, no commit that both passed and failed, no flips.'));
	return section('Flaky evidence', h('ul', { 'data-test': 'flaky-evidence' },
	    h('li', null, num(t.flaky_runs) + ' runs passed only after a retry',
		retries.length ? [' (recent: ', retries.slice(0, 5).map((e, i) =>
		    [i ? ', ' : '', h('a', { href: runHref(e.run_id) }, e.run_id)]), ')'] : null),
	    h('li', null, num(conflicts.length) + ' commits both passed and failed in the last ' + history.length + ' runs',
		conflicts.length ? [': ', conflicts.slice(0, 5).map(([s, x], i) =>
		    [i ? ', ' : '', sha(s), ' (' + x.pass + ' \u2713 / ' + x.fail + ' \u2717)'])] : null),
	    h('li', null, 'flip rate ' + pct(t.flaky_score, 0) + ' over the recent results')));
}

// The distinct failure messages among the recent runs.
function messagesSection(history) {
	const groups = new Map();
	for (const e of history) {
		if (e.status !== 'failed' && e.status !== 'error')
			continue;
		const k = e.fingerprint || e.message || '';
		const g = groups.get(k) || { n: 0, last: e, fp: e.fingerprint, msg: e.message };
		g.n++;
		groups.set(k, g);
	}
	if (groups.size === 0)
		return section('Failure messages', empty('No failures in the last ' + history.length + ' runs.'));
	return section('Failure messages', [...groups.values()].map((g) =>
	    h('div', { class: 'box', 'data-test': 'failure-message' },
		h('p', null, h('strong', null, g.n + ' \u00d7'), ' last in ', h('a', { href: runHref(g.last.run_id) }, g.last.run_id),
		    ' ', when(g.last.started_at), g.fp ? [' \u00b7 fingerprint ', h('code', null, g.fp)] : null),
		h('pre', null, g.msg || '(no message)'))));
}

function incidentsSection(inc) {
	if (inc.incidents.length === 0)
		return section('Incidents', empty('No failure episodes recorded.'));
	return section('Incidents (' + num(inc.total) + ')', table(['State', 'Branch', 'Started', 'Resolved',
	    ['Failing runs', 'num'], 'Error'], inc.incidents.map((i) => h('tr', null,
	    td(i.resolved_at ? status('passed', 'resolved') : status('failed', 'open')),
	    td(i.branch),
	    td([when(i.started_at), h('span', { class: 'cls' }, h('a', { href: runHref(i.opened_run_id) }, i.opened_run_id))]),
	    td(i.resolved_at ? [when(i.resolved_at), h('span', { class: 'cls' }, h('a', { href: runHref(i.resolved_run_id) }, i.resolved_run_id))] : '\u2014'),
	    td(num(i.failure_count), 'num'),
	    td(i.error ? i.error.slice(0, 300) : '', 'msg')))));
}

function resultsSection(segs, offset, res) {
	const rows = res.results.map((r) => h('tr', null,
	    td(status(r.status)),
	    td(h('a', { href: runHref(r.run_id) }, r.run_id)),
	    td(when(r.started_at)),
	    td(dur(r.duration_ms), 'num'),
	    td(r.error || r.details ? h('details', null, h('summary', null, (r.error || 'details').split('\n')[0].slice(0, 160)),
		r.details ? h('pre', null, r.details) : null) : '', 'msg')));
	const nav = h('nav', { class: 'pager', 'aria-label': 'Result pages' });
	if (offset > 0)
		nav.append(h('a', { href: href(segs, { offset: Math.max(0, offset - PAGE) }) }, '\u2190 Newer'));
	if (offset + res.results.length < res.total)
		nav.append(h('a', { href: href(segs, { offset: offset + PAGE }), 'data-test': 'older' }, 'Older \u2192'));
	nav.append(h('span', { class: 'muted small' }, res.total ? (offset + 1) + '\u2013' +
	    (offset + res.results.length) + ' of ' + num(res.total) : ''));
	return h('section', { id: 'results' }, h('h2', null, 'Results'),
	    rows.length ? table(['Status', 'Run', 'Started', ['Duration', 'num'], 'Error and stack'], rows) :
		empty('No results.'), nav);
}

function mappings(list) {
	if (!list || list.length === 0)
		return empty('No domain or feature mappings yet: mappings arrive with the batch mapping pass.');
	return h('ul', null, list.map((m) => h('li', null,
	    String(m.feature || m.feature_path || m.domain || 'mapping'),
	    m.provider ? ' \u00b7 ' + m.provider : '',
	    m.confidence !== undefined ? ' \u00b7 confidence ' + m.confidence : '',
	    m.primary ? ' \u00b7 primary' : '')));
}
