// Dashboards (REP-4): #/dashboards lists the project's saved dashboards
// (name, widget count, updated) and, for a project with none, shows the
// layout the API offers (GET api/dashboards, "default") as "Overview
// (default)" with "Save as a dashboard"; a form creates an empty one
// (POST).  #/dashboards/{id} renders its widgets in order in a grid of 3
// columns (widgets.js: each fetches and fails on its own), and an editor
// (an admin token): rename, add a widget (type and its parameters as
// form fields), remove, move up and down, save with PUT and If-Match
// (the ETag of the GET; a 412 says someone saved in between and offers
// to reload), delete (DELETE, after a second click).  ?edit=1 opens the
// editor at once (after "New dashboard").
import { h, clear, when, num } from '../dom.js';
import { api } from '../api.js';
import { load, href, go, empty, actionError, section } from '../ui.js';
import { TYPES, widget, title } from '../widgets.js';

// call(method, path, body, headers): like api() but also gives the ETag:
// {json, etag}; throws ApiError.
function call(method, path, body, headers = {}) {
	return api(path, {}, { method, body, headers, etag: true });
}

// live(): a wall screen follows the suite: a stored run or a finished
// batch pass (flaky states, signals, incidents) refreshes the widgets.
export function live() {
	return { stream: { path: 'live' }, filter: (ev) => ev.type === 'run_ingested' ||
	    ev.type === 'batch_done' || ev.type === 'signal_raised' };
}

export async function render(view, ctx) {
	if (ctx.live)
		return refresh(view);
	if (ctx.segs.length === 2)
		return one(view, ctx);
	return list(view, ctx);
}

// refresh(view): a live refresh fills a new grid out of sight and swaps
// it in once every widget has its data (no flicker through "Loading");
// an open editor is left alone.
async function refresh(view) {
	const old = view.querySelector('[data-test=widgets]');
	if (!old || view.querySelector('[data-test=editor]'))
		return;
	const widgets = [...old.children].map((x) => x.wdef);
	const next = grid(widgets);
	await Promise.all([...next.children].map((x) => x.done));
	if (old.isConnected)
		old.replaceWith(next);
}

// grid(widgets): the widgets in order, each 1-3 columns wide.
function grid(widgets) {
	if (widgets.length === 0)
		return empty('This dashboard has no widgets yet: edit it to add some.');
	return h('div', { class: 'wgrid', 'data-test': 'widgets' }, widgets.map((w) => {
		const box = widget(w);
		box.wdef = w;
		return box;
	}));
}

// The list page.
async function list(view) {
	const head = [h('h1', null, 'Dashboards'),
	    h('p', { class: 'sub' }, 'Named layouts of widgets for the team: trends, failing tests, runs, flaky and slow tests, health, ',
		'incidents, integrity and quality. Anyone who may read sees them; an admin token creates, edits and deletes them.')];
	const d = await load(view, head, 'dashboards', api('dashboards'));
	const msg = h('div', { 'data-test': 'dash-msg' });
	const name = h('input', { type: 'text', name: 'name', maxlength: 100, required: true, placeholder: 'e.g. Team wall',
	    autocomplete: 'off', 'data-test': 'new-name' });
	const form = h('form', { class: 'filters', 'data-test': 'new-form' }, h('label', null, 'New dashboard', name),
	    h('button', { type: 'submit', class: 'primary' }, 'Create'));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		create(msg, { name: name.value.trim(), widgets: [] });
	});
	const rows = d.dashboards.map((x) => h('tr', { 'data-test': 'dash-row' },
	    h('td', null, h('a', { href: href(['dashboards', String(x.id)]) }, x.name)),
	    h('td', { class: 'num' }, num(x.widgets)), h('td', null, when(x.updated_at))));
	const saved = d.dashboards.length === 0 ? null :
	    section('Saved dashboards', h('div', { class: 'tablewrap' }, h('table', null,
		h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col', class: 'num' }, 'Widgets'),
		    h('th', { scope: 'col' }, 'Updated'))), h('tbody', null, rows))));
	let def = null;
	if (d.dashboards.length === 0 && d.default) {
		const btn = h('button', { type: 'button', 'data-test': 'save-default' }, 'Save as a dashboard');
		btn.addEventListener('click', () => create(msg, { name: d.default.name, widgets: d.default.widgets }));
		def = h('section', { 'data-test': 'default' }, h('h2', null, d.default.name + ' (default)'),
		    h('p', { class: 'sub' }, 'No dashboard saved yet: this is the layout offered to a new project. ',
			'Save it to change it (admin token). ', btn),
		    grid(d.default.widgets));
	}
	clear(view, head, form, msg, saved, def);
}

// create(msg, body): POST; opens the new dashboard in the editor, or says
// why not in msg (403: an admin token is needed).
async function create(msg, body) {
	clear(msg, h('p', { class: 'loading' }, 'Saving\u2026'));
	try {
		const r = await call('POST', 'dashboards', body);
		go(['dashboards', String(r.json.id)], body.widgets.length ? {} : { edit: 1 });
	} catch (e) {
		clear(msg, actionError(e));
	}
}

// One dashboard: its widgets; the editor on "Edit".
async function one(view, { segs, query }) {
	const id = segs[1];
	const r = await load(view, h('h1', null, 'Dashboard'), 'the dashboard', call('GET', 'dashboards/' + encodeURIComponent(id)));
	const d = r.json;
	const back = h('p', { class: 'small' }, h('a', { href: href(['dashboards']) }, '\u2190 All dashboards'));
	const show = () => {
		// the editor of ?edit=1 is done: a reload shows the widgets
		if (query.edit)
			history.replaceState(null, '', href(['dashboards', id]));
		const edit = h('button', { type: 'button', 'data-test': 'edit' }, '\u270E Edit');
		edit.addEventListener('click', () => editor(view, d, r.etag, show));
		clear(view, back, h('div', { class: 'dhead' }, h('h1', { 'data-test': 'dash-name' }, d.name), edit),
		    h('p', { class: 'sub' }, num(d.widgets.length), d.widgets.length === 1 ? ' widget' : ' widgets',
			' \u00b7 version ' + d.version + ' \u00b7 updated ', when(d.updated_at)),
		    grid(d.widgets));
	};
	if (query.edit)
		editor(view, d, r.etag, show);
	else
		show();
}

// A parameter's form field, holding value v.
function field(p, v) {
	let input;
	if (p.kind === 'enum') {
		input = h('select', { 'data-param': p.name },
		    p.required ? null : h('option', { value: '' }, '(default)'),
		    p.choices.map((c) => h('option', { value: c, selected: v === c }, c.replace(/_/g, ' '))));
	} else {
		input = h('input', { type: p.kind === 'int' ? 'number' : 'text', 'data-param': p.name,
		    value: v === undefined ? '' : String(v), placeholder: p.placeholder || '',
		    min: p.min, max: p.kind === 'int' ? p.max : null, maxlength: p.kind === 'int' ? null : p.max, autocomplete: 'off' });
	}
	return h('label', null, p.label + (p.required ? ' (required)' : ''), input);
}

// stale(): the 412 message: someone saved in between; a button reloads
// the dashboard (the router renders the route again).
function stale() {
	const reload = h('button', { type: 'button', 'data-test': 'reload' }, 'Reload the dashboard');
	reload.addEventListener('click', () => {
		const v = document.querySelector('#main .view');
		if (v)
			v.dataset.state = 'loading';
		window.dispatchEvent(new HashChangeEvent('hashchange'));
	});
	return h('div', { class: 'error', role: 'alert', 'data-test': 'stale' },
	    h('p', null, h('strong', null, 'This dashboard was changed elsewhere since you opened it.')),
	    h('p', null, 'Nothing was saved, so the other change is kept. Reload to see it (your edits here are lost), then edit again. ',
		reload));
}

// editor(view, d, etag, done): the edit form for dashboard d over the
// view; Cancel and a successful save call done() (after updating d).
function editor(view, d, etag, done) {
	const work = d.widgets.map((w) => JSON.parse(JSON.stringify(w)));
	const name = h('input', { type: 'text', value: d.name, maxlength: 100, required: true, 'data-test': 'edit-name',
	    autocomplete: 'off' });
	const list = h('ol', { class: 'wedit', 'data-test': 'edit-widgets' });
	const msg = h('div', { 'data-test': 'edit-msg', role: 'status' });
	// read(): the form's values into work (fields keep what was typed
	// across a move or a removal)
	const read = () => {
		[...list.children].forEach((li, i) => {
			const w = work[i];
			const t = li.querySelector('[data-field=title]').value.trim();
			const wd = Number(li.querySelector('[data-field=width]').value);
			const p = {};
			for (const el of li.querySelectorAll('[data-param]')) {
				const v = el.value.trim();
				if (v === '')
					continue;
				p[el.dataset.param] = el.type === 'number' ? Number(v) : v;
			}
			if (t)
				w.title = t;
			else
				delete w.title;
			if (wd > 1)
				w.width = wd;
			else
				delete w.width;
			w.params = p;
		});
	};
	const draw = () => clear(list, work.map((w, i) => {
		const btn = (label, text, fn, dis) => {
			const b = h('button', { type: 'button', 'aria-label': label + ' ' + (i + 1), title: label, disabled: dis || null,
			    'data-act': text }, text);
			b.addEventListener('click', () => {
				read();
				fn();
				draw();
			});
			return b;
		};
		const swap = (j) => {
			[work[i], work[j]] = [work[j], work[i]];
		};
		return h('li', { class: 'wcard', 'data-test': 'edit-widget', 'data-type': w.type },
		    h('div', { class: 'whead' }, h('strong', null, (i + 1) + '. ' + (TYPES[w.type] ? TYPES[w.type][0] : w.type)),
			h('span', { class: 'wbtns' }, btn('Move up', '\u2191 Up', () => swap(i - 1), i === 0),
			    btn('Move down', '\u2193 Down', () => swap(i + 1), i === work.length - 1),
			    btn('Remove', '\u2715 Remove', () => work.splice(i, 1)))),
		    h('div', { class: 'filters' },
			h('label', null, 'Title', h('input', { type: 'text', 'data-field': 'title', value: w.title || '', maxlength: 100,
			    placeholder: title({ ...w, title: undefined }), autocomplete: 'off' })),
			h('label', null, 'Width', h('select', { 'data-field': 'width' }, [1, 2, 3].map((n) =>
			    h('option', { value: String(n), selected: (w.width || 1) === n }, n + (n === 1 ? ' column' : ' columns'))))),
			(TYPES[w.type] ? TYPES[w.type][1] : []).map((p) => field(p, (w.params || {})[p.name]))));
	}));
	const pick = h('select', { 'data-test': 'add-type' }, Object.entries(TYPES).map(([k, v]) => h('option', { value: k }, v[0])));
	const add = h('button', { type: 'button', 'data-test': 'add-widget' }, '+ Add widget');
	add.addEventListener('click', () => {
		read();
		work.push({ type: pick.value, params: {} });
		draw();
		const last = list.lastElementChild;
		if (last)
			(last.querySelector('[data-param]') || last.querySelector('input')).focus();
	});
	const save = h('button', { type: 'submit', class: 'primary', 'data-test': 'save' }, 'Save');
	const cancel = h('button', { type: 'button', 'data-test': 'cancel' }, 'Cancel');
	cancel.addEventListener('click', () => done());
	const del = h('button', { type: 'button', 'data-test': 'delete' }, 'Delete dashboard\u2026');
	del.addEventListener('click', () => {
		const sure = h('button', { type: 'button', class: 'primary', 'data-test': 'delete-confirm' }, 'Yes, delete "' + d.name + '"');
		sure.addEventListener('click', async () => {
			try {
				await call('DELETE', 'dashboards/' + d.id, undefined, { 'If-Match': etag });
				go(['dashboards']);
			} catch (e) {
				clear(msg, e.status === 412 ? stale() : actionError(e));
			}
		});
		clear(msg, h('p', { class: 'note' }, 'Delete this dashboard for everyone? ', sure));
	});
	const form = h('form', { class: 'stack dedit', 'data-test': 'editor' },
	    h('label', null, 'Name', name), list,
	    h('div', { class: 'filters' }, h('label', null, 'Widget type', pick), add),
	    h('div', { class: 'filters' }, save, cancel, del), msg);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		read();
		clear(msg, h('p', { class: 'loading' }, 'Saving\u2026'));
		save.disabled = true;
		try {
			const r = await call('PUT', 'dashboards/' + d.id, { name: name.value.trim(), widgets: work }, { 'If-Match': etag });
			Object.assign(d, r.json);
			etag = r.etag;
			done();
		} catch (e) {
			clear(msg, e.status === 412 ? stale() : actionError(e));
		} finally {
			save.disabled = false;
		}
	});
	draw();
	clear(view, h('p', { class: 'small' }, h('a', { href: href(['dashboards']) }, '\u2190 All dashboards')),
	    h('h1', null, 'Edit dashboard'),
	    h('p', { class: 'sub' }, 'Widgets show in this order, left to right in a grid of three columns. Empty fields take the default. ',
		'Saving needs an admin token.'), form);
}
