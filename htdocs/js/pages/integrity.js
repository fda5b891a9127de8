// Integrity alerts: GET api/tests/integrity/alerts, the signals the batch
// integrity pass raised when a run made the suite weaker.  Filters by
// status (open by default), severity, type and coding session; cursor
// pages; each signal can be acknowledged, resolved or reopened with a
// note (POST api/tests/integrity/alerts/{id}, admin token).  The signals
// of a page are grouped by run or by coding session (?group=run|session,
// a toggle; run by default), each group with its count and "acknowledge
// all" / "resolve all" (POST api/tests/integrity/alerts with the group's
// ids: what the reader sees is what changes).
import { h, clear, when, num } from '../dom.js';
import { api, send } from '../api.js';
import { load, filterForm, pager, empty, href, runHref, actionError } from '../ui.js';
import { TYPES, SEVERITIES, signalCard } from '../signals.js';

const GROUPS = [['run', 'by run'], ['session', 'by coding session']];

const PAGE = 10;

export async function render(view, { segs, query }) {
	const by = query.group === 'session' ? 'session' : 'run';
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
	    h('div', { class: 'alerts', 'data-test': 'alerts' }, groups(d.alerts, by).map((g) => groupBox(g, by)));
	clear(view, head, form, d.alerts.length ? toggle(segs, query, by) : null, body, pager(segs, query, d.next_cursor));
}

// The group toggle: links that keep the filters.
function toggle(segs, query, by) {
	return h('nav', { class: 'choices', 'aria-label': 'Group the signals', 'data-test': 'group-toggle' },
	    h('span', { class: 'muted small' }, 'Group '),
	    GROUPS.map(([k, label]) => h('a', { href: href(segs, { ...query, group: k === 'run' ? null : k, cursor: null }),
		'aria-current': k === by ? 'true' : null, 'data-group': k }, label)));
}

// groups(list, by): [{key, first signal, signals}] in the order of list
// (newest first); signals without a session form one group.
function groups(list, by) {
	const m = new Map();
	for (const s of list) {
		const k = by === 'session' ? s.session_id || '' : s.run_id || '';
		if (!m.has(k))
			m.set(k, { key: k, first: s, signals: [] });
		m.get(k).signals.push(s);
	}
	return [...m.values()];
}

// One group: a heading (the run or session, its count), the bulk
// buttons and the signal cards; the buttons update the cards in place.
function groupBox(g, by) {
	const s = g.first;
	const title = by === 'session' ?
	    (g.key ? ['Coding session ', h('a', { href: href(['integrity'], { session_id: g.key, status: 'all' }) }, g.key)] :
		h('span', { class: 'muted' }, 'Runs without a coding session')) :
	    ['Run ', h('a', { href: runHref(g.key) }, g.key),
		h('span', { class: 'muted small' }, ' \u00b7 ' + (s.branch || 'no branch') + ' \u00b7 '), when(s.created_at)];
	const count = h('span', { class: 'muted', 'data-test': 'group-count' });
	const cards = h('div', { class: 'group-alerts' });
	const msg = h('div', { class: 'small', role: 'status', 'data-test': 'bulk-msg', tabindex: '-1' });
	const counts = () => {
		const open = g.signals.filter((x) => x.status === 'open').length;
		count.textContent = ' \u00b7 ' + num(g.signals.length) + (g.signals.length === 1 ? ' signal' : ' signals') +
		    ' here, ' + num(open) + ' open';
	};
	// one card's own triage changes only the counts; a bulk one redraws
	const show = () => {
		counts();
		clear(cards, g.signals.map((x) => signalCard(x, { triage: true, onChange: (next) => {
			Object.assign(x, next);
			counts();
		} })));
	};
	const buttons = [['acknowledged', 'Acknowledge all'], ['resolved', 'Resolve all']].map(([st, label]) =>
	    h('button', { type: 'button', 'data-bulk': st, class: st === 'resolved' ? 'primary' : null }, label));
	for (const b of buttons) {
		b.addEventListener('click', async () => {
			const ids = g.signals.filter((x) => x.status !== b.dataset.bulk).map((x) => x.id);
			for (const x of buttons)
				x.disabled = true;
			clear(msg, h('span', { class: 'loading' }, 'Saving\u2026'));
			let r;
			try {
				r = ids.length ? await send('POST', 'tests/integrity/alerts', { status: b.dataset.bulk, ids }) :
				    { updated: 0, signals: [] };
			} catch (e) {
				clear(msg, actionError(e));
				return;
			} finally {
				for (const x of buttons)
					x.disabled = false;
			}
			const done = new Set(r.signals);
			for (const x of g.signals)
				if (done.has(x.id))
					x.status = b.dataset.bulk;
			show();
			clear(msg, h('span', { class: 'ok' }, '\u2713 Marked ' + num(r.updated) +
			    (r.updated === 1 ? ' signal ' : ' signals ') + b.dataset.bulk + '.'));
			msg.focus({ preventScroll: true });
		});
	}
	show();
	return h('section', { class: 'group', 'data-test': 'alert-group', 'data-key': g.key },
	    h('h2', { class: 'group-head' }, title, count),
	    h('div', { class: 'bulk' }, buttons, h('span', { class: 'muted small' },
		' every signal of this group shown here (admin token)')),
	    msg, cards);
}
