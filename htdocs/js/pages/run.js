// Run detail: GET api/tests/runs/{id} (metadata, failures grouped by
// fingerprint, diff against the previous run on the branch) and, in
// parallel, its results (status filter, name search, cursor pages),
// failures first.
import { h, clear, when, num, status, table, td, sha, dur, safeUrl } from '../dom.js';
import { api, seg, download, text } from '../api.js';
import { load, runHref, testHref, filterForm, pager, empty, section, href } from '../ui.js';
import { signalsTable } from '../signals.js';
import { exportButton } from '../exportbtn.js';

// live(ctx): any event naming this run refreshes it: shards arriving
// (run_ingested), its integrity alert and signals (the batch pass).
export function live({ segs }) {
	const id = segs[1];
	return { stream: { path: 'live' }, filter: (ev) => ev.run_id === id };
}

export async function render(view, { segs, query }) {
	const id = segs[1];
	const [run, res, gate] = await load(view, [h('h1', null, 'Run ', id)], 'the run',
	    Promise.all([api('tests/runs/' + seg(id)),
		api('tests/runs/' + seg(id) + '/results', { status: query.status,
		    q: query.q, cursor: query.cursor, limit: 50 }),
		// the verdict is an extra: the page stands without it
		api('tests/runs/' + seg(id) + '/gate').catch((e) => ({ error: e }))]));
	const ci = safeUrl(run.ci_url);
	const c = run.counts;
	const meta = h('dl', { class: 'meta' },
	    h('dt', null, 'Status'), h('dd', null, status(run.status)),
	    h('dt', null, 'Branch'), h('dd', null, run.branch ?
		h('a', { href: '#/runs?branch=' + encodeURIComponent(run.branch) }, run.branch) : '\u2014'),
	    h('dt', null, 'Job'), h('dd', null, run.job ?
		h('a', { href: '#/runs?job=' + encodeURIComponent(run.job) }, run.job) :
		h('span', { class: 'muted', title: 'the upload named no job' }, 'unnamed')),
	    h('dt', null, 'Commit'), h('dd', null, run.git_sha ? h('code', null, run.git_sha) : '\u2014'),
	    run.session_id ? [h('dt', null, 'Session'), h('dd', null, run.session_id)] : null,
	    h('dt', null, 'Started'), h('dd', null, when(run.started_at), ' ',
		h('span', { class: 'muted small' }, run.started_at)),
	    h('dt', null, 'Duration'), h('dd', null, dur(run.duration_ms)),
	    run.triggered_by ? [h('dt', null, 'Triggered by'), h('dd', null, run.triggered_by)] : null,
	    run.env_fingerprint ? [h('dt', null, 'Environment'), h('dd', null, run.env_fingerprint)] : null,
	    ci ? [h('dt', null, 'CI'), h('dd', null, h('a', { href: ci, rel: 'noopener noreferrer external' }, ci))] : null,
	    run.tags.length ? [h('dt', null, 'Tags'), h('dd', null, run.tags.map((t) => h('span', { class: 'tag' }, t)))] : null,
	    h('dt', null, 'Shards'), h('dd', null, String(run.shard_count), run.shards.some((s) => s.warnings.length) ?
		h('span', { class: 'muted' }, ' (with ingest warnings: ' +
		run.shards.flatMap((s) => s.warnings).slice(0, 3).join('; ') + ')') : null));
	const cards = h('div', { class: 'cards' },
	    [['tests', c.tests], ['\u2713 passed', c.passed], ['\u2717 failed', c.failed],
	     ['\u26A0 errors', c.errors], ['\u2298 skipped', c.skipped], ['\u2248 flaky in run', c.flaky],
	     ['new tests', run.new_tests]].map(([k, v]) =>
		h('div', { class: 'card' + ((k.includes('failed') || k.includes('errors')) && v ? ' bad' : '') },
		h('div', { class: 'v' }, num(v)), h('div', { class: 'k' }, k))));

	clear(view, h('h1', null, 'Run ', h('span', { class: 'mono' }, run.run_id)),
	    h('p', { class: 'sub' }, status(run.status), integrityMark(run), ' \u00b7 ',
		run.branch || 'no branch', run.job ? ' / ' + run.job : '', ' \u00b7 ', when(run.started_at)),
	    gateBar(run, gate),
	    exportBar(run),
	    h('div', { class: 'grid2' }, h('div', null, meta), h('div', null, cards)),
	    diffSection(run.diff),
	    groupsSection(run.failure_groups),
	    signalsSection(run),
	    resultsSection(segs, query, res));
}

// gateBar(run, gate): the quality gate's verdict (GET .../gate: pass or
// fail, in words and not by colour alone, with every reason), and the
// run's Markdown summary for a pull request (GET .../summary.md): "Copy
// summary" puts it on the clipboard (navigator.clipboard, else a selected
// textarea and execCommand), "View summary" shows it.
function gateBar(run, gate) {
	const msg = h('span', { class: 'muted small', 'data-test': 'summary-msg', role: 'status' });
	const box = h('div', { 'data-test': 'summary-box' });
	let md = null;
	const fetchMd = async () => {
		if (md === null)
			md = await text('tests/runs/' + seg(run.run_id) + '/summary.md');
		return md;
	};
	const showText = (t) => {
		const area = h('textarea', { class: 'summary-md', readonly: 'readonly', rows: '16',
		    'aria-label': 'The run summary (Markdown)', 'data-test': 'summary-text' });
		area.value = t;
		clear(box, area);
		return area;
	};
	const copy = h('button', { type: 'button', 'data-test': 'summary-copy', onclick: async () => {
		msg.textContent = 'Fetching the summary\u2026';
		try {
			const t = await fetchMd();
			try {
				await navigator.clipboard.writeText(t);
			} catch (e) {
				// no clipboard API (http, or denied): select it in a
				// textarea and copy that
				const area = showText(t);
				area.select();
				if (!document.execCommand('copy'))
					throw new Error('select the text and copy it');
			}
			msg.textContent = 'Summary copied (Markdown, ' + num(t.length) + ' characters).';
		} catch (e) {
			msg.textContent = 'Copy failed: ' + e.message;
		}
	} }, 'Copy summary');
	const view = h('button', { type: 'button', 'data-test': 'summary-view', onclick: async () => {
		if (box.firstChild) {
			clear(box);
			return;
		}
		msg.textContent = 'Fetching the summary\u2026';
		try {
			showText(await fetchMd());
			msg.textContent = '';
		} catch (e) {
			msg.textContent = 'The summary failed: ' + e.message;
		}
	} }, 'View summary');
	let verdict;
	if (!gate || gate.error)
		verdict = h('span', { class: 'muted', 'data-test': 'gate-verdict' },
		    'Quality gate: unknown (' + (gate && gate.error ? gate.error.message : 'no answer') + ')');
	else
		verdict = h('span', { class: 'tag ' + (gate.pass ? 'ok' : 'bad'), 'data-test': 'gate-verdict',
		    'data-pass': String(gate.pass) }, gate.pass ? '\u2713 Quality gate passed' : '\u2717 Quality gate failed');
	const reasons = gate && !gate.error && gate.reasons.length ?
	    h('ul', { class: 'small', 'data-test': 'gate-reasons' }, gate.reasons.map((r) =>
		h('li', null, r.message, h('span', { class: 'muted' }, ' (' + r.rule + ')')))) : null;
	const note = gate && !gate.error && !gate.integrity_checked ?
	    h('span', { class: 'muted small', 'data-test': 'gate-unchecked' },
		' integrity not checked yet (the batch integrity pass has not judged this run)') : null;
	return h('div', { class: 'gate-bar', 'data-test': 'gate-bar' },
	    h('p', null, verdict, note, ' ', copy, ' ', view, ' ', msg), reasons, box);
}

// exportBar(run): buttons that download the run's results at once as CSV
// or as JUnit XML (GET api/tests/runs/{id}/export), with the failure said
// beside them; and the Export control (exportbtn.js) that has the batch
// write the run as a file in any format (for big runs).
function exportBar(run) {
	const msg = h('span', { class: 'muted small', 'data-test': 'export-msg', role: 'status' });
	const base = run.run_id.replace(/[^A-Za-z0-9._-]/g, '_');
	const btn = (format, label, ext) => h('button', { type: 'button', 'data-test': 'export-' + format,
	    onclick: async () => {
		    msg.textContent = 'Preparing ' + label + '\u2026';
		    try {
			    await download('tests/runs/' + seg(run.run_id) + '/export', { format }, base + '.' + ext);
			    msg.textContent = '';
		    } catch (e) {
			    msg.textContent = 'Export failed: ' + e.message;
		    }
	    } }, '\u2913 ' + label);
	return h('div', { class: 'export-bar' },
	    h('p', null, 'Download now: ', btn('csv', 'CSV', 'csv'), ' ', btn('junit', 'JUnit XML', 'xml'), ' ', msg),
	    exportButton(() => ({ kind: 'run', run_id: run.run_id }), ['csv', 'xlsx', 'json', 'ndjson', 'junit'],
		{ key: 'run', note: 'Or as a file in any format, for a big run: one row per result (run, started, ' +
		    'branch, job, test, suite, class, name, file, status, duration, attempts, message).' }));
}

function refs(list, total) {
	if (total === 0)
		return h('p', { class: 'muted' }, 'none');
	const li = (t) => h('li', null, h('a', { href: testHref(t.test_id) }, t.name));
	const SHOW = 10;
	return [h('ul', { class: 'tests' }, list.slice(0, SHOW).map(li)),
	    list.length > SHOW ? h('details', null, h('summary', null, 'Show ' + num(list.length - SHOW) + ' more'),
		h('ul', { class: 'tests' }, list.slice(SHOW).map(li))) : null,
	    total > list.length ? h('p', { class: 'muted small' }, 'and ' + num(total - list.length) + ' more') : null];
}

function diffSection(d) {
	if (!d)
		return section('Compared with the previous run',
		    empty('This is the first run on its branch: nothing to compare with.'));
	const part = (title, list, n, glyph) => h('div', { 'data-test': 'diff-part' },
	    h('h3', null, glyph + ' ' + title + ' (' + num(n) + ')'), refs(list, n));
	return section('Compared with the previous run',
	    h('p', null, 'Previous run on this branch: ', h('a', { href: runHref(d.previous_run_id) }, d.previous_run_id)),
	    h('div', { class: 'grid2' },
		part('New failures', d.new_failures, d.new_failures_count, '\u2717'),
		part('Fixed', d.fixed, d.fixed_count, '\u2713'),
		part('Still failing', d.still_failing, d.still_failing_count, '\u21BB'),
		part('Added tests', d.added, d.added_count, '+'),
		part('Removed tests', d.removed, d.removed_count, '\u2212')));
}

function groupsSection(groups) {
	if (groups.length === 0)
		return section('Failures by fingerprint', empty('No failures in this run.'));
	return section('Failures by fingerprint (' + groups.length + ')', groups.map((g) =>
	    h('div', { class: 'box', 'data-test': 'failure-group' },
		h('p', null, h('strong', null, num(g.count) + ' \u00d7 '), g.error_type ? h('code', null, g.error_type) : 'failure',
		    g.fingerprint ? h('span', { class: 'muted small' }, ' \u00b7 fingerprint ', h('code', null, g.fingerprint)) : null),
		g.message ? h('pre', null, g.message) : null,
		refs(g.tests, g.count))));
}

// integrityMark(run): a mark beside the run's status when it raised
// integrity signals (a run that deleted tests is not just "passed"), with
// their count in words so it does not rest on colour; null otherwise.
function integrityMark(run) {
	const n = (run.signals || []).length;
	if (n === 0)
		return null;
	return [' ', h('span', { class: 'tag bad', 'data-test': 'integrity-mark',
	    title: 'integrity signals raised by this run: see Integrity signals below' },
	    '\u26A0 ' + num(n) + (n === 1 ? ' integrity signal' : ' integrity signals'))];
}

// The run's integrity signals (against the previous run on its branch).
function signalsSection(run) {
	const signals = run.signals || [];
	if (signals.length === 0)
		return section('Integrity signals', h('div', { 'data-test': 'run-signals' },
		    empty('No integrity signals for this run: compared with the previous run on its branch, no test was ' +
			'removed, newly skipped or weakened (checked by the batch integrity pass).')));
	const open = signals.filter((s) => s.status === 'open').length;
	const link = href(['integrity'], run.session_id ? { session_id: run.session_id, status: 'all' } : {});
	return section('Integrity signals (' + num(signals.length) + ')', h('div', { 'data-test': 'run-signals' },
	    h('p', { class: 'small' }, num(open) + ' open. ',
		h('a', { href: link }, run.session_id ? 'Triage the signals of session ' + run.session_id :
		    'Triage them in Integrity alerts'), ' →'),
	    signalsTable(signals)));
}

// The rank of a status in the results list: failures and errors first,
// then skipped, then passed (the API orders them so too; a page of an
// older API is sorted here, keeping its order within a rank).
const RANK = { failed: 0, error: 0, skipped: 1, passed: 2 };

function failuresFirst(list) {
	return list.map((r, i) => [r, i]).sort(([a, i], [b, j]) =>
	    ((RANK[a.status] ?? 1) - (RANK[b.status] ?? 1)) || i - j).map(([r]) => r);
}

function resultsSection(segs, query, res) {
	const form = filterForm(segs, query, [
		{ name: 'q', label: 'Test name contains', type: 'search', placeholder: 'search' },
		{ name: 'status', label: 'Status', type: 'select', options: [['', 'any'],
		    ['failed', '\u2717 failed'], ['error', '\u26A0 error'], ['skipped', '\u2298 skipped'],
		    ['passed', '\u2713 passed']] },
	], 'Search');
	const rows = failuresFirst(res.results).map((r) => h('tr', { 'data-test': 'run-result' },
	    td(status(r.status)),
	    td([h('a', { href: testHref(r.test_id) }, r.name), h('span', { class: 'cls' }, r.classname || r.file)]),
	    td(dur(r.duration_ms), 'num'),
	    td([String(r.attempts), r.flaky_in_run ? h('span', { title: 'failed, then passed on a retry' },
		' ', h('span', { class: 'st st-flaky' }, '\u2248 flaky')) : null], 'num'),
	    td(r.message ? (r.error_type ? r.error_type + ': ' : '') + r.message.slice(0, 300) : '', 'msg')));
	return h('section', { id: 'results' }, h('h2', null, 'Results'), form,
	    rows.length ? table(['Status', 'Test', ['Duration', 'num'], ['Attempts', 'num'], 'Message'], rows) :
		empty(query.q || query.status ? 'No results match these filters.' : 'This run has no results.'),
	    pager(segs, query, res.next_cursor));
}
