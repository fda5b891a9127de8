// Alerts (REP-5): #/alerts shows what is firing now (GET
// api/alerts/status, readers too), the project's alert rules (GET
// api/alerts/rules, admin only: a read token gets an explanation) with a
// form to create one whose fields follow the chosen condition, edit
// (PUT; an empty url or secret keeps the stored one), enable or disable,
// delete (after a confirmation) and "Send test" (POST .../test, the
// receiver's answer shown in the row), and the delivery history (GET
// api/alerts/history, filtered by rule and status in the URL, "More"
// for the next page) with every attempt.  A new webhook rule's URL and
// secret are shown once, right after it is created.  A 400 shows above
// the form in the API's words, the field it names marked.  A stored run
// or a finished batch pass refreshes what is firing and the history.
import { h, clear, when, num, status } from '../dom.js';
import { api } from '../api.js';
import { empty, errorBox, actionError, section, filterForm } from '../ui.js';

// The conditions: [value, label in the form].
const CONDITIONS = [
	['run_failed', 'A run failed'],
	['pass_rate_below', 'Pass rate below a threshold'],
	['new_failure', 'A new failure in a run'],
	['flaky_detected', 'A test was found flaky'],
	['incident_opened', 'An incident opened'],
	['integrity_signal', 'An integrity signal'],
	['duration_regression', 'A run got slower'],
	['test_count_drop', 'Tests went missing'],
];
const CONDITION_LABEL = Object.fromEntries(CONDITIONS);

// The parameters of each condition, as form fields: name, label, kind
// (int or a list of choices), range, default (null: required), a hint.
const PARAMS = {
	pass_rate_below: [
		{ name: 'threshold_pct', label: 'Fire below (% passed)', min: 1, max: 100, dflt: null,
		    hint: 'required, 1 to 100' },
		{ name: 'runs', label: 'Over the last (runs)', min: 1, max: 100, dflt: 5, hint: '1 to 100, default 5' }],
	duration_regression: [
		{ name: 'runs', label: 'Baseline (runs)', min: 3, max: 100, dflt: 10, hint: '3 to 100, default 10' },
		{ name: 'regression_pct', label: 'Slower by (%)', min: 1, max: 10000, dflt: 50,
		    hint: 'over the baseline median, default 50' }],
	test_count_drop: [
		{ name: 'min_drop', label: 'At least (tests fewer)', min: 1, max: 100000000, dflt: 1,
		    hint: 'than the previous run, default 1' }],
	integrity_signal: [
		{ name: 'min_severity', label: 'Minimum severity', choices: ['low', 'medium', 'high', 'critical'],
		    dflt: 'high', hint: 'default high' }],
};
const PARAM_KEYS = ['threshold_pct', 'runs', 'regression_pct', 'min_drop', 'min_severity'];

// conditionWords(r): a rule's condition with its parameters, in words.
export function conditionWords(r) {
	switch (r.condition) {
	case 'run_failed':
		return 'a run fails';
	case 'pass_rate_below':
		return 'the pass rate of the last ' + r.runs + (r.runs === 1 ? ' run' : ' runs') + ' is below ' +
		    r.threshold_pct + '%';
	case 'new_failure':
		return 'a run has a new failure';
	case 'flaky_detected':
		return 'a test is found flaky (any branch and job)';
	case 'incident_opened':
		return 'an incident opens (a test starts failing)';
	case 'integrity_signal':
		return 'an integrity signal of severity ' + r.min_severity + (r.min_severity === 'critical' ? '' : ' or above');
	case 'duration_regression':
		return 'a run takes ' + r.regression_pct + '% longer than the median of the ' + r.runs + ' runs before';
	case 'test_count_drop':
		return 'a run has ' + (r.min_drop === 1 ? 'a test' : r.min_drop + ' or more tests') + ' fewer than the run before';
	default:
		return String(r.condition);
	}
}

// cooldownWords(s): "none", "45 s", "1 h", "1 h 30 min", "2 d".
export function cooldownWords(s) {
	if (s === null || s === undefined || s === '' || !Number.isInteger(Number(s)))
		return '\u2014';
	s = Number(s);
	if (s === 0)
		return 'none';
	const parts = [];
	for (const [n, u] of [[86400, 'd'], [3600, 'h'], [60, 'min'], [1, 's']]) {
		if (s >= n) {
			parts.push(Math.floor(s / n) + ' ' + u);
			s %= n;
		}
	}
	return parts.slice(0, 2).join(' ');
}

// call(method, path, body, params): the API's JSON answer ({} for a 204);
// throws ApiError, its details (the field a 400 names) in .details.
function call(method, path, body, params = {}) {
	return api(path, params, method === 'GET' ? {} : { method, body });
}

// live(): a stored run or a finished batch pass (the alerts pass fires
// and delivers) changes what is firing and the history.
export function live() {
	return { stream: { path: 'live' }, filter: (ev) => ev.type === 'run_ingested' || ev.type === 'batch_done' };
}

// The page's state while it is shown: the route's query, the rules (null
// when the token may not read them), the sections' elements.
function newState(view, query) {
	return { view, query, rules: null, rulesError: null, firing: [], names: new Map(),
	    els: { firing: h('div', { 'data-test': 'firing' }), rules: h('div', { 'data-test': 'rules' }),
		created: h('div', { 'data-test': 'created', 'data-live-keep': 'created', role: 'status' }),
		form: h('div', { 'data-test': 'rule-form-box' }), history: h('div', { 'data-test': 'history' }) } };
}

// render(view, ctx): the page: what is firing, the rules (or why not)
// with the form, the history; a live refresh (ctx.live) renews what is
// firing and the history only.  Status and history failing fail the
// page (the router shows the error); the rules fail on their own.
export async function render(view, ctx) {
	if (ctx.live && view.pg)
		return refreshLive(view.pg);
	const head = [h('h1', null, 'Alerts'),
	    h('p', { class: 'sub' }, 'Rules that watch the suite (a failed run, a pass rate under a threshold, a new failure, ',
		'a flaky test, an incident, an integrity signal, a slower run, tests gone missing) and notify a webhook or the ',
		'server\'s log; what is firing now and every notification sent. The alerts batch pass judges the rules and delivers.')];
	const pg = newState(view, ctx.query);
	const ruleId = /^\d+$/.test(ctx.query.rule || '') ? Number(ctx.query.rule) : undefined;
	if (view.dataset.state !== 'ready')
		clear(view, head, h('p', { class: 'loading', role: 'status' }, 'Loading the alerts\u2026'));
	const [st, rules, hist] = await Promise.all([call('GET', 'alerts/status'),
	    call('GET', 'alerts/rules').catch((e) => e),
	    call('GET', 'alerts/history', undefined, { rule_id: ruleId, status: ctx.query.status, limit: 50 })]);
	if (rules instanceof Error)
		pg.rulesError = rules;
	else
		pg.rules = rules.rules;
	noteNames(pg, st.firing, hist.deliveries);
	view.pg = pg;
	clear(view, head,
	    section('Firing now', pg.els.firing),
	    section('Rules', pg.els.created, pg.els.rules, pg.els.form),
	    section('Delivery history', historyFilters(pg), pg.els.history));
	showFiring(pg, st);
	showRules(pg);
	if (pg.rules)
		openForm(pg, null);
	showHistory(pg, hist);
}

// noteNames(pg, firing, deliveries): the rule names the page has seen
// (for the history's rule filter when the rules cannot be listed).
function noteNames(pg, firing, deliveries) {
	for (const x of [...firing, ...deliveries])
		if (x.rule_id !== null && x.rule_id !== undefined && !pg.names.has(x.rule_id))
			pg.names.set(x.rule_id, x.rule_name);
}

// refreshLive(pg): what is firing and the history's first page again
// (the rules and an open form are left alone); errors show in place.
async function refreshLive(pg) {
	await Promise.all([reloadFiring(pg), reloadHistory(pg)]);
}

// reloadFiring(pg): GET api/alerts/status into the firing section.
async function reloadFiring(pg) {
	try {
		showFiring(pg, await call('GET', 'alerts/status'));
	} catch (e) {
		clear(pg.els.firing, errorBox(e));
	}
}

// reloadRules(pg): GET api/alerts/rules into the rules section.
async function reloadRules(pg) {
	try {
		pg.rules = (await call('GET', 'alerts/rules')).rules;
		pg.rulesError = null;
	} catch (e) {
		pg.rules = null;
		pg.rulesError = e;
	}
	showRules(pg);
}

// reloadHistory(pg): the history's first page under the URL's filters.
async function reloadHistory(pg) {
	const ruleId = /^\d+$/.test(pg.query.rule || '') ? Number(pg.query.rule) : undefined;
	try {
		showHistory(pg, await call('GET', 'alerts/history', undefined,
		    { rule_id: ruleId, status: pg.query.status, limit: 50 }));
	} catch (e) {
		clear(pg.els.history, errorBox(e));
	}
}

// showFiring(pg, d): the open firings of answer d, newest first.
function showFiring(pg, d) {
	pg.firing = d.firing;
	if (!d.firing.length) {
		clear(pg.els.firing, empty('Nothing is firing: no rule\'s condition holds right now.'));
		return;
	}
	const th = (t, cls) => h('th', { scope: 'col', class: cls }, t);
	clear(pg.els.firing, h('p', { class: 'small muted', 'data-test': 'firing-count' }, num(d.count),
	    d.count === 1 ? ' firing, until its condition stops holding.' : ' firing, each until its condition stops holding.'),
	h('div', { class: 'tablewrap' }, h('table', { class: 'firing' },
	    h('thead', null, h('tr', null, th('Rule'), th('Condition'), th('Subject'), th('Summary'), th('Opened'),
		th('Matches', 'num'), th('Last notified'))),
	    h('tbody', null, d.firing.map((f) => h('tr', { 'data-test': 'firing-row', 'data-rule': f.rule_name },
		h('td', null, h('span', { class: 'st st-firing' }, h('span', { class: 'g', 'aria-hidden': 'true' }, '\u2691'),
		    f.rule_name)),
		h('td', null, CONDITION_LABEL[f.condition] || f.condition),
		h('td', { 'data-col': 'subject' }, f.subject),
		h('td', { class: 'wrap', 'data-col': 'summary' }, f.summary),
		h('td', null, when(f.opened_at)),
		h('td', { class: 'num', 'data-col': 'matches' }, num(f.matches)),
		h('td', { 'data-col': 'notified' }, f.notified_at ? when(f.notified_at) :
		    h('span', { class: 'muted' }, 'not yet'))))))));
}

// adminOnly(err): why the rules are not shown (401/403), or the error.
function adminOnly(err) {
	if (err.status !== 401 && err.status !== 403)
		return errorBox(err);
	return h('div', { class: 'note', role: 'note', 'data-test': 'rules-admin-only' },
	    h('p', null, h('strong', null, 'Alert rules need an admin token.'), ' They hold where notifications go (webhook ',
		'addresses and signing secrets), so only an admin token lists, creates, changes, tests or deletes them.'),
	    h('p', null, 'The API answered ' + err.status + ': ', h('q', null, err.message)),
	    h('p', null, 'What is firing and the delivery history are open to readers (above and below). To manage rules, save a token ',
		'with admin scope in ', h('a', { href: '#/settings' }, 'Settings'), ' (create one with ',
		h('code', null, 'testvis token create --project P --scope admin'), ').'));
}

// channelText(r): "webhook \u2192 https://host/\u2026" or "log".
function channelText(r) {
	if (r.channel !== 'webhook')
		return h('span', null, 'log ', h('span', { class: 'cls' }, 'the server\'s log'));
	return h('span', null, 'webhook', h('code', { class: 'cls', 'data-col': 'url' }, r.url || '\u2014'));
}

// showRules(pg): the rules table (or why it cannot be shown).
function showRules(pg) {
	if (!pg.rules) {
		clear(pg.els.rules, adminOnly(pg.rulesError));
		clear(pg.els.form);
		return;
	}
	if (!pg.rules.length) {
		clear(pg.els.rules, empty('No rule yet: create one with the form below.'));
		return;
	}
	const th = (t, cls) => h('th', { scope: 'col', class: cls }, t);
	clear(pg.els.rules, h('div', { class: 'tablewrap' }, h('table', { class: 'rules' },
	    h('thead', null, h('tr', null, th('Name'), th('Fires when'), th('Branch'), th('Job'), th('Channel'),
		th('Format'), th('Cool-down'), th('State'), th('Actions'))),
	    h('tbody', null, pg.rules.map((r) => ruleRow(pg, r))))));
}

// ruleRow(pg, r): one rule with its actions; the outcome of an action
// shows under the buttons.
function ruleRow(pg, r) {
	const out = h('div', { class: 'rout', 'data-test': 'rule-out', role: 'status' });
	const btn = (label, test, fn) => h('button', { type: 'button', 'data-test': test, onclick: () => fn(out) }, label);
	return h('tr', { 'data-test': 'rule-row', 'data-rule': r.name, 'data-id': r.rule_id, 'data-enabled': String(r.enabled) },
	    h('td', { 'data-col': 'name' }, h('strong', null, r.name)),
	    h('td', { 'data-col': 'condition' }, conditionWords(r), h('span', { class: 'cls' }, r.condition)),
	    h('td', { 'data-col': 'branch' }, r.condition === 'flaky_detected' ? h('span', { class: 'muted' }, 'every') :
		r.branch === '*' ? h('span', null, h('code', null, '*'), ' every') : h('code', null, r.branch)),
	    h('td', { 'data-col': 'job' }, r.job ? r.job : h('span', { class: 'muted' }, 'every')),
	    h('td', { 'data-col': 'channel' }, channelText(r)),
	    h('td', { 'data-col': 'format' }, r.channel === 'webhook' ? r.format : h('span', { class: 'muted' }, '\u2014')),
	    h('td', { 'data-col': 'cooldown', title: r.cooldown_s + ' s' }, cooldownWords(r.cooldown_s)),
	    h('td', { 'data-col': 'enabled' }, r.enabled ? status('active', 'enabled') : status('muted', 'disabled')),
	    h('td', { class: 'ractions' }, h('div', { class: 'rbtns' },
		btn('\u270E Edit', 'edit', () => openForm(pg, r)),
		btn(r.enabled ? 'Disable' : 'Enable', 'toggle', (o) => toggle(pg, r, o)),
		btn('Send test', 'send-test', (o) => sendTest(pg, r, o)),
		btn('Delete', 'delete', (o) => confirmDelete(pg, r, o))), out));
}

// definition(r): rule r as a PUT body (what the API answered, without
// the id, the times and the masked url and secret, which PUT keeps).
function definition(r) {
	const d = { ...r };
	for (const k of ['rule_id', 'url', 'secret', 'created_at', 'updated_at'])
		delete d[k];
	if (d.job === null)
		delete d.job;
	return d;
}

// toggle(pg, r, out): PUT the rule with enabled flipped.
async function toggle(pg, r, out) {
	clear(out, h('span', { class: 'loading' }, r.enabled ? 'Disabling\u2026' : 'Enabling\u2026'));
	try {
		await call('PUT', 'alerts/rules/' + r.rule_id, { ...definition(r), enabled: !r.enabled });
	} catch (e) {
		clear(out, actionError(e));
		return;
	}
	await reloadRules(pg);
}

// sendTest(pg, r, out): POST .../test; delivered, or the receiver's
// status code or the error, with the time taken and when.
async function sendTest(pg, r, out) {
	clear(out, h('span', { class: 'loading' }, 'Sending a test notification\u2026'));
	let d;
	try {
		d = await call('POST', 'alerts/rules/' + r.rule_id + '/test');
	} catch (e) {
		clear(out, actionError(e));
		return;
	}
	const at = new Date().toISOString().slice(0, 19) + 'Z';
	const clock = h('time', { datetime: at, title: at }, at.slice(11, 19) + ' UTC');
	if (d.delivered) {
		clear(out, h('p', { class: 'ok', 'data-test': 'test-result', 'data-delivered': 'true' }, '\u2713 Delivered',
		    d.status_code !== null ? ' (receiver answered ' + d.status_code + ')' : ' to the log',
		    ' in ' + num(d.duration_ms) + ' ms at ', clock));
	} else {
		clear(out, h('p', { class: 'error', role: 'alert', 'data-test': 'test-result', 'data-delivered': 'false' },
		    h('strong', null, 'Not delivered'), ': ',
		    d.status_code !== null ? 'the receiver answered ' + d.status_code : 'no answer',
		    d.error ? ' \u2014 ' + d.error : '', ' (' + num(d.duration_ms) + ' ms, at ', clock, ').'));
	}
	await reloadHistory(pg);
}

// confirmDelete(pg, r, out): asks in the row; Delete there removes the
// rule (its history stays), Cancel leaves it.
function confirmDelete(pg, r, out) {
	const yes = h('button', { type: 'button', class: 'danger', 'data-test': 'confirm-delete' }, 'Delete ' + r.name);
	const no = h('button', { type: 'button', 'data-test': 'cancel-delete' }, 'Cancel');
	no.addEventListener('click', () => clear(out));
	yes.addEventListener('click', async () => {
		yes.disabled = no.disabled = true;
		try {
			await call('DELETE', 'alerts/rules/' + r.rule_id);
		} catch (e) {
			clear(out, actionError(e));
			return;
		}
		const open = pg.els.form.querySelector('form');
		if (open && open.dataset.ruleId === String(r.rule_id))
			openForm(pg, null);
		await Promise.all([reloadRules(pg), reloadFiring(pg), reloadHistory(pg)]);
		clear(pg.els.created, h('p', { class: 'ok', 'data-test': 'deleted' }, 'Rule ' + r.name + ' deleted; its history stays.'));
	});
	clear(out, h('div', { class: 'confirm', role: 'alert', 'data-test': 'delete-confirm' },
	    h('p', null, 'Delete this rule? Its open firings are resolved and pending notifications dropped; ',
		'its history stays.'), yes, ' ', no));
}

// field(label, input, hint): a labelled form field with a hint under it.
function field(label, input, hint) {
	return h('label', null, label, input, hint ? h('span', { class: 'hint' }, hint) : null);
}

// paramFields(box, cond, r): the fields of condition cond into box,
// holding rule r's values (null: the defaults as placeholders).
function paramFields(box, cond, r) {
	const ps = PARAMS[cond] || [];
	clear(box, ps.map((p) => {
		const v = r && r.condition === cond && r[p.name] !== undefined ? String(r[p.name]) : '';
		const input = p.choices ?
		    h('select', { name: p.name, 'data-field': p.name }, p.choices.map((c) =>
			h('option', { value: c, selected: (v || p.dflt) === c }, c))) :
		    h('input', { type: 'number', name: p.name, 'data-field': p.name, value: v, min: p.min, max: p.max,
			placeholder: p.dflt === null ? '' : String(p.dflt), required: p.dflt === null, autocomplete: 'off' });
		return field(p.label, input, p.hint);
	}));
	if (!ps.length)
		box.append(h('p', { class: 'small muted pnote' }, 'This condition takes no parameters.'));
}

// openForm(pg, r): the rule form in the page: a new rule (r null) or
// rule r to edit.  The condition's parameters, the branch and job and
// the webhook's fields follow the choices.
function openForm(pg, r) {
	const edit = r !== null;
	const inp = (name, v, extra = {}) => h('input', { type: 'text', name, 'data-field': name, value: v || '',
	    autocomplete: 'off', spellcheck: 'false', ...extra });
	const cond = h('select', { name: 'condition', 'data-field': 'condition' }, CONDITIONS.map(([v, t]) =>
	    h('option', { value: v, selected: (edit ? r.condition : 'run_failed') === v }, t)));
	const params = h('div', { class: 'rparams', 'data-test': 'params' });
	const stream = h('div', { class: 'rgroup', 'data-test': 'stream-fields' },
	    field('Branch (glob)', inp('branch', edit && r.branch !== '*' ? r.branch : '', { maxlength: 200,
		placeholder: '* (every branch)' }), 'e.g. main, release/*'),
	    field('Job', inp('job', edit ? r.job : '', { maxlength: 150, placeholder: 'every job' })));
	const flakyNote = h('p', { class: 'small muted pnote', 'data-test': 'flaky-note' },
	    'A flaky test is judged over every branch and job: this condition takes neither.');
	const channel = h('select', { name: 'channel', 'data-field': 'channel' }, [['webhook', 'webhook'], ['log', 'the server\'s log']]
	    .map(([v, t]) => h('option', { value: v, selected: (edit ? r.channel : 'webhook') === v }, t)));
	const keep = (what, shown) => edit && r.channel === 'webhook' && shown ?
	    'empty: keep the stored ' + what + ' (' + shown + ')' : null;
	const hook = h('div', { class: 'rgroup', 'data-test': 'webhook-fields' },
	    field('URL', inp('url', '', { maxlength: 2000, inputmode: 'url', class: 'wide',
		placeholder: edit && r.channel === 'webhook' ? 'leave empty to keep it' : 'https://hooks.example.com/testvis' }),
		keep('URL', r && r.url) || 'http or https; redirects are not followed'),
	    field('Format', h('select', { name: 'format', 'data-field': 'format' }, [['json', 'JSON (testvis alert)'],
		['slack', 'Slack-compatible {"text"}']].map(([v, t]) => h('option', { value: v,
		selected: (edit && r.format ? r.format : 'json') === v }, t)))),
	    field('Secret (optional)', inp('secret', '', { maxlength: 256, class: 'wide',
		placeholder: edit && r.channel === 'webhook' ? 'leave empty to keep it' : 'empty: a random one is made' }),
		keep('secret', r && r.secret) || '16 to 256 printable characters without spaces; signs every request'));
	const cooldown = inp('cooldown_s', edit ? String(r.cooldown_s) : '', { type: 'number', min: 0, max: 604800,
	    placeholder: '3600' });
	const cdHint = h('span', { class: 'hint', 'data-test': 'cooldown-words' });
	const enabled = h('input', { type: 'checkbox', name: 'enabled', 'data-field': 'enabled', checked: edit ? r.enabled : true });
	const msg = h('div', { 'data-test': 'rule-error' });
	const submit = h('button', { type: 'submit', class: 'primary', 'data-test': 'save-rule' }, edit ? 'Save changes' : 'Create rule');
	const cancel = edit ? h('button', { type: 'button', 'data-test': 'cancel-edit' }, 'Cancel') : null;
	const f = h('form', { class: 'filters ruleform', 'data-test': 'rule-form', 'data-rule-id': edit ? r.rule_id : null,
	    novalidate: true },
	    field('Name', inp('name', edit ? r.name : '', { maxlength: 100, placeholder: 'e.g. main is red' })),
	    field('Fires when', cond), params, stream, flakyNote,
	    field('Cool-down (seconds)', cooldown, cdHint),
	    field('Channel', channel), hook,
	    h('label', { class: 'check' }, enabled, ' Enabled'),
	    h('div', { class: 'rbtns' }, submit, cancel));
	// the groups of fields the choices ask for (the parameters are made
	// again only when the condition changes: what was typed stays)
	const follow = (ev) => {
		if (!ev || ev.target === cond)
			paramFields(params, cond.value, r);
		stream.hidden = cond.value === 'flaky_detected';
		flakyNote.hidden = !stream.hidden;
		hook.hidden = channel.value !== 'webhook';
	};
	const words = () => {
		cdHint.textContent = cooldown.value === '' ? 'default 3600 (1 h); 0 = none' : cooldownWords(cooldown.value);
	};
	cond.addEventListener('change', follow);
	channel.addEventListener('change', follow);
	cooldown.addEventListener('input', words);
	follow();
	words();
	if (cancel)
		cancel.addEventListener('click', () => openForm(pg, null));
	f.addEventListener('submit', (ev) => {
		ev.preventDefault();
		save(pg, f, r, msg);
	});
	clear(pg.els.form, h('h3', { 'data-test': 'form-title' }, edit ? 'Edit rule ' + r.name : 'New rule'),
	    edit ? h('p', { class: 'small muted' }, 'The URL and the secret are not shown again: leave them empty to keep them, ',
		'or type new ones to replace them.') : null, msg, f);
	if (edit)
		pg.els.form.scrollIntoView({ block: 'nearest' });
}

// intOr(s): the integer s spells, else s itself (the API says why not).
function intOr(s) {
	return /^-?\d+$/.test(s) ? Number(s) : s;
}

// bodyOf(f): the rule the form f holds, as the API takes it; empty
// fields left out (defaults; on PUT, an empty url and secret keep the
// stored ones).
function bodyOf(f) {
	const v = (k) => {
		const el = f.querySelector('[data-field=' + k + ']');
		return el && !el.closest('[hidden]') ? el.value.trim() : '';
	};
	const b = { name: v('name'), condition: v('condition'), channel: v('channel'),
	    enabled: f.querySelector('[data-field=enabled]').checked };
	if (b.condition !== 'flaky_detected') {
		b.branch = v('branch') || '*';
		if (v('job'))
			b.job = v('job');
	}
	if (v('cooldown_s') !== '')
		b.cooldown_s = intOr(v('cooldown_s'));
	for (const k of PARAM_KEYS)
		if (v(k) !== '')
			b[k] = k === 'min_severity' ? v(k) : intOr(v(k));
	if (b.channel === 'webhook') {
		b.format = v('format');
		for (const k of ['url', 'secret'])
			if (v(k) !== '')
				b[k] = v(k);
	}
	return b;
}

// save(pg, f, r, msg): POST (r null) or PUT the form's rule; a new rule's
// url and secret are shown once; an error in msg, the field it names
// marked.
async function save(pg, f, r, msg) {
	const btn = f.querySelector('[data-test=save-rule]');
	btn.disabled = true;
	for (const el of f.querySelectorAll('[aria-invalid]'))
		el.removeAttribute('aria-invalid');
	clear(msg, h('p', { class: 'loading', role: 'status' }, 'Saving the rule\u2026'));
	let d;
	try {
		d = await call(r ? 'PUT' : 'POST', r ? 'alerts/rules/' + r.rule_id : 'alerts/rules', bodyOf(f));
	} catch (e) {
		btn.disabled = false;
		clear(msg, ruleError(e, f));
		return;
	}
	clear(msg);
	clear(pg.els.created, r ? h('p', { class: 'ok', 'data-test': 'saved' }, 'Rule ' + d.name + ' saved.') : created(d));
	openForm(pg, null);
	await reloadRules(pg);
	pg.els.created.scrollIntoView({ block: 'nearest' });
}

// ruleError(e, f): the API's answer to a rule that was not stored; a
// 400's field (details.param, else the first field its message names)
// is marked in form f and named.
function ruleError(e, f) {
	if (e.status === 401 || e.status === 403)
		return actionError(e);
	let name = e.details && e.details.param ? e.details.param : null;
	if (e.status === 400 && (!name || name === 'body'))
		name = [...f.querySelectorAll('[data-field]')].map((el) => el.dataset.field)
		    .find((k) => new RegExp('\\b' + k + '\\b').test(e.message)) || null;
	const el = name ? f.querySelector('[data-field=' + name + ']') : null;
	if (el && e.status === 400) {
		el.setAttribute('aria-invalid', 'true');
		el.focus();
	}
	const label = el ? el.closest('label').firstChild.textContent : null;
	return h('div', { class: 'error', role: 'alert', 'data-test': 'rule-400', 'data-param': name },
	    h('p', null, h('strong', null, e.status === 409 ? 'That name is taken' : e.status === 400 ?
		'The rule was not saved' + (label ? ': check ' + label : '') : 'The API answered ' + e.status +
		(e.code ? ' (' + e.code + ')' : ''))),
	    h('p', { 'data-test': 'rule-400-message' }, e.message || String(e)));
}

// created(d): the new rule d with, for a webhook, its URL and secret in
// full (the only time the API gives them) and how receivers check the
// signature.
function created(d) {
	const box = h('div', { class: 'note created', 'data-test': 'created-rule' },
	    h('p', null, h('strong', null, '\u2713 Rule ' + d.name + ' created.'), d.channel === 'log' ?
		' Its notifications go to the server\'s log (the alerts batch pass writes them).' : ''));
	if (d.channel !== 'webhook')
		return box;
	const copy = (text, test) => {
		const b = h('button', { type: 'button', 'data-test': test }, 'Copy');
		b.addEventListener('click', async () => {
			try {
				await navigator.clipboard.writeText(text);
				b.textContent = 'Copied';
			} catch (e) {
				b.textContent = 'Select and copy it by hand';
			}
		});
		return b;
	};
	box.append(h('dl', { class: 'meta' },
	    h('dt', null, 'Webhook URL'), h('dd', null, h('code', { 'data-test': 'created-url' }, d.url), ' ', copy(d.url, 'copy-url')),
	    h('dt', null, 'Secret'), h('dd', null, h('code', { 'data-test': 'created-secret' }, d.secret), ' ',
		copy(d.secret, 'copy-secret'))),
	h('p', { 'data-test': 'secret-once' }, h('strong', null, 'Copy the secret now: it will not be shown again.'),
	    ' The rules list shows only its last four characters; to change it, edit the rule and type a new one.'),
	h('p', { class: 'small' }, 'Receivers verify each request: its header ', h('code', null, 'X-Testvis-Signature-256'),
	    ' is ', h('code', null, 'sha256='), ' followed by the HMAC-SHA256 of the request body with this secret, in hex. ',
	    h('code', null, 'X-Testvis-Event'), ' names the kind (firing, reminder, test).'));
	return box;
}

// historyFilters(pg): the history's rule and status filters (in the
// URL: ?rule=ID&status=S); the rules from the list, else those seen.
function historyFilters(pg) {
	const names = new Map(pg.rules ? pg.rules.map((r) => [r.rule_id, r.name]) : pg.names);
	if (/^\d+$/.test(pg.query.rule || '') && !names.has(Number(pg.query.rule)))
		names.set(Number(pg.query.rule), 'rule #' + pg.query.rule);
	return filterForm(['alerts'], pg.query, [
		{ name: 'rule', label: 'Rule', type: 'select', options: [['', 'every rule'],
		    ...[...names].sort((a, b) => a[1].localeCompare(b[1])).map(([id, n]) => [String(id), n])] },
		{ name: 'status', label: 'Status', type: 'select', options: [['', 'any'], ['pending', 'pending'],
		    ['delivered', 'delivered'], ['failed', 'failed']] }], 'Filter');
}

const KIND = { firing: 'firing', reminder: 'reminder', test: 'test' };

// attemptsList(d): every attempt of delivery d: when, status code or
// error (the log channel has neither), milliseconds; the next one when
// pending.
function attemptsList(d) {
	const none = d.channel === 'log' ? 'written to the log' : 'no status';
	return h('ol', { class: 'attempts', 'data-test': 'attempts' }, d.attempts.map((a) =>
	    h('li', { 'data-test': 'attempt', 'data-code': a.status_code === null ? '' : a.status_code },
		h('time', { datetime: a.at, title: a.at }, a.at.slice(0, 19).replace('T', ' ')), ' \u00b7 ',
		a.status_code !== null ? h('span', { class: a.status_code >= 200 && a.status_code < 300 ? 'ok' : 'bad' },
		    String(a.status_code)) : h('span', { class: 'muted' }, none),
		a.error ? [' \u00b7 ', h('span', { class: 'bad' }, a.error)] : null,
		' \u00b7 ' + num(a.duration_ms) + ' ms')),
	d.next_attempt_at ? h('li', { class: 'muted next' }, 'next attempt ', when(d.next_attempt_at)) : null);
}

// deliveryRow(d): one notification of the history.
function deliveryRow(d) {
	const st = { delivered: 'passed', failed: 'failed', pending: 'pending' }[d.status] || 'pending';
	return h('tr', { 'data-test': 'delivery-row', 'data-rule': d.rule_name, 'data-kind': d.kind, 'data-status': d.status },
	    h('td', null, when(d.created_at)),
	    h('td', { 'data-col': 'kind' }, KIND[d.kind] || d.kind),
	    h('td', { 'data-col': 'rule' }, d.rule_name, h('span', { class: 'cls' }, d.channel)),
	    h('td', { 'data-col': 'status' }, status(st, d.status)),
	    h('td', { class: 'num', 'data-col': 'attempt-count' }, num(d.attempt_count)),
	    h('td', { 'data-col': 'attempts' }, d.attempts.length ? attemptsList(d) : h('span', { class: 'muted' }, 'none yet')),
	    h('td', { class: 'wrap', 'data-col': 'summary' }, d.summary || h('span', { class: 'muted' }, '\u2014')));
}

// showHistory(pg, d): the history's first page (answer d) and "More"
// while the API gives a next cursor.
function showHistory(pg, d) {
	const filtered = pg.query.rule || pg.query.status;
	if (!d.deliveries.length) {
		clear(pg.els.history, empty(filtered ? 'No notification matches these filters.' :
		    'No notification sent yet: they appear here once a rule fires or a test is sent.'));
		return;
	}
	const body = h('tbody');
	const more = h('p', { class: 'pager' });
	const th = (t, cls) => h('th', { scope: 'col', class: cls }, t);
	clear(pg.els.history, h('div', { class: 'tablewrap' }, h('table', { class: 'history' },
	    h('thead', null, h('tr', null, th('Created'), th('Kind'), th('Rule'), th('Status'), th('Attempts', 'num'),
		th('Each attempt (time UTC \u00b7 status \u00b7 error \u00b7 ms)'), th('Summary'))), body)), more);
	const add = (x) => {
		noteNames(pg, [], x.deliveries);
		body.append(...x.deliveries.map(deliveryRow));
		const btn = x.next_cursor ? h('button', { type: 'button', 'data-test': 'history-more' }, 'More') : null;
		clear(more, h('span', { class: 'small muted', 'data-test': 'history-count' },
		    num(body.children.length) + ' shown' + (x.next_cursor ? '' : ' (all)') + '.'), ' ', btn);
		if (btn)
			btn.addEventListener('click', async () => {
				btn.disabled = true;
				const ruleId = /^\d+$/.test(pg.query.rule || '') ? Number(pg.query.rule) : undefined;
				try {
					add(await call('GET', 'alerts/history', undefined, { rule_id: ruleId,
					    status: pg.query.status, limit: 50, cursor: x.next_cursor }));
				} catch (e) {
					clear(more, errorBox(e));
				}
			});
	};
	add(d);
}
