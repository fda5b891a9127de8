// Integrity alerts: GET api/tests/integrity/alerts, the signals the batch
// integrity pass raised when a run made the suite weaker.  Filters by
// status (open by default), severity, type and coding session; cursor
// pages; each signal can be acknowledged, resolved or reopened with a
// note (POST api/tests/integrity/alerts/{id}, admin token).
import { h, clear } from '../dom.js';
import { api } from '../api.js';
import { load, filterForm, pager, empty } from '../ui.js';
import { TYPES, SEVERITIES, signalCard } from '../signals.js';

const PAGE = 10;

export async function render(view, { segs, query }) {
	// status: '' = open (the default), 'all' = any
	const st = query.status === 'all' ? null : query.status || 'open';
	const form = filterForm(segs, query, [
		{ name: 'status', label: 'Status', type: 'select', options: [['', '\u2691 open'],
		    ['acknowledged', '\u25D0 acknowledged'], ['resolved', '\u2713 resolved'], ['all', 'any status']] },
		{ name: 'severity', label: 'Severity', type: 'select', options: [['', 'any'],
		    ...SEVERITIES.map((s) => [s, s])] },
		{ name: 'signal_type', label: 'Type', type: 'select', options: [['', 'any'],
		    ...Object.entries(TYPES).map(([k, v]) => [k, v[0]])] },
		{ name: 'session_id', label: 'Coding session', type: 'search', placeholder: 'session id' },
	]);
	const head = [h('h1', null, 'Integrity alerts'),
	    h('p', { class: 'sub' }, 'Evidence that a run made the suite weaker than the previous run on its branch: ',
		'tests removed or newly skipped, a shrinking suite, dropped assertions, test bodies that suddenly take no time, ',
		'and in commit diffs removed assertions, added skips and catch-all handlers. ',
		'Acknowledged and resolved signals stop lowering the integrity score.')];
	const d = await load(view, [head, form], 'integrity signals',
	    api('tests/integrity/alerts', { status: st, severity: query.severity,
		signal_type: query.signal_type, session_id: query.session_id,
		cursor: query.cursor, limit: PAGE }));
	const filtered = query.severity || query.signal_type || query.session_id;
	const body = d.alerts.length === 0 ?
	    empty(filtered || (st && st !== 'open') ? 'No signals match these filters.' :
		h('p', null, st === 'open' ? 'No open integrity signals: no run made the suite weaker, or every signal was triaged. ' :
		    'No integrity signals yet. ',
		    'Signals are raised by the batch integrity pass (', h('code', null, 'testvis batch'),
		    ', every minute from cron) for each new run compared with the previous run on its branch.')) :
	    h('div', { class: 'alerts', 'data-test': 'alerts' }, d.alerts.map((s) => signalCard(s, { triage: true })));
	clear(view, head, form, body, pager(segs, query, d.next_cursor));
}
