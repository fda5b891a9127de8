// dom.js: the only way the frontend puts text on the page.  Elements are
// built with h(); strings always become text nodes (never HTML), attribute
// values go through setAttribute.  Formatting helpers for times, durations
// and statuses live here too, so every page shows them the same way.

// h(tag, attrs, ...children): a new element.  attrs: "class", event
// handlers as functions under "on<event>", anything else via setAttribute
// (null/false skipped).  Children: nodes, strings (as text), arrays, null.
export function h(tag, attrs, ...kids) {
	const el = document.createElement(tag);
	if (attrs) {
		for (const [k, v] of Object.entries(attrs)) {
			if (v === null || v === undefined || v === false)
				continue;
			if (k === 'class')
				el.className = v;
			else if (k.startsWith('on') && typeof v === 'function')
				el.addEventListener(k.slice(2), v);
			else
				el.setAttribute(k, v === true ? '' : String(v));
		}
	}
	add(el, kids);
	return el;
}

// add(el, children): appends children as in h().
export function add(el, kids) {
	for (const k of [kids].flat(Infinity)) {
		if (k === null || k === undefined || k === false)
			continue;
		el.append(k instanceof Node ? k : String(k));
	}
	return el;
}

// clear(el, ...children): replaces the element's content.
export function clear(el, ...kids) {
	el.replaceChildren();
	return add(el, kids);
}

// safeUrl(s): s when it is an http(s) URL, else null (no javascript:).
export function safeUrl(s) {
	if (typeof s !== 'string')
		return null;
	try {
		const u = new URL(s);
		return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
	} catch (e) {
		return null;
	}
}

// Relative time: "3 h ago" (or "in 5 min" for the future).
export function ago(iso, now = Date.now()) {
	const t = Date.parse(iso);
	if (Number.isNaN(t))
		return String(iso);
	const d = (now - t) / 1000;
	const a = Math.abs(d);
	let s;
	if (a < 45)
		return 'just now';
	else if (a < 3600)
		s = Math.round(a / 60) + ' min';
	else if (a < 86400)
		s = Math.round(a / 3600) + ' h';
	else if (a < 86400 * 45)
		s = Math.round(a / 86400) + ' d';
	else if (a < 86400 * 365)
		s = Math.round(a / (86400 * 30.4)) + ' mo';
	else
		s = (a / (86400 * 365)).toFixed(1) + ' y';
	return d >= 0 ? s + ' ago' : 'in ' + s;
}

// when(iso): a <time> showing the relative time, the ISO time on hover.
export function when(iso) {
	if (!iso)
		return h('span', { class: 'muted' }, '\u2014');
	return h('time', { datetime: iso, title: iso }, ago(iso));
}

// dur(ms): "812 ms", "2.9 s", "3 min 4 s"; an em dash when unknown.
export function dur(ms) {
	if (ms === null || ms === undefined)
		return '\u2014';
	if (ms < 1000)
		return ms + ' ms';
	if (ms < 60000)
		return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
	const m = Math.floor(ms / 60000);
	if (m < 60)
		return m + ' min ' + Math.round((ms % 60000) / 1000) + ' s';
	return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
}

// pct(x): 0.9876 -> "98.8%"; null -> em dash.
export function pct(x, digits = 1) {
	if (x === null || x === undefined)
		return '\u2014';
	return (x * 100).toFixed(digits) + '%';
}

export function num(n) {
	return n === null || n === undefined ? '\u2014' :
	    Number(n).toLocaleString('en-US');
}

const GLYPH = {
	passed: '\u2713', failed: '\u2717', error: '\u26A0', skipped: '\u2298',
	pending: '\u2026', empty: '\u25CB', flaky: '\u2248', quiet: '\u2248',
	// feature and domain health
	green: '\u2713', red: '\u2717', unknown: '?',
	// integrity signals: severity and triage status
	critical: '\u203C', high: '\u25B2', medium: '\u25C6', low: '\u25BD',
	open: '\u2691', acknowledged: '\u25D0', resolved: '\u2713',
	// test state
	active: '\u25CF', muted: '\u2016', quarantined: '\u2612',
};

// status(s): a badge with glyph and word, coloured by class.  Also used
// for health (green/red/unknown), signal severity and status, and test
// states: the word is always there, the colour only adds to it.
export function status(s, label) {
	return h('span', { class: 'st st-' + s },
	    h('span', { class: 'g', 'aria-hidden': 'true' }, GLYPH[s] || '\u2022'),
	    label || s);
}

const LETTER = { P: 'passed', F: 'failed', E: 'error', S: 'skipped' };
const TO_LETTER = { passed: 'P', failed: 'F', error: 'E', skipped: 'S' };

// summary of statuses: "48 passed, 2 failed".
function tally(letters) {
	const n = {};
	for (const c of letters)
		n[c] = (n[c] || 0) + 1;
	return ['P', 'F', 'E', 'S'].filter((c) => n[c])
	    .map((c) => n[c] + ' ' + LETTER[c]).join(', ') || 'no results';
}

// recentStrip("PPFP..."): the catalogue's recent statuses, oldest first.
export function recentStrip(recent) {
	const label = 'last ' + recent.length + ' results: ' + tally(recent);
	const el = h('span', { class: 'strip', role: 'img', 'aria-label': label,
	    title: label });
	for (const c of recent)
		el.append(h('span', { class: 'c ' + c }));
	return el;
}

// historyStrip(entries oldest first, hrefFn): one link per run.
export function historyStrip(entries, hrefFn) {
	const letters = entries.map((e) => TO_LETTER[e.status] || 'S');
	const el = h('div', { class: 'strip big', role: 'list',
	    'aria-label': 'last ' + entries.length + ' runs: ' + tally(letters) });
	entries.forEach((e, i) => {
		const t = 'run ' + e.run_id + ': ' + e.status + ' \u00b7 ' +
		    e.started_at + (e.branch ? ' \u00b7 ' + e.branch : '');
		el.append(h('a', { class: 'c ' + letters[i], href: hrefFn(e),
		    title: t, 'aria-label': t, role: 'listitem' }));
	});
	return { el, summary: tally(letters) };
}

export function stripLegend() {
	return h('div', { class: 'legend', 'aria-hidden': 'true' },
	    h('span', null, h('span', { class: 'strip' }, h('span', { class: 'c P' })), ' passed (short bar)'),
	    h('span', null, h('span', { class: 'strip' }, h('span', { class: 'c F' })), ' failed (tall bar)'),
	    h('span', null, h('span', { class: 'strip' }, h('span', { class: 'c E' })), ' error (tall, hatched)'),
	    h('span', null, h('span', { class: 'strip' }, h('span', { class: 'c S' })), ' skipped (dot)'));
}

// table(headers, rows): headers are strings or [text, 'num'].
export function table(headers, rows, caption) {
	const thead = h('thead', null, h('tr', null, headers.map((x) =>
	    Array.isArray(x) ? h('th', { class: x[1], scope: 'col' }, x[0]) :
	    h('th', { scope: 'col' }, x))));
	return h('div', { class: 'tablewrap' }, h('table', null,
	    caption ? h('caption', { class: 'muted small' }, caption) : null,
	    thead, h('tbody', null, rows)));
}

export function td(content, cls) {
	return h('td', cls ? { class: cls } : null, content);
}

// shortSha("abc..."): 10 characters in monospace, full sha on hover.
export function sha(s) {
	if (!s)
		return h('span', { class: 'muted' }, '\u2014');
	return h('code', { title: s }, s.slice(0, 10));
}

// toIso(t): an ISO-8601 time as is, epoch milliseconds as ISO-8601 (for
// when()); null for anything else.
export function toIso(t) {
	if (typeof t === 'number' && Number.isFinite(t))
		return new Date(t).toISOString();
	return typeof t === 'string' && t !== '' ? t : null;
}
