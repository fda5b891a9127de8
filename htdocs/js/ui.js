// ui.js: pieces every page uses: routes as hrefs, loading/error/empty
// states (load: the loading skeleton), filter forms and the "next page"
// pager.
import { h, clear } from './dom.js';

// href(path segments, query object): "#/runs/gh%2F42?status=failed".
export function href(segs, query = {}) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(query)) {
		if (v !== null && v !== undefined && v !== '')
			q.set(k, String(v));
	}
	const qs = q.toString();
	return '#/' + segs.map(encodeURIComponent).join('/') + (qs ? '?' + qs : '');
}

export const runHref = (id) => href(['runs', id]);
export const testHref = (id) => href(['tests', id]);

// go(segs, query): navigate (a new history entry).
export function go(segs, query) {
	location.hash = href(segs, query);
}

export function loading(what) {
	return h('p', { class: 'loading', role: 'status' }, 'Loading ' + what + '\u2026');
}

// errorBox(err): what went wrong, in the API's own words; a 401 or 403
// points to Settings.
export function errorBox(err) {
	const box = h('div', { class: 'error', role: 'alert' });
	if (err.status === 401) {
		box.append(h('p', null, h('strong', null, 'This server needs an API token to read data.')),
		    h('p', null, 'The API answered: ', h('q', null, err.message)),
		    h('p', null, 'Add a read token in ', h('a', { href: '#/settings' }, 'Settings'),
		    ' (create one with ', h('code', null, 'testvis token create --project P --scope read'), ').'));
	} else if (err.status === 403) {
		box.append(h('p', null, h('strong', null, 'The saved token may not read this project.')),
		    h('p', null, 'The API answered: ', h('q', null, err.message)),
		    h('p', null, 'Check the project and token in ', h('a', { href: '#/settings' }, 'Settings'), '.'));
	} else {
		box.append(h('p', null, h('strong', null, err.status ?
		    'The API answered ' + err.status + (err.code ? ' (' + err.code + ')' : '') :
		    'Something went wrong')),
		    h('p', null, err.message || String(err)));
	}
	return box;
}

// actionError(err): what went wrong with an admin action (acknowledge,
// mute, map ...), in the API's own words; 401/403 say that the action
// needs an admin token and point to Settings.
export function actionError(err) {
	if (err.status !== 401 && err.status !== 403)
		return errorBox(err);
	return h('div', { class: 'error', role: 'alert', 'data-test': 'action-error' },
	    h('p', null, h('strong', null, err.status === 401 ? 'This action needs an admin token.' :
		'The saved token may not do this.')),
	    h('p', null, 'The API answered ' + err.status + ': ', h('q', null, err.message)),
	    h('p', null, 'Save a token with admin scope in ', h('a', { href: '#/settings' }, 'Settings'),
		' (create one with ', h('code', null, 'testvis token create --project P --scope admin'), ').'));
}

// fail(view, err): replaces the view by the error and marks it.
export function fail(view, err) {
	if (!(err && 'status' in err))
		console.warn(err);
	view.dataset.state = 'error';
	clear(view, errorBox(err));
}

// load(view, head, what, request): the load -> fail skeleton of a page.
// Shows head (a node, an array of them, or null) and "Loading what..." in
// the view and resolves to what request resolves to (a promise: one
// api() call, or a Promise.all of several).  When request rejects, so
// does load, and the router (app.js) replaces the view by the error
// (fail): a page awaits load and needs no try/catch of its own.  A view
// already shown (data-state ready: a live refresh renders the page again
// into it) keeps its content until the new one replaces it at once, so
// the page does not flicker through "Loading".
export async function load(view, head, what, request) {
	if (view.dataset.state !== 'ready')
		clear(view, head, loading(what));
	return request;
}

export function empty(...lines) {
	return h('div', { class: 'empty' }, lines.map((l) =>
	    l instanceof Node ? l : h('p', null, l)));
}

// pager(route, query, nextCursor): "Next page" (and "First page" when
// not on the first).
export function pager(segs, query, next) {
	const el = h('nav', { class: 'pager', 'aria-label': 'Pages' });
	if (query.cursor || query.offset) {
		const q = { ...query };
		delete q.cursor;
		delete q.offset;
		el.append(h('a', { href: href(segs, q), rel: 'first' }, '\u21E4 First page'));
	}
	if (next) {
		el.append(h('a', { href: href(segs, { ...query, cursor: next }), rel: 'next',
		    'data-test': 'next-page' }, 'Next page \u2192'));
	} else {
		el.append(h('span', { class: 'muted' }, query.cursor ? 'Last page' : ''));
	}
	return el;
}

// filterForm(segs, query, fields): a GET-like form whose submit changes
// the route's query (the cursor is dropped).  fields: [{name, label,
// type: 'search'|'text'|'select', options: [[value, text]...]}].
export function filterForm(segs, query, fields, submitLabel = 'Apply') {
	const form = h('form', { class: 'filters', role: 'search' });
	for (const f of fields) {
		let input;
		if (f.type === 'select') {
			input = h('select', { name: f.name },
			    f.options.map(([v, t]) => h('option', { value: v,
				selected: (query[f.name] || '') === v }, t)));
			input.addEventListener('change', () => form.requestSubmit());
		} else {
			input = h('input', { type: f.type || 'text', name: f.name,
			    value: query[f.name] || '', placeholder: f.placeholder || '',
			    maxlength: 256, autocomplete: 'off' });
		}
		form.append(h('label', null, f.label, input));
	}
	form.append(h('button', { type: 'submit' }, submitLabel));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const q = {};
		for (const [k, v] of new FormData(form))
			if (v !== '')
				q[k] = v.trim();
		for (const k of Object.keys(query))
			if (!(k in q) && !fields.some((f) => f.name === k) &&
			    k !== 'cursor' && k !== 'offset')
				q[k] = query[k];
		go(segs, q);
	});
	return form;
}

// streamFields(): the branch and job fields of a filterForm, as the
// overview and runs pages have them; an empty field means the default
// branch (every job).  '*' as branch: every branch (the catalogue).
export function streamFields(star = false) {
	return [
		{ name: 'branch', label: 'Branch', type: 'search',
		    placeholder: star ? 'default branch (* = every)' : 'default branch' },
		{ name: 'job', label: 'Job', type: 'search', placeholder: 'every job' }];
}

// stream(query): the branch and job of the route's query, for api() and
// for the links that carry them along (undefined when not chosen).
export function stream(query) {
	return { branch: query.branch || undefined, job: query.job || undefined };
}

// branchName(b): a branch as the pages name it ("" is the runs that
// name no branch; '*' every branch).
export function branchName(b) {
	return b === '' ? '(runs without a branch)' : b === '*' ? 'every branch' : b;
}

// branchLine(d, segs, query): "Branch main \u00b7 every job", which
// branch and job the answer d is for (its "branch" and "job" fields), with
// a way back to the default branch when the page chose another.  null
// when the answer names no branch.
export function branchLine(d, segs, query) {
	if (!d || d.branch === undefined || d.branch === null)
		return null;
	const rest = { ...query };
	delete rest.branch;
	delete rest.job;
	delete rest.cursor;
	delete rest.offset;
	return h('p', { class: 'sub', 'data-test': 'branch-line' }, 'Branch ',
	    h('strong', { 'data-test': 'branch-name' }, branchName(d.branch)),
	    d.job !== null && d.job !== undefined ? [' \u00b7 job ', h('strong', null, d.job)] : ' \u00b7 every job',
	    query.branch || query.job ? [' \u00b7 ', h('a', { href: href(segs, rest) }, 'default branch')] : null);
}

// section(title, ...content): an h2 with content.
export function section(title, ...kids) {
	return h('section', null, h('h2', null, title), kids);
}
