// Runs list: GET api/tests/runs with branch/job/status filters, cursor pages.
import { h, clear, when, num, status, table, td, sha, dur } from '../dom.js';
import { api } from '../api.js';
import { load, runHref, filterForm, pager, empty } from '../ui.js';

// live(ctx): a stored run or shard (run_ingested) refreshes the list: a
// new run appears, a run gaining shards shows its new counts.  Only the
// first page (new runs come first; later pages rarely change) and only
// runs of the branch and job filtered on (the status is not in the event:
// any status may match).
export function live({ query }) {
	if (query.cursor)
		return null;
	return { stream: { path: 'live' }, filter: (ev) => ev.type === 'run_ingested' &&
	    (!query.branch || ev.branch === query.branch) && (!query.job || ev.job === query.job) };
}

export async function render(view, { segs, query }) {
	const form = filterForm(segs, query, [
		{ name: 'branch', label: 'Branch', type: 'search', placeholder: 'e.g. main' },
		{ name: 'job', label: 'Job', type: 'search', placeholder: 'e.g. unit' },
		{ name: 'status', label: 'Status', type: 'select', options: [['', 'any'],
		    ['passed', '\u2713 passed'], ['failed', '\u2717 failed'], ['empty', '\u25CB empty']] },
	]);
	const d = await load(view, [h('h1', null, 'Runs'), form], 'runs',
	    api('tests/runs', { branch: query.branch, job: query.job,
		status: query.status, cursor: query.cursor, limit: 50 }));
	const body = d.runs.length === 0 ?
	    empty(query.branch || query.job || query.status ? 'No runs match these filters.' :
		h('p', null, 'No runs yet. The ', h('a', { href: '#/' }, 'overview'),
		' shows how to upload the first report.')) :
	    table(['Status', 'Run', 'Branch', 'Job', 'Commit', ['Tests', 'num'], ['Passed', 'num'],
		['Failed', 'num'], ['Skipped', 'num'], ['Duration', 'num'], 'Trigger', 'Started'],
	    d.runs.map((r) => h('tr', null,
		td(status(r.status)),
		td([h('a', { href: runHref(r.run_id) }, r.run_id),
		    r.session_id ? h('span', { class: 'cls' }, 'session ' + r.session_id) : null]),
		td(r.branch || '\u2014'),
		td(r.job || h('span', { class: 'muted', title: 'the upload named no job' }, '\u2014')),
		td(sha(r.git_sha)),
		td(num(r.counts.tests), 'num'),
		td(num(r.counts.passed), 'num'),
		td(num(r.counts.failed + r.counts.errors), 'num'),
		td(num(r.counts.skipped), 'num'),
		td(dur(r.duration_ms), 'num'),
		td(r.triggered_by || '\u2014'),
		td(when(r.started_at)))));
	clear(view, h('h1', null, 'Runs'), form, body, pager(segs, query, d.next_cursor));
}
