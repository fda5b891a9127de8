// Domain and feature health: GET api/tests/health/domains, the nested
// tree of product domains with their features.  Per node: tests, latest
// results, pass rate, status (glyph + word), flaky tests, open integrity
// signals, integrity score and confidence (pass rate x integrity score);
// test counts link to the catalogue limited to the node.  Domains expand
// and collapse with a button (Enter/Space, or Right/Left; Up/Down walk
// the rows); the open domains are kept in the URL (?open=) without
// reloading, so a link reopens the same view; without ?open= the first
// level of domains starts open.  Features link to their timeline.  For
// one branch and job (the default branch unless ?branch= / ?job=, kept in
// the URL and carried along on the links), named above the tree.
import { h, clear, when, pct, num, status } from '../dom.js';
import { api } from '../api.js';
import { load, empty, href, filterForm, streamFields, stream, branchLine } from '../ui.js';

export async function render(view, { segs, query }) {
	const head = [h('h1', null, 'Domain and feature health'),
	    h('p', { class: 'sub' }, 'Each test counts once, in the feature of its primary mapping, with its latest result. ',
		'Pass rate leaves skipped tests out; confidence is the pass rate \u00d7 the integrity score ',
		'(1 \u2212 0.1 per open integrity signal). A feature is red when any of its tests fails.')];
	const form = filterForm(segs, query, streamFields(), 'Show');
	const d = await load(view, [head, form], 'the domain tree',
	    api('tests/health/domains', stream(query)));
	const scope = [branchLine(d, segs, query), form];
	if (d.domains.length === 0)
		return clear(view, head, scope, empty(
		    h('p', null, h('strong', null, 'No domains or features yet.')),
		    h('p', null, 'The batch mapping pass (', h('code', null, 'testvis batch'), ', every minute from cron) ',
			'maps each test to a feature: from the ', h('code', null, 'feature'), ' property or sidecar, the rules file ',
			h('code', null, 'mapping_rules'), ', imported mappings, or the test\u2019s directory and file name.'),
		    h('p', null, 'No test has been mapped yet: upload a report (the ', h('a', { href: '#/' }, 'overview'),
			' shows how) and wait for the next batch run.')));
	// ?open= (even empty: the reader closed them all) says which domains
	// are open; without it the first level is
	const open = 'open' in query ?
	    new Set(String(query.open).split(',').filter((x) => /^\d+$/.test(x))) :
	    new Set(d.domains.map((x) => String(x.id)));
	const tree = new Tree(segs, query, open);
	const t = d.totals;
	const card = (k, v, title, cls, link) => h(link ? 'a' : 'div', { class: 'card' + (cls ? ' ' + cls : ''), title, href: link },
	    h('div', { class: 'v' }, v), h('div', { class: 'k' }, k));
	const cards = h('div', { class: 'cards', 'data-test': 'totals' },
	    card('overall', status(t.status), 'red when any mapped test fails'),
	    card('tests mapped', num(t.tests)),
	    card('pass rate', pct(t.pass_rate), 'passed / (passed + failed), latest results'),
	    card('confidence', pct(t.confidence, 0), 'pass rate \u00d7 integrity score'),
	    card('\u2248 flaky tests', num(t.flaky_tests), null, t.flaky_tests ? 'bad' : null, href(['flaky'], stream(query))),
	    card('\u2691 open integrity signals', num(t.open_signals), null, t.open_signals ? 'bad' : null, href(['integrity'])));
	const tools = h('div', { class: 'treetools' },
	    h('button', { type: 'button', 'data-test': 'expand-all', onclick: () => tree.all(true) }, '\u25BE Expand all'),
	    h('button', { type: 'button', 'data-test': 'collapse-all', onclick: () => tree.all(false) }, '\u25B8 Collapse all'),
	    h('span', { class: 'muted small' }, num(tree.countDomains(d.domains)) + ' domains, ' +
		num(tree.countFeatures(d.domains)) + ' features. Arrow keys: \u2192 opens, \u2190 closes, \u2191\u2193 move.'));
	clear(view, head, scope, cards, h('h2', null, 'Domains'), tools, tree.render(d.domains, t),
	    h('p', { class: 'small muted' }, 'Features link to their day-by-day timeline. Times are of the latest result; hover for the exact time.'));
	tree.sync();
}

const COLS = ['Domain / feature', 'Status', ['Tests', 'num'], ['Passed', 'num'], ['Failed', 'num'],
    ['Skipped', 'num'], ['Pass rate', 'num'], ['Confidence', 'num'], ['Flaky', 'num'],
    ['Open signals', 'num'], ['Integrity', 'num'], 'Last result'];

class Tree {
	constructor(segs, query, open) {
		this.segs = segs;
		this.query = query;
		this.open = open;
		this.nodes = [];	// {row, parent, domain id or null, button}
	}

	countDomains(list) {
		return list.reduce((n, x) => n + 1 + this.countDomains(x.children), 0);
	}

	countFeatures(list) {
		return list.reduce((n, x) => n + x.features.length + this.countFeatures(x.children), 0);
	}

	render(domains, totals) {
		this.tbody = h('tbody', null);
		for (const dom of domains)
			this.domain(dom, null, 0);
		this.tbody.addEventListener('keydown', (ev) => this.key(ev));
		const foot = h('tfoot', null, h('tr', { class: 'total' },
		    h('th', { scope: 'row' }, 'All domains'), this.figures(totals)));
		return h('div', { class: 'tablewrap' }, h('table', { class: 'tree', 'data-test': 'health-tree',
		    'aria-label': 'Domain and feature health' },
		    h('thead', null, h('tr', null, COLS.map((x) => Array.isArray(x) ?
			h('th', { class: x[1], scope: 'col' }, x[0]) : h('th', { scope: 'col' }, x)))),
		    this.tbody, foot));
	}

	// The figures of a node (domain, feature or totals), one cell each;
	// scope (the catalogue filter of a domain or feature) links the counts
	// to its tests.
	figures(n, scope) {
		const c = (v, cls, title) => h('td', { class: cls || 'num', title }, v);
		const tests = (v, extra, title) => scope ? h('a', { href: href(['tests'], { ...stream(this.query), ...scope, ...extra }), title }, v) : v;
		return [
		    c(status(n.status), 'st-cell'),
		    c(tests(num(n.tests), {}, 'the tests mapped here')),
		    c(num(n.passed)),
		    c(n.failed ? h('strong', null, tests(num(n.failed), { sort: 'last_failed' }, 'the tests mapped here, last failed first')) :
			num(n.failed)),
		    c(num(n.skipped)),
		    c(pct(n.pass_rate), null, 'passed / (passed + failed)'),
		    c(pct(n.confidence, 0), null, 'pass rate \u00d7 integrity score'),
		    c(n.flaky_tests ? ['\u2248 ', num(n.flaky_tests)] : num(n.flaky_tests)),
		    c(n.open_signals ? h('a', { href: href(['integrity']), title: 'open integrity signals' },
			'\u2691 ', num(n.open_signals)) : num(n.open_signals)),
		    c(pct(n.integrity_score, 0), null, '1 \u2212 0.1 \u00d7 open signals'),
		    c(when(n.last_run_at), 'when')];
	}

	domain(dom, parent, level) {
		const id = 'dom-' + dom.id;
		const hasKids = dom.children.length + dom.features.length > 0;
		const exp = this.open.has(String(dom.id));
		let first;
		if (hasKids) {
			first = h('button', { type: 'button', class: 'toggle', 'aria-expanded': exp ? 'true' : 'false',
			    'data-test': 'toggle', 'data-id': String(dom.id),
			    title: (exp ? 'Close ' : 'Open ') + dom.path },
			    h('span', { class: 'tw', 'aria-hidden': 'true' }, exp ? '\u25BE' : '\u25B8'),
			    h('span', { class: 'name' }, dom.name));
			first.addEventListener('click', () => this.toggle(node));
		} else {
			first = h('span', { class: 'leaf' }, h('span', { class: 'tw', 'aria-hidden': 'true' }, '\u2022'),
			    h('span', { class: 'name' }, dom.name));
		}
		const cell = h('th', { scope: 'row', class: 'treecell' }, first,
		    h('span', { class: 'kind' }, ' domain'),
		    dom.path !== dom.name ? h('span', { class: 'cls' }, dom.path) : null);
		cell.style.paddingLeft = (0.5 + level * 1.4) + 'em';
		const row = h('tr', { id, class: 'domain lvl' + Math.min(level, 5) + ' ' + dom.status,
		    'data-test': 'domain-row', 'data-path': dom.path, 'aria-level': String(level + 1) },
		    cell, this.figures(dom, { domain_id: dom.id, label: dom.path }));
		this.tbody.append(row);
		const node = { row, parent, id: String(dom.id), button: hasKids ? first : null, expanded: exp };
		this.nodes.push(node);
		for (const c of dom.children)
			this.domain(c, node, level + 1);
		for (const f of dom.features)
			this.feature(f, node, level + 1);
	}

	feature(f, parent, level) {
		const link = h('a', { href: href(['features', String(f.id), 'timeline'], stream(this.query)), 'data-test': 'feature-link',
		    title: 'timeline of ' + f.path }, f.name);
		const cell = h('th', { scope: 'row', class: 'treecell' },
		    h('span', { class: 'tw', 'aria-hidden': 'true' }, '\u25E6'), link,
		    h('span', { class: 'kind' }, ' feature'));
		cell.style.paddingLeft = (0.5 + level * 1.4) + 'em';
		const row = h('tr', { class: 'feature ' + f.status, 'data-test': 'feature-row', 'data-path': f.path,
		    'aria-level': String(level + 1) }, cell, this.figures(f, { feature_id: f.id, label: f.path }));
		this.tbody.append(row);
		this.nodes.push({ row, parent, id: null, button: null, expanded: false });
	}

	// Shows the rows whose ancestors are all expanded.
	sync() {
		for (const n of this.nodes) {
			let vis = true;
			for (let p = n.parent; p; p = p.parent)
				vis = vis && p.expanded;
			n.row.hidden = !vis;
			if (n.button) {
				n.button.setAttribute('aria-expanded', n.expanded ? 'true' : 'false');
				n.button.querySelector('.tw').textContent = n.expanded ? '\u25BE' : '\u25B8';
			}
		}
		// keep the open domains in the URL, without a reload
		const ids = this.nodes.filter((n) => n.button && n.expanded).map((n) => n.id);
		// 'none': every domain closed (an empty value would drop the
		// key, and the first level would open again on a reload)
		const q = { ...this.query, open: ids.length ? ids.join(',') : 'none' };
		const want = href(this.segs, q);
		if (location.hash !== want)
			history.replaceState(history.state, '', want);
	}

	toggle(node, to) {
		node.expanded = to === undefined ? !node.expanded : to;
		this.sync();
	}

	all(to) {
		for (const n of this.nodes)
			if (n.button)
				n.expanded = to;
		this.sync();
	}

	// Keyboard: Right opens (or moves to the first child), Left closes (or
	// moves to the parent), Up/Down/Home/End move between visible rows.
	key(ev) {
		const el = ev.target;
		const cell = el.closest && el.closest('.treecell');
		if (!cell || ev.altKey || ev.ctrlKey || ev.metaKey)
			return;
		const idx = this.nodes.findIndex((n) => n.row.contains(el));
		if (idx < 0)
			return;
		const node = this.nodes[idx];
		const visible = this.nodes.filter((n) => !n.row.hidden);
		const vi = visible.indexOf(node);
		const focus = (n) => {
			if (n)
				(n.button || n.row.querySelector('.treecell a')).focus();
		};
		switch (ev.key) {
		case 'ArrowRight':
			if (node.button && !node.expanded)
				this.toggle(node, true);
			else if (node.button)
				focus(visible[vi + 1]);
			break;
		case 'ArrowLeft':
			if (node.button && node.expanded)
				this.toggle(node, false);
			else
				focus(node.parent);
			break;
		case 'ArrowDown':
			focus(visible[vi + 1]);
			break;
		case 'ArrowUp':
			focus(visible[vi - 1]);
			break;
		case 'Home':
			focus(visible[0]);
			break;
		case 'End':
			focus(visible[visible.length - 1]);
			break;
		default:
			return;
		}
		ev.preventDefault();
	}
}
