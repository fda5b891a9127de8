// app.js: the router.  Every page has its own hash route (deep-linkable,
// works under any sub-path); path segments are percent-encoded so that run
// ids with "/" survive.  Pages are ES modules loaded on first use.  The
// navigation is built from the same table (ROUTES).
import { h, clear } from './dom.js';
import { getProject } from './api.js';
import { fail, href } from './ui.js';

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
	[['settings'], 'settings', './pages/settings.js', 'Settings', 'Settings'],
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
	const main = document.getElementById('main');
	const { segs, query } = parse(location.hash);
	const r = match(segs);
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
		await mod.render(view, { segs, query, key: r[1], title: r[3] });
		if (view.dataset.state === 'loading')
			view.dataset.state = 'ready';
	} catch (e) {
		if (my === seq)
			fail(view, e);
	}
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
render();
first = false;
