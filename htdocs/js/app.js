// app.js: the router.  Every page has its own hash route (deep-linkable,
// works under any sub-path); path segments are percent-encoded so that run
// ids with "/" survive.  Pages are ES modules loaded on first use.  The
// navigation is built from the same table (ROUTES).  A page module that
// exports live(ctx) updates by itself: the router registers it with
// live.js and re-renders it in place when events concern it.
import { h, clear } from './dom.js';
import { getProject, setProject, serverNow } from './api.js';
import { fail, href } from './ui.js';
import * as live from './live.js';

const ROUTES = [
	// [pattern of segments, nav key, module, title, label in the nav (the
	// page the nav entry opens)]
	[[], 'overview', './pages/overview.js', 'Overview', 'Overview'],
	[['runs'], 'runs', './pages/runs.js', 'Runs', 'Runs'],
	[['runs', '*'], 'runs', './pages/run.js', 'Run'],
	[['tests'], 'tests', './pages/tests.js', 'Tests', 'Tests'],
	[['tests', '*'], 'tests', './pages/test.js', 'Test'],
	[['flaky'], 'flaky', './pages/flaky.js', 'Flaky tests', 'Flaky'],
	[['failures'], 'failures', './pages/failures.js', 'Failure groups', 'Failures'],
	[['slowest'], 'slowest', './pages/slowest.js', 'Slowest tests', 'Slowest'],
	[['health'], 'health', './pages/health.js', 'Domain health', 'Health'],
	[['timeline'], 'timeline', './pages/features.js', 'Feature timelines', 'Timeline'],
	[['features', '*', 'timeline'], 'timeline', './pages/timeline.js', 'Feature timeline'],
	[['integrity'], 'integrity', './pages/integrity.js', 'Integrity alerts', 'Integrity'],
	[['trends'], 'trends', './pages/trends.js', 'Trends', 'Trends'],
	[['quality'], 'quality', './pages/quality.js', 'Quality', 'Quality'],
	[['reports'], 'reports', './pages/reports.js', 'Reports', 'Reports'],
	[['reports', '*'], 'reports', './pages/reports.js', 'Report'],
	[['dashboards'], 'dashboards', './pages/dashboards.js', 'Dashboards', 'Dashboards'],
	[['dashboards', '*'], 'dashboards', './pages/dashboards.js', 'Dashboard'],
	[['alerts'], 'alerts', './pages/alerts.js', 'Alerts', 'Alerts'],
	[['live'], 'live', './pages/live.js', 'Live feed', 'Live'],
	[['settings'], 'settings', './pages/settings.js', 'Settings', 'Settings'],
	// linked from Settings and every Export control, not in the nav
	[['exports'], 'settings', './pages/exports.js', 'Exports'],
];

// The navigation: a link for each route with a nav label, in order.
function buildNav() {
	clear(document.getElementById('nav'), ROUTES.filter((r) => r[4]).map((r) =>
	    h('li', null, h('a', { href: href(r[0]), 'data-nav': r[1] }, r[4]))));
}

// parse(hash): {segs, query}.
function parse(hash) {
	let s = hash.replace(/^#\/?/, '');
	let qs = '';
	const i = s.indexOf('?');
	if (i >= 0) {
		qs = s.slice(i + 1);
		s = s.slice(0, i);
	}
	const segs = s === '' ? [] : s.split('/').map((x) => {
		try {
			return decodeURIComponent(x);
		} catch (e) {
			return x;
		}
	});
	return { segs, query: Object.fromEntries(new URLSearchParams(qs)) };
}

function match(segs) {
	for (const r of ROUTES) {
		const p = r[0];
		if (p.length !== segs.length)
			continue;
		if (p.every((x, i) => x === '*' || x === segs[i]))
			return r;
	}
	return null;
}

let seq = 0;

async function render() {
	const my = ++seq;
	live.leave();
	try {
		await show(my);
	} finally {
		if (my === seq)
			live.settle();
	}
}

// show(my): renders the route into a new view; a live page is watched
// once it rendered (events from the time it began reading count).
async function show(my) {
	const main = document.getElementById('main');
	const { segs, query } = parse(location.hash);
	const r = match(segs);
	// a link from elsewhere (a run summary in a pull request) names its
	// project: ?project=SLUG switches to it
	if (query.project && /^[a-z0-9][a-z0-9-]{0,63}$/.test(query.project) && query.project !== getProject())
		setProject(query.project);
	document.getElementById('project').textContent = 'project: ' + getProject();
	for (const a of document.querySelectorAll('#nav a')) {
		if (r && a.dataset.nav === r[1])
			a.setAttribute('aria-current', 'page');
		else
			a.removeAttribute('aria-current');
	}
	const view = h('div', { class: 'view', 'data-state': 'loading' });
	clear(main, view);
	if (!r) {
		document.title = 'Not found \u00b7 testvis';
		view.dataset.state = 'ready';
		clear(view, h('h1', null, 'No such page'),
		    h('p', null, 'Nothing lives at this address. ',
		    h('a', { href: '#/' }, 'Go to the overview'), '.'));
		return;
	}
	document.title = r[3] + ' \u00b7 testvis';
	view.dataset.page = r[1];
	try {
		const mod = await import(r[2]);
		if (my !== seq)
			return;
		const ctx = { segs, query, key: r[1], title: r[3] };
		const t0 = Date.now();
		await mod.render(view, ctx);
		if (view.dataset.state === 'loading')
			view.dataset.state = 'ready';
		// when the page began reading, on the server's clock (known
		// now that the page's own requests were answered)
		const sn = serverNow();
		if (mod.live && my === seq)
			watchPage(view, mod, ctx, sn === null ? null : sn - (Date.now() - t0));
	} catch (e) {
		if (my === seq)
			fail(view, e);
	}
}

// watchPage(view, mod, ctx, since): the page's live watcher: mod.live(ctx)
// says the stream and the filter; events re-render the page in place
// (no loading state: ui.load keeps a ready view), keeping the scroll
// position, open <details> and the focused link.  Held while someone
// types in one of the page's fields.
function watchPage(view, mod, ctx, since) {
	const spec = mod.live(ctx);
	if (!spec)
		return;
	live.watch({ ...spec, since,
	    busy: () => view.contains(document.activeElement) &&
		/^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName),
	    onEvents: () => {
		    if (!view.isConnected)
			    return null;
		    return inPlace(view, () => mod.render(view, { ...ctx, live: true }));
	    } });
}

// inPlace(view, fn): runs fn (which replaces the view's content) and puts
// back what the reader had: the scroll position, which <details> were
// open (when the new content has as many), the focus (the element at the
// same place among the focusable ones), what was typed or chosen in the
// page's fields and not submitted yet, and the content of the elements
// marked data-live-keep (an admin action's "Saved" message: the action's
// own event must not wipe it).
async function inPlace(view, fn) {
	const y = window.scrollY;
	const FOCUSABLE = 'a[href], button, summary, input, select, textarea, [tabindex]';
	const det = [...view.querySelectorAll('details')].map((d) => d.open);
	const foc = view.contains(document.activeElement) ?
	    [...view.querySelectorAll(FOCUSABLE)].indexOf(document.activeElement) : -1;
	const typed = fieldsOf(view).filter(([, el]) => el.tagName === 'SELECT' ?
	    [...el.options].some((o) => o.selected !== o.defaultSelected) :
	    el.value !== el.defaultValue).map(([k, el]) => [k, el.value]);
	const kept = [...view.querySelectorAll('[data-live-keep]')].map((el) =>
	    [el.dataset.liveKeep, [...el.childNodes]]);
	await fn();
	const now = [...view.querySelectorAll('details')];
	if (now.length === det.length)
		now.forEach((d, i) => {
			d.open = det[i];
		});
	const fields = new Map(fieldsOf(view));
	for (const [k, v] of typed)
		if (fields.has(k))
			fields.get(k).value = v;
	for (const [k, nodes] of kept) {
		const el = view.querySelector('[data-live-keep="' + CSS.escape(k) + '"]');
		if (el)
			el.replaceChildren(...nodes);
	}
	if (foc >= 0) {
		const el = view.querySelectorAll(FOCUSABLE)[foc];
		if (el)
			el.focus({ preventScroll: true });
	}
	if (window.scrollY !== y)
		window.scrollTo(0, y);
}

// fieldsOf(view): [key, element] of the view's form fields that have an
// id or a name, the key naming the form too (the filter forms share
// names).
function fieldsOf(view) {
	const forms = [...view.querySelectorAll('form')];
	return [...view.querySelectorAll('input, select, textarea')]
	    .filter((el) => el.id || el.name)
	    .map((el) => [forms.indexOf(el.form) + '/' + (el.id || el.name), el]);
}

// Move focus to the new content after a click on a link, for keyboard
// and screen-reader users (not on the first load).
let first = true;
window.addEventListener('hashchange', () => {
	render().then(() => {
		if (!first)
			document.getElementById('main').focus({ preventScroll: true });
	});
	first = false;
	window.scrollTo(0, 0);
});
window.addEventListener('storage', () => render());
buildNav();
live.mount(document.getElementById('live'));
render();
first = false;
