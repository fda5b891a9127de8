// signals.js: integrity signals as the alerts page and the run page show
// them: what each type means, severity and triage status as glyph + word,
// the evidence, links to the run, its baseline, the test and the coding
// session, and the triage form (acknowledge / resolve / reopen with a
// note; admin tokens only: the API's refusal is shown as it comes).
import { h, clear, when, status, sha, num, dur, table, td } from './dom.js';
import { send } from './api.js';
import { runHref, testHref, href, actionError } from './ui.js';

// type -> [short label, what it means]
export const TYPES = {
	test_removed: ['test removed', 'a test vanished while its file or suite still reports'],
	suite_shrink: ['suite shrank', 'the number of tests dropped sharply against the baseline run'],
	newly_skipped: ['newly skipped', 'the test passed in the baseline run and is skipped now'],
	assertions_dropped: ['assertions dropped', 'the test reports fewer assertions than in the baseline run'],
	duration_collapse: ['duration collapsed', 'a passing test got more than 10\u00d7 faster than its median: its body may have been stubbed out'],
	assertion_removed: ['assertion removed', 'the commit\u2019s diff removes assertions from a test file'],
	skip_added: ['skip added', 'the commit\u2019s diff adds a skip marker to a test'],
	xfail_added: ['xfail added', 'the commit\u2019s diff marks a test as expected to fail'],
	broad_exception_added: ['broad exception handler added', 'the commit\u2019s diff adds a catch-all exception handler to a test'],
	edited_before_green: ['edited before green', 'failing in the baseline, passing now, and its file changed in this commit'],
};

export const SEVERITIES = ['critical', 'high', 'medium', 'low'];
export const STATUSES = ['open', 'acknowledged', 'resolved'];

export function typeLabel(t) {
	return TYPES[t] ? TYPES[t][0] : String(t).replace(/_/g, ' ');
}

// One evidence value as text or nodes: test ids become test links,
// *_ms numbers durations.
function evidenceValue(k, v) {
	if (v === null || v === undefined)
		return '\u2014';
	if (Array.isArray(v)) {
		if (/test_ids?$/.test(k))
			return v.slice(0, 20).map((id, i) => [i ? ', ' : '',
			    h('a', { href: testHref(String(id)) }, h('code', null, String(id)))]);
		return v.slice(0, 20).map((x) => typeof x === 'object' ? JSON.stringify(x) : String(x)).join(', ') +
		    (v.length > 20 ? ' \u2026 (' + num(v.length) + ')' : '');
	}
	if (typeof v === 'number' && /_ms$/.test(k))
		return dur(v);
	if (typeof v === 'number')
		return num(v);
	if (typeof v === 'object')
		return h('code', null, JSON.stringify(v));
	return String(v);
}

// evidence(e): the signal's evidence object as a definition list (null
// when it holds nothing).
export function evidence(e) {
	const keys = e && typeof e === 'object' ? Object.keys(e) : [];
	if (keys.length === 0)
		return null;
	return h('dl', { class: 'meta evidence', 'data-test': 'evidence' }, keys.map((k) => [
	    h('dt', null, k.replace(/_ms$/, '').replace(/_/g, ' ')),
	    h('dd', null, evidenceValue(k, e[k]))]));
}

// signalCard(s, {triage}): one signal as an <article>; with triage the
// acknowledge/resolve/reopen form, which updates the card in place.
export function signalCard(s, opts = {}) {
	const card = h('article', { class: 'box signal sev-' + s.severity, 'data-test': 'alert',
	    'data-id': String(s.id), 'aria-labelledby': 'signal-' + s.id });
	fill(card, s, opts, null);
	return card;
}

// A term and its description, kept together when the line wraps.
function pair(term, desc) {
	return h('div', null, h('dt', null, term), h('dd', null, desc));
}

function fill(card, s, opts, flash) {
	card.dataset.status = s.status;
	const t = TYPES[s.signal_type];
	const session = s.session_id ? h('a', { href: href(['integrity'], { session_id: s.session_id, status: 'all' }),
	    title: 'all signals of this coding session' }, s.session_id) : null;
	clear(card,
	    h('h2', { class: 'signal-head', id: 'signal-' + s.id },
		status(s.severity), ' ', h('span', { class: 'type' }, typeLabel(s.signal_type)),
		' ', h('span', { 'data-test': 'alert-status' }, status(s.status)),
		h('span', { class: 'muted small' }, ' #' + s.id)),
	    h('p', { class: 'msg' }, s.message || (t ? t[1] : '')),
	    h('dl', { class: 'inline small' },
		pair('Run', [s.run_id ? h('a', { href: runHref(s.run_id), 'data-test': 'alert-run' }, s.run_id) : '\u2014',
		    s.baseline_run_id ? [h('span', { class: 'muted' }, ' compared with '),
			h('a', { href: runHref(s.baseline_run_id) }, s.baseline_run_id)] : null]),
		s.test_name || s.test_id ? pair('Test', [
		    s.test_id ? h('a', { href: testHref(s.test_id), 'data-test': 'alert-test' }, s.test_name || s.test_id) : s.test_name,
		    s.file ? [' ', h('code', { class: 'muted' }, s.file)] : null]) :
		    s.file ? pair('File', h('code', null, s.file)) : null,
		pair('Branch', [s.branch ? h('a', { href: href(['runs'], { branch: s.branch }) }, s.branch) : '\u2014',
		    s.git_sha ? [' \u00b7 ', sha(s.git_sha)] : null, session ? [' \u00b7 session ', session] : null]),
		pair('Raised', [when(s.created_at),
		    s.updated_at && s.updated_at !== s.created_at ? [' \u00b7 updated ', when(s.updated_at)] : null,
		    s.alerted ? [' \u00b7 ', h('span', { class: 'tag', title: 'two or more signals on one test in a run, or a critical one' }, 'alert sent')] : null])),
	    evidence(s.evidence),
	    s.note ? h('p', { class: 'note small', 'data-test': 'alert-note' }, h('strong', null, 'Note: '), s.note) : null,
	    opts.triage ? triageForm(card, s, opts, flash) : null);
}

// The triage form: a note and one button per status the signal can move
// to.  POST api/tests/integrity/alerts/{id}; admin tokens only.
function triageForm(card, s, opts, flash) {
	const id = 'note-' + s.id;
	const note = h('input', { type: 'text', id, name: 'note', maxlength: 2000, size: 40,
	    autocomplete: 'off', placeholder: 'why (optional)' });
	const msg = h('div', { class: 'small', role: 'status', 'data-test': 'triage-msg', tabindex: '-1' });
	if (flash)
		msg.append(flash);
	const targets = [['acknowledged', 'Acknowledge'], ['resolved', 'Resolve'], ['open', 'Reopen']]
	    .filter(([st]) => st !== s.status);
	const buttons = targets.map(([st, label]) => h('button', { type: 'button', 'data-status': st,
	    class: st === 'resolved' ? 'primary' : null }, label));
	const form = h('form', { class: 'triage', 'aria-label': 'Triage signal ' + s.id },
	    h('label', { for: id }, 'Note'), note, buttons);
	for (const b of buttons) {
		b.addEventListener('click', async () => {
			for (const x of buttons)
				x.disabled = true;
			clear(msg, h('span', { class: 'loading' }, 'Saving\u2026'));
			const body = { status: b.dataset.status };
			if (note.value.trim() !== '')
				body.note = note.value.trim();
			let r;
			try {
				r = await send('POST', 'tests/integrity/alerts/' + encodeURIComponent(s.id), body);
			} catch (e) {
				for (const x of buttons)
					x.disabled = false;
				clear(msg, actionError(e));
				return;
			}
			const next = { ...s, status: r.status, note: r.note !== undefined ? r.note : s.note,
			    updated_at: r.updated_at || s.updated_at };
			fill(card, next, opts, h('span', { class: 'ok' }, '\u2713 Marked ' + r.status +
			    (r.previous_status ? ' (was ' + r.previous_status + ')' : '') + '.'));
			const m = card.querySelector('[data-test=triage-msg]');
			if (m)
				m.focus({ preventScroll: true });
			if (opts.onChange)
				opts.onChange(next);
		});
	}
	form.addEventListener('submit', (ev) => ev.preventDefault());
	return h('details', { class: 'triage', open: flash ? true : null },
	    h('summary', null, s.status === 'open' ? 'Acknowledge or resolve\u2026' : 'Change status\u2026',
		h('span', { class: 'muted small' }, ' (admin token)')), form, msg);
}

// signalsTable(list): a run's signals, compact (the run page).
export function signalsTable(list) {
	return table(['Severity', 'Signal', 'Status', 'Test', 'Message'], list.map((s) =>
	    h('tr', { 'data-test': 'run-signal' },
		td(status(s.severity)),
		td(typeLabel(s.signal_type)),
		td(status(s.status)),
		td(s.test_id ? h('a', { href: testHref(s.test_id) }, s.test_name || s.test_id) :
		    (s.test_name || h('span', { class: 'muted' }, 'whole run'))),
		td(s.message || '', 'msg'))));
}
