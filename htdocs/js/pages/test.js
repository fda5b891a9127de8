// Test detail: GET api/tests/{id} with, in parallel, /history (the status
// strip of the last 100 runs), /timing (duration chart), /uptime for 24 h,
// 7 d and 30 d, /incidents, /results (offset pages) and its flaky state
// (api/tests/flaky?state=all&test_id=, for its evidence; its failure only
// costs that section).  One level of requests: no waterfall (a paused
// test's reason comes from the quarantine list afterwards).  Admin forms:
// mute / quarantine / activate (PUT /state) and the manual mapping
// override (PUT /mapping); their answers update the page in place.
// ?branch= / ?job= (kept in the URL, with a selector) go to the test's
// figures, its history and its results; the page names the branch.
import { h, clear, when, pct, num, status, table, td, dur, sha, historyStrip, stripLegend } from '../dom.js';
import { api, send } from '../api.js';
import { load, runHref, href, empty, section, errorBox, actionError, filterForm, streamFields, stream, branchLine } from '../ui.js';
import { durationChart } from '../chart.js';
import { monitorTags, evidenceItems, streamName } from '../evidence.js';
import { exportButton } from '../exportbtn.js';

const PAGE = 20;

// live(ctx): the test's own stream (api/tests/{id}/live: its incidents,
// flaky verdicts, state, aliases, signals and the runs holding a result
// of it); every event on it refreshes the page.
export function live({ segs }) {
	return { stream: { path: 'tests/' + encodeURIComponent(segs[1]) + '/live' } };
}

export async function render(view, { segs, query }) {
	const id = segs[1];
	const base = 'tests/' + encodeURIComponent(id);
	const offset = Math.max(0, parseInt(query.offset || '0', 10) || 0);
	// branch=* (every branch, from the catalogue) is the test's own default
	const sc = stream({ ...query, branch: query.branch === '*' ? '' : query.branch });
	const form = filterForm(segs, query, streamFields(), 'Show');
	const [t, hist, timing, up24, up7, up30, inc, res, flaky] = await load(view,
	    h('h1', null, 'Test'), 'the test', Promise.all([
		api(base, sc),
		api(base + '/history', { branch: sc.branch, limit: 100 }),
		api(base + '/timing', { limit: 200 }),
		api(base + '/uptime', { hours: 24 }),
		api(base + '/uptime', { hours: 168 }),
		api(base + '/uptime', { hours: 720 }),
		api(base + '/incidents', { limit: 10 }),
		scoped(base + '/results', { limit: PAGE, offset }, sc),
		api('tests/flaky', { state: 'all', test_id: id }).catch((e) => e)]));
	const chartEl = h('div', { class: 'chart', 'data-test': 'duration-chart' });
	const stateTag = h('span', { 'data-test': 'state-tag' });
	const showState = (st) => clear(stateTag, st !== 'active' ? [' \u00b7 ', status(st)] : null);
	showState(t.state);
	clear(view,
	    h('h1', null, t.name),
	    h('p', { class: 'sub' }, status(t.last_status), ' \u00b7 ', h('code', null, t.classname || t.file), stateTag),
	    branchLine(t, segs, query), form,
	    h('div', { class: 'grid2' }, definition(t), figures(t)),
	    incidentBox(t.open_incident),
	    stripSection(hist),
	    exportSection(t, sc),
	    section('Duration', chartEl),
	    uptimeSection([['24 hours', up24], ['7 days', up7], ['30 days', up30]]),
	    flakySection(t, hist.history, flaky),
	    messagesSection(hist.history),
	    incidentsSection(inc),
	    resultsSection(segs, query, offset, res),
	    mappingSection(t),
	    stateSection(t, showState));
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

// exportSection(t, sc): the Export control for the test's whole history
// (kind test_history), on the branch the page shows when it chose one.
function exportSection(t, sc) {
	const q = () => ({ kind: 'test_history', test_id: t.test_id, ...(sc.branch ? { branch: sc.branch } : {}) });
	return h('section', { id: 'export' }, h('h2', null, 'Export the history'),
	    exportButton(q, undefined, { key: 'test', note: ['Every result of this test, newest first',
		sc.branch ? [' (branch ', h('strong', null, sc.branch), ')'] : ' (every branch)',
		': run, started, branch, job, commit, status, duration, attempts, flaky in run, message.'] }));
}

function uptimeSection(list) {
	return section('Uptime', h('div', { class: 'cards', 'data-test': 'uptime' }, list.map(([k, u]) =>
	    h('div', { class: 'card' + (u.total_runs && u.uptime_pct < 100 ? ' bad' : '') },
		h('div', { class: 'v' }, u.total_runs ? u.uptime_pct.toFixed(1) + '%' : '\u2014'),
		h('div', { class: 'k' }, k + ': ' + (u.total_runs ?
		    num(u.passed_runs) + ' of ' + num(u.total_runs) + ' runs passed' : 'no runs'))))),
	    h('p', { class: 'small muted' }, 'Skipped results are not counted.'));
}

// Flaky evidence: the batch flaky pass's state for this test (monitors,
// evidence items) when it has one; retry passes and flip rate from the
// rollups; commits that both passed and failed, from the history above.
function flakySection(t, history, flaky) {
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
	const fs = flaky && Array.isArray(flaky.flaky) ? flaky.flaky.find((x) => x.test_id === t.test_id) : null;
	const stateBox = flaky instanceof Error ? h('div', null, h('p', { class: 'small muted' },
	    'The flaky state of this test could not be read:'), errorBox(flaky)) :
	    fs ? flakyState(fs) : null;
	if (!fs && t.flaky_runs === 0 && conflicts.length === 0 && t.flaky_score === 0)
		return section('Flaky evidence', stateBox, empty('No flaky evidence: no passes after a retry, no commit that both passed and failed, no flips.'));
	return section('Flaky evidence', stateBox, h('ul', { 'data-test': 'flaky-evidence' },
	    h('li', null, num(t.flaky_runs) + ' runs passed only after a retry',
		retries.length ? [' (recent: ', retries.slice(0, 5).map((e, i) =>
		    [i ? ', ' : '', h('a', { href: runHref(e.run_id) }, e.run_id)]), ')'] : null),
	    h('li', null, num(conflicts.length) + ' commits both passed and failed in the last ' + history.length + ' runs',
		conflicts.length ? [': ', conflicts.slice(0, 5).map(([s, x], i) =>
		    [i ? ', ' : '', sha(s), ' (' + x.pass + ' \u2713 / ' + x.fail + ' \u2717)'])] : null),
	    h('li', null, 'flip rate ' + pct(t.flaky_score, 0) + ' over the recent results')));
}

// The batch flaky pass's verdict: state, monitors, dates, evidence items.
function flakyState(fs) {
	const ev = fs.evidence || {};
	const items = ev.items || [];
	return h('div', { class: 'box', 'data-test': 'flaky-state' },
	    h('p', null, status(fs.flaky_state), ' since ', when(fs.first_flaked_at), ', last evidence ',
		when(fs.last_flaked_at), fs.resolved_at ? [', resolved ', when(fs.resolved_at)] : null,
		' \u00b7 monitors: ', monitorTags(fs.monitors)),
	    h('p', { class: 'small' }, num(ev.same_sha_conflicts) + ' same-commit conflicts \u00b7 ' +
		num(ev.retry_passes) + ' retry passes \u00b7 flip rate ' + pct(ev.flip_rate, 0) +
		(ev.flip_branch ? ' on ' + streamName(ev.flip_branch, ev.flip_job) + (ev.flip_active ? ' (above the threshold)' : ' (below the threshold)') : '')),
	    items.length ? h('details', { open: items.length <= 8 ? true : null },
		h('summary', null, num(items.length) + ' evidence ' + (items.length === 1 ? 'item' : 'items') + ', newest first'),
		evidenceItems(items)) : null,
	    h('p', { class: 'small' }, h('a', { href: href(['flaky'], { state: 'all' }) }, 'All flaky tests \u2192')));
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

// scoped(path, params, sc): api(path) for the branch and job of sc; an
// API that does not take them (400) is asked without them.
async function scoped(path, params, sc) {
	if (!sc.branch && !sc.job)
		return api(path, params);
	try {
		return await api(path, { ...params, ...sc });
	} catch (e) {
		if (e.status === 400)
			return api(path, params);
		throw e;
	}
}

function resultsSection(segs, query, offset, res) {
	const rows = res.results.map((r) => h('tr', null,
	    td(status(r.status)),
	    td(h('a', { href: runHref(r.run_id) }, r.run_id)),
	    td(when(r.started_at)),
	    td(dur(r.duration_ms), 'num'),
	    td(r.error || r.details ? h('details', null, h('summary', null, (r.error || 'details').split('\n')[0].slice(0, 160)),
		r.details ? h('pre', null, r.details) : null) : '', 'msg')));
	const nav = h('nav', { class: 'pager', 'aria-label': 'Result pages' });
	if (offset > 0)
		nav.append(h('a', { href: href(segs, { ...stream(query), offset: Math.max(0, offset - PAGE) }) }, '\u2190 Newer'));
	if (offset + res.results.length < res.total)
		nav.append(h('a', { href: href(segs, { ...stream(query), offset: offset + PAGE }), 'data-test': 'older' }, 'Older \u2192'));
	nav.append(h('span', { class: 'muted small' }, res.total ? (offset + 1) + '\u2013' +
	    (offset + res.results.length) + ' of ' + num(res.total) : ''));
	return h('section', { id: 'results' }, h('h2', null, 'Results'),
	    rows.length ? table(['Status', 'Run', 'Started', ['Duration', 'num'], 'Error and stack'], rows) :
		empty('No results.'), nav);
}

// Mappings to features (MAP-1): every provider's candidate, the primary
// marked; the admin override sets or removes the manual mapping.
function mappingSection(t) {
	const box = h('div', { 'data-test': 'mappings' });
	const show = (list) => clear(box, mappingTable(list));
	show(t.mappings);
	const input = h('input', { type: 'text', id: 'map-feature', name: 'feature', size: 32, maxlength: 255,
	    autocomplete: 'off', spellcheck: 'false', placeholder: 'domain/feature, e.g. checkout/payments' });
	const msg = h('div', { role: 'status', class: 'small', 'data-test': 'mapping-msg', 'data-live-keep': 'mapping' });
	const setBtn = h('button', { type: 'submit', class: 'primary' }, 'Map manually');
	const rmBtn = h('button', { type: 'button', 'data-test': 'mapping-remove' }, 'Remove the manual mapping');
	const form = h('form', { class: 'inline', 'data-test': 'mapping-form', 'aria-label': 'Manual mapping' },
	    h('label', { for: 'map-feature' }, 'Feature path'), input, setBtn, rmBtn);
	const put = async (feature) => {
		setBtn.disabled = rmBtn.disabled = true;
		clear(msg, h('span', { class: 'loading' }, 'Saving\u2026'));
		try {
			const r = await send('PUT', 'tests/' + encodeURIComponent(t.test_id) + '/mapping', { feature });
			show(r.mappings);
			const p = r.mappings.find((m) => m.primary);
			clear(msg, h('span', { class: 'ok' }, feature === null ? '\u2713 Manual mapping removed.' :
			    '\u2713 Mapped to ' + feature + '.', p ? ' Primary now: ' + p.feature + ' (' + p.provider + ').' : ''));
			input.value = '';
		} catch (e) {
			clear(msg, actionError(e));
		}
		setBtn.disabled = rmBtn.disabled = false;
	};
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const v = input.value.trim();
		if (!v) {
			clear(msg, h('p', { class: 'error', role: 'alert' }, 'Type a feature path such as checkout/payments.'));
			input.focus();
			return;
		}
		put(v);
	});
	rmBtn.addEventListener('click', () => put(null));
	return section('Mappings', box,
	    h('h3', null, 'Override (admin)'),
	    h('p', { class: 'small muted' }, 'A manual mapping has confidence 1.0 and becomes the primary; ',
		'the batch mapping pass keeps it. The last segment names the feature, the ones before it the domain.'),
	    form, msg);
}

function mappingTable(list) {
	if (!list || list.length === 0)
		return empty('No mappings yet: the batch mapping pass maps every test to a feature (unmapped when nothing fits).');
	return table(['Feature', 'Provider', ['Confidence', 'num'], 'Primary', 'Updated'], list.map((m) =>
	    h('tr', { class: m.primary ? 'primary' : null, 'data-test': 'mapping' },
		td(m.feature_id !== null && m.feature_id !== undefined ?
		    h('a', { href: href(['features', String(m.feature_id), 'timeline']), title: 'timeline of ' + m.feature }, m.feature) :
		    m.feature),
		td(m.provider),
		td(pct(m.confidence, 0), 'num'),
		td(m.primary ? h('strong', { 'data-test': 'primary' }, '\u2605 primary') : h('span', { class: 'muted' }, 'candidate')),
		td(when(m.updated_at)))));
}

const STATES = {
	active: 'runs and counts as usual',
	muted: 'paused: results are still stored; CI can list muted tests (api/tests/quarantine?state=muted)',
	quarantined: 'on the quarantine list CI fetches (api/tests/quarantine) to ignore its failures as known flaky',
};

// State (API-26): active, muted or quarantined, with the reason; the
// form (admin) changes it.  A paused test's reason comes from the
// quarantine list.
function stateSection(t, showState) {
	let cur = t.state;
	const now = h('p', { 'data-test': 'state-now' });
	const reasonOut = h('span', { 'data-test': 'state-reason' });
	const paint = (st) => clear(now, 'This test is ', status(st), ': ', STATES[st] || '', '. ', reasonOut);
	paint(cur);
	const sel = h('select', { id: 'state-select', name: 'state' }, Object.keys(STATES).map((k) =>
	    h('option', { value: k, selected: k === cur }, k)));
	const reason = h('input', { type: 'text', id: 'state-reason', name: 'reason', size: 40, maxlength: 500,
	    autocomplete: 'off', placeholder: 'why (required to mute or quarantine)' });
	const msg = h('div', { role: 'status', class: 'small', 'data-test': 'state-msg', 'data-live-keep': 'state' });
	const btn = h('button', { type: 'submit', class: 'primary' }, 'Change state');
	const form = h('form', { class: 'inline', 'data-test': 'state-form', 'aria-label': 'Test state' },
	    h('label', { for: 'state-select' }, 'State'), sel,
	    h('label', { for: 'state-reason' }, 'Reason'), reason, btn);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const st = sel.value;
		const why = reason.value.trim();
		if (st !== 'active' && !why) {
			clear(msg, h('p', { class: 'error', role: 'alert' }, 'Give a reason to make the test ' + st + '.'));
			reason.focus();
			return;
		}
		btn.disabled = true;
		clear(msg, h('span', { class: 'loading' }, 'Saving\u2026'));
		try {
			const body = { state: st };
			if (why)
				body.reason = why;
			const r = await send('PUT', 'tests/' + encodeURIComponent(t.test_id) + '/state', body);
			cur = r.state;
			paint(cur);
			clear(reasonOut, r.reason ? ['Reason: ', h('q', null, r.reason), ' (', when(r.changed_at), ')'] : '');
			showState(cur);
			clear(msg, h('span', { class: 'ok' }, '\u2713 Now ' + r.state + ' (was ' + r.previous_state + ').'));
			reason.value = '';
		} catch (e) {
			clear(msg, actionError(e));
		}
		btn.disabled = false;
	});
	if (cur !== 'active') {
		api('tests/quarantine', { state: cur, limit: 500 }).then((q) => {
			const x = q.tests.find((y) => y.test_id === t.test_id);
			if (x && cur === t.state)
				clear(reasonOut, x.reason ? ['Reason: ', h('q', null, x.reason), ' (since ', when(x.since), ')'] :
				    ['Since ', when(x.since), '.']);
		}).catch(() => {});
	}
	return h('section', { id: 'state' }, h('h2', null, 'State'), now,
	    h('p', { class: 'small muted' }, 'Muting or quarantining needs an admin token; results keep being stored.'),
	    form, msg);
}
