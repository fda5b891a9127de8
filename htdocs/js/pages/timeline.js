// Feature timeline: GET api/tests/features/{id}/timeline?days=N, a
// feature's results per UTC day over the last 30, 90 or 365 days, or by
// default the days that fit its data (from its first day with runs in
// the last 90 days, at least 14 days): a day
// strip (one cell per day, shape by state, each day with runs linking to
// its latest run; arrow keys move along it), a bar chart of passed and
// failed results (one count axis, failures a part of each day's stack),
// the first green / last red / last known good days with
// their runs (over the whole kept history, not only the days shown), and
// the days with runs as a table.
import { h, clear, when, num } from '../dom.js';
import { api } from '../api.js';
import { load, runHref, href, empty, section, errorBox } from '../ui.js';
import { dayChart } from '../chart.js';

const CHOICES = [30, 90, 365];
// the default range: from the first day with runs, within these bounds
const FIT_MIN = 14, FIT_MAX = 90;

// fit(list): the days of list (oldest first, FIT_MAX of them) from the
// first day with runs, at least FIT_MIN; all of them when none ran.
function fit(list) {
	const first = list.findIndex((x) => x.runs > 0);
	if (first < 0)
		return list;
	return list.slice(Math.max(0, Math.min(first, list.length - FIT_MIN)));
}

const MARKS = [
	['first_green', 'First green', 'first day with passes and no failures', '--pass'],
	['last_red', 'Last red', 'last day with a failure', '--fail'],
	['last_known_good', 'Last known good', 'last day where everything that ran passed, nothing skipped', '--accent'],
];

export async function render(view, { segs, query }) {
	const id = segs[1];
	const fitted = !CHOICES.includes(Number(query.days));
	const days = fitted ? FIT_MAX : Number(query.days);
	const d = await load(view, [h('h1', null, 'Feature timeline')], 'the timeline',
	    api('tests/features/' + encodeURIComponent(id) + '/timeline', { days }));
	const list = fitted ? fit(d.days) : d.days;
	const shown = list.length;
	const ran = list.filter((x) => x.runs > 0);
	const chooser = h('nav', { class: 'choices', 'aria-label': 'Days shown', 'data-test': 'days' },
	    h('span', { class: 'muted small' }, 'Show '),
	    h('a', { href: href(segs, {}), 'aria-current': fitted ? 'true' : null, 'data-test': 'days-fit',
		title: 'from the first day with runs (' + FIT_MIN + ' to ' + FIT_MAX + ' days)' },
		'its data' + (fitted ? ' (' + shown + ' days)' : '')),
	    h('span', { class: 'muted small' }, ' or the last '),
	    CHOICES.map((n) => h('a', { href: href(segs, { days: n }),
		'aria-current': !fitted && n === days ? 'true' : null }, n + ' days')));
	const head = [h('h1', null, h('span', { class: 'muted' }, 'Feature '), d.path),
	    h('p', { class: 'sub' }, 'Day by day (UTC) over the last ' + shown + ' days \u00b7 ',
		h('a', { href: href(['health'], { open: d.domain_id }) }, 'domain health'), ' \u00b7 ',
		h('a', { href: href(['timeline']) }, 'all features')),
	    chooser];
	const marks = MARKS.map(([k, label, what, colour]) => ({ key: k, label, what, colour,
	    day: d[k] ? d[k].day : null, m: d[k] }));
	const markCards = h('div', { class: 'cards marks', 'data-test': 'markers' }, marks.map((m) =>
	    h('div', { class: 'card mark', 'data-test': 'marker-' + m.key, title: m.what },
		h('div', { class: 'k' }, h('span', { class: 'mk-key mk-' + m.key, 'aria-hidden': 'true' }), m.label),
		m.m ? [h('div', { class: 'v' }, m.m.day, m.m.day < list[0].day ?
			h('span', { class: 'muted small' }, ' (before these ' + shown + ' days)') : null),
		    h('div', { class: 'k' }, 'latest run ', m.m.run_id ?
			h('a', { href: runHref(m.m.run_id), 'data-test': 'marker-run' }, m.m.run_id) : '\u2014',
			' ', when(m.m.latest_run_at))] :
		    [h('div', { class: 'v muted' }, 'never'), h('div', { class: 'k' }, 'not in the kept history')])));
	if (ran.length === 0) {
		return clear(view, head, markCards, empty(
		    h('p', null, 'No run had tests of this feature in the last ' + shown + ' days.'),
		    days < 365 ? h('p', null, h('a', { href: href(segs, { days: 365 }) }, 'Look at the last 365 days'), '.') : null));
	}
	const chartEl = h('div', { class: 'chart daychart', 'data-test': 'timeline-chart' });
	const tot = ran.reduce((a, x) => ({ runs: a.runs + x.runs, passed: a.passed + x.passed,
	    failed: a.failed + x.failed, skipped: a.skipped + x.skipped, signals: a.signals + x.signals }),
	    { runs: 0, passed: 0, failed: 0, skipped: 0, signals: 0 });
	clear(view, head, markCards,
	    section('Day by day', dayStrip(list, marks),
		h('p', { class: 'small' }, num(ran.length) + ' of ' + num(list.length) + ' days had runs: ' +
		    num(tot.runs) + ' runs, ' + num(tot.passed) + ' passed, ' + num(tot.failed) + ' failed, ' +
		    num(tot.skipped) + ' skipped results, ' + num(tot.signals) + ' integrity signals. ' +
		    'Each day with runs links to its latest run.'),
		stripLegend()),
	    section('Passed and failed results per day', chartEl,
		h('p', { class: 'small muted' }, 'Results per day on one count axis: failed (red, at the bottom) and passed stacked on top; ' +
		    'days with failures are also marked in the strip above. ',
		    'Dashed lines: the markers above.')),
	    section('Days with runs', daysTable(ran)));
	try {
		await dayChart(chartEl, list, marks);
	} catch (e) {
		chartEl.classList.remove('chart');
		chartEl.append(errorBox(e));
	}
}

function dayState(x) {
	if (!x.runs)
		return ['N', 'no runs'];
	if (x.failed)
		return ['F', 'failures'];
	if (x.passed)
		return ['P', x.skipped ? 'green, with skips' : 'green'];
	return ['S', 'only skipped'];
}

// One cell per day, oldest left; shape by state (tall = failures, short =
// green, dot = only skipped, hollow = no runs).  Days with runs are links
// to their latest run; the strip is one tab stop, arrow keys move.
function dayStrip(list, marks) {
	const byDay = new Map();
	for (const m of marks)
		if (m.day)
			byDay.set(m.day, [...(byDay.get(m.day) || []), m]);
	const el = h('div', { class: 'daystrip' + (list.length > 120 ? ' dense' : ''), role: 'group',
	    'data-test': 'day-strip',
	    'aria-label': list.length + ' days, oldest first; arrow keys move between days with runs' });
	el.style.gridTemplateColumns = 'repeat(' + list.length + ', minmax(0, 1fr))';
	const links = [];
	for (const x of list) {
		const [cls, word] = dayState(x);
		const ms = byDay.get(x.day) || [];
		const label = x.day + ': ' + (x.runs ? num(x.runs) + (x.runs === 1 ? ' run, ' : ' runs, ') + word + ' \u00b7 ' +
		    num(x.passed) + ' passed, ' + num(x.failed) + ' failed, ' + num(x.skipped) + ' skipped' +
		    (x.signals ? ', ' + num(x.signals) + ' integrity signals' : '') : 'no runs') +
		    (ms.length ? ' \u00b7 ' + ms.map((m) => m.label.toLowerCase()).join(', ') : '') +
		    (x.run_id ? ' \u00b7 latest run ' + x.run_id : '');
		const c = x.run_id ?
		    h('a', { class: 'd ' + cls, href: runHref(x.run_id), title: label, 'aria-label': label, tabindex: '-1',
			'data-day': x.day }) :
		    h('span', { class: 'd ' + cls, title: label, 'data-day': x.day });
		if (ms.length) {
			c.classList.add('mk');
			for (const m of ms)
				c.classList.add('mk-' + m.key);
		}
		if (x.signals)
			c.classList.add('sig');
		el.append(c);
		if (x.run_id)
			links.push(c);
	}
	if (links.length)
		links[links.length - 1].tabIndex = 0;
	el.addEventListener('keydown', (ev) => {
		const i = links.indexOf(document.activeElement);
		if (i < 0)
			return;
		let j = i;
		if (ev.key === 'ArrowLeft')
			j = Math.max(0, i - 1);
		else if (ev.key === 'ArrowRight')
			j = Math.min(links.length - 1, i + 1);
		else if (ev.key === 'Home')
			j = 0;
		else if (ev.key === 'End')
			j = links.length - 1;
		else
			return;
		ev.preventDefault();
		links[i].tabIndex = -1;
		links[j].tabIndex = 0;
		links[j].focus();
	});
	const axis = h('div', { class: 'dayaxis small muted', 'aria-hidden': 'true' },
	    h('span', null, list[0].day), h('span', null, list[list.length - 1].day));
	return h('div', null, el, axis);
}

function stripLegend() {
	const cell = (cls) => h('span', { class: 'daystrip legendcell' }, h('span', { class: 'd ' + cls }));
	return h('div', { class: 'legend', 'aria-hidden': 'true' },
	    h('span', null, cell('P'), ' green (short bar)'),
	    h('span', null, cell('F'), ' failures (tall bar)'),
	    h('span', null, cell('S'), ' only skipped (dot)'),
	    h('span', null, cell('N'), ' no runs (hollow)'),
	    h('span', null, cell('P mk mk-first_green'), ' marker day (ringed)'));
}

function daysTable(ran) {
	const rows = ran.slice().reverse().map((x) => h('tr', { 'data-test': 'day-row' },
	    h('td', null, h('time', { datetime: x.day }, x.day)),
	    h('td', { class: 'num' }, num(x.runs)),
	    h('td', { class: 'num' }, num(x.passed)),
	    h('td', { class: 'num' }, x.failed ? h('strong', { class: 'st st-failed' }, '\u2717 ' + num(x.failed)) : '0'),
	    h('td', { class: 'num' }, num(x.skipped)),
	    h('td', { class: 'num' }, x.signals ? h('a', { href: href(['integrity']) }, '\u2691 ' + num(x.signals)) : '0'),
	    h('td', null, x.run_id ? h('a', { href: runHref(x.run_id) }, x.run_id) : '\u2014', ' ',
		h('span', { class: 'muted small' }, when(x.latest_run_at)))));
	return h('details', { open: ran.length <= 14 ? true : null },
	    h('summary', null, num(ran.length) + ' days, newest first'),
	    h('div', { class: 'tablewrap' }, h('table', null,
		h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Day (UTC)'),
		    ['Runs', 'Passed', 'Failed', 'Skipped', 'Signals'].map((x) => h('th', { scope: 'col', class: 'num' }, x)),
		    h('th', { scope: 'col' }, 'Latest run'))),
		h('tbody', null, rows))));
}
