// Quality: GET api/quality for a branch and job: flakiness, stability of
// tests and suites, how long incidents stay open (MTTR, overall, by
// branch, by feature), the tests failing most, those that never failed
// (they may test nothing), how the number of tests per suite drifts and
// which suites grow slower.  Branch, job and min_runs are in the URL.
import { h, clear, pct, num, dur, table, td, status } from '../dom.js';
import { api } from '../api.js';
import { load, href, empty, section, filterForm, streamFields, stream, branchLine, branchName } from '../ui.js';

// live(ctx): as the trends page: a stored run of the branch shown or a
// finished batch pass refreshes it.
export function live({ query }) {
	return { stream: { path: 'live' }, filter: (ev) => ev.type === 'batch_done' ||
	    (ev.type === 'run_ingested' && (!query.branch || query.branch === '*' || ev.branch === query.branch) &&
	    (!query.job || ev.job === query.job)) };
}

export async function render(view, { segs, query }) {
	const form = filterForm(segs, query, [...streamFields(true),
		{ name: 'min_runs', label: 'Never failing: at least', type: 'number', placeholder: '20 runs' }], 'Show');
	const mr = form.querySelector('input[name=min_runs]');
	mr.min = '1';
	const head = [h('h1', null, 'Quality'),
	    h('p', { class: 'sub' }, 'How stable the suite is, how long incidents stay open, and which tests deserve a look.')];
	const d = await load(view, [head, form], 'the quality figures',
	    api('quality', { ...stream(query), min_runs: query.min_runs, limit: query.limit, since: query.since }));
	const sc = stream(query);
	const test = (t) => [h('a', { href: href(['tests', t.test_id], sc), 'data-test': 'test-link' }, t.name),
	    t.classname ? h('span', { class: 'cls' }, t.classname) : null];
	const list = (rows, key, none, headers, row) => h('div', { 'data-test': 'q-' + key },
	    !rows || rows.length === 0 ? empty(none) : table(headers, rows.map(row)));
	const st = d.stability || { suites: [] };
	const m = d.mttr || { by_branch: [], by_feature: [] };
	const since = d.since ? h('time', { datetime: d.since, title: d.since }, d.since.slice(0, 10)) : '\u2014';
	clear(view, head, branchLine(d, segs, query),
	    h('p', { class: 'sub', 'data-test': 'q-since' }, 'Since ', since, ' (UTC).'), form,
	    section('Flakiness', h('p', { class: 'sub' }, 'Tests by flakiness score (the batch\u2019s flaky pass), with the share of results that flip between pass and fail.'),
		list(d.flakiness, 'flakiness', 'No flaky test on this branch.',
		    ['Test', ['Score', 'num'], ['Flip rate', 'num'], 'State'],
		    (t) => h('tr', null, td(test(t)), td(fmtNum(t.score), 'num'), td(pct(t.flip_rate, 0), 'num'),
			td(t.state ? status(t.state) : '\u2014')))),
	    section('Stability', h('div', { class: 'cards', 'data-test': 'q-stability' },
		card('tests', num(st.tests)), card('\u2713 stable', num(st.stable), 'good'),
		card('\u2248 unstable', num(st.unstable), st.unstable ? 'bad' : null)),
		h('h3', null, 'Suites'),
		list(st.suites, 'suites', 'No suites with results on this branch.',
		    ['Suite', ['Tests', 'num'], ['Pass rate', 'num'], ['Stable tests', 'num']],
		    (s) => h('tr', null, td(h('code', null, s.suite)), td(num(s.tests), 'num'), td(pct(s.pass_rate), 'num'),
			td(pct(s.stability), 'num')))),
	    section('Time to repair (MTTR)', h('div', { class: 'cards', 'data-test': 'q-mttr' },
		card('incidents closed', num(m.incidents)), card('mean time to repair', dur(m.mean_ms)),
		card('median time to repair', dur(m.median_ms))),
		h('div', { class: 'grid2' },
		    h('div', null, h('h3', null, 'By branch'), list(m.by_branch, 'mttr-branch', 'No incident closed since then.',
			['Branch', ['Incidents', 'num'], ['Mean', 'num'], ['Median', 'num']],
			(b) => h('tr', null, td(branchName(b.branch)), td(num(b.incidents), 'num'), td(dur(b.mean_ms), 'num'),
			    td(dur(b.median_ms), 'num')))),
		    h('div', null, h('h3', null, 'By feature'), list(m.by_feature, 'mttr-feature', 'No incident of a mapped feature closed since then.',
			['Feature', ['Incidents', 'num'], ['Mean', 'num'], ['Median', 'num']],
			(f) => h('tr', null, td(f.feature_id ? h('a', { href: href(['features', f.feature_id, 'timeline']) }, f.feature) :
			    h('span', { class: 'muted' }, f.feature || '(no feature)')), td(num(f.incidents), 'num'),
			    td(dur(f.mean_ms), 'num'), td(dur(f.median_ms), 'num')))))),
	    section('Most failing', list(d.most_failing, 'most-failing', 'No test failed on this branch.',
		['Test', ['Failed', 'num'], ['Runs', 'num'], ['Fail rate', 'num']],
		(t) => h('tr', null, td(test(t)), td(num(t.failed), 'num'), td(num(t.runs), 'num'), td(pct(t.fail_rate), 'num')))),
	    section('Never failing \u2014 may test nothing', h('p', { class: 'sub' }, 'Tests with at least ' +
		num(d.min_runs ?? (query.min_runs || 20)) + ' runs that never failed nor errored: worth checking that they can fail at all.'),
		list(d.never_failing, 'never-failing', 'No test ran often enough without failing.',
		    ['Test', ['Runs', 'num']], (t) => h('tr', null, td(test(t)), td(num(t.runs), 'num')))),
	    section('Test count drift', h('p', { class: 'sub' }, 'Tests per suite in the first and the newest run since then.'),
		list(d.count_drift, 'count-drift', 'No suite changed its number of tests.',
		    ['Suite', ['First', 'num'], ['Newest', 'num'], ['Change', 'num']],
		    (s) => h('tr', null, td(h('code', null, s.suite)), td(num(s.first), 'num'), td(num(s.last), 'num'),
			td(signed(s.change, num), 'num')))),
	    section('Slowest growing suites', h('p', { class: 'sub' }, 'Suite duration in the first and the newest run since then.'),
		list(d.slowest_growing, 'slowest-growing', 'No suite got slower.',
		    ['Suite', ['First', 'num'], ['Newest', 'num'], ['Change', 'num']],
		    (s) => h('tr', null, td(h('code', null, s.suite)), td(dur(s.first_ms), 'num'), td(dur(s.last_ms), 'num'),
			td(signed(s.change_ms, dur), 'num')))));
}

// card(k, v, cls): a figure with its name, as the overview's cards.
function card(k, v, cls) {
	return h('div', { class: 'card' + (cls ? ' ' + cls : '') }, h('div', { class: 'v' }, v), h('div', { class: 'k' }, k));
}

// signed(n, f): "\u2191 +3", "\u2193 \u22122" or "0": an arrow and a sign as
// well as the figure f(|n|).
function signed(n, f) {
	if (n === null || n === undefined)
		return '\u2014';
	if (n > 0)
		return '\u2191 +' + f(n);
	if (n < 0)
		return '\u2193 \u2212' + f(-n);
	return '0';
}

// fmtNum(x): a score with two decimals; an em dash when unknown.
function fmtNum(x) {
	return x === null || x === undefined ? '\u2014' : Number(x).toFixed(2);
}
