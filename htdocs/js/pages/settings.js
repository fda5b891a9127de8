// Settings: the project (GET api/projects) and the API token, both kept
// in this browser's localStorage; the token goes out as a Bearer header.
import { h, clear, when, num } from '../dom.js';
import { api, getProject, setProject, getToken, setToken } from '../api.js';
import { errorBox, section } from '../ui.js';

export async function render(view) {
	const tokenInput = h('input', { type: 'password', name: 'token', id: 'token', autocomplete: 'off',
	    spellcheck: 'false', size: 48, placeholder: getToken() ? '(a token is saved)' : 'tv_\u2026' });
	const tokenState = h('p', { role: 'status', 'data-test': 'token-state' },
	    getToken() ? 'A token is saved in this browser.' : 'No token saved: requests go without one.');
	const tokenForm = h('form', { class: 'stack', 'data-test': 'token-form' },
	    h('label', { for: 'token' }, 'API token (read scope to look, admin scope to triage, mute and map)', tokenInput),
	    h('div', null, h('button', { type: 'submit', class: 'primary' }, 'Save token'), ' ',
		h('button', { type: 'button', 'data-test': 'clear-token' }, 'Forget token')),
	    tokenState,
	    h('p', { class: 'small muted' }, 'Needed when the server is configured with ', h('code', null, 'auth_read = token'),
		'. Create one with ', h('code', null, 'testvis token create --project P --scope read'),
		'. Acknowledging integrity alerts, muting or quarantining tests and mapping them to features need ',
		h('code', null, '--scope admin'), '. It is kept in this browser (localStorage) and sent as ', h('code', null, 'Authorization: Bearer \u2026'), '.'));
	tokenForm.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const v = tokenInput.value.trim();
		if (!v)
			return;
		setToken(v);
		tokenInput.value = '';
		tokenInput.placeholder = '(a token is saved)';
		tokenState.textContent = 'Token saved.';
		loadProjects();
	});
	tokenForm.querySelector('[data-test=clear-token]').addEventListener('click', () => {
		setToken('');
		tokenInput.placeholder = 'tv_\u2026';
		tokenState.textContent = 'Token forgotten.';
		loadProjects();
	});

	const projects = h('div', { 'data-test': 'projects' });
	clear(view, h('h1', null, 'Settings'),
	    section('Project', projects),
	    section('Token', tokenForm),
	    section('Exports', h('p', null, h('a', { href: '#/exports', 'data-test': 'settings-exports' }, 'All exports'),
		': the export files asked for from the run, test, catalogue and report pages, with their progress and downloads.')));

	async function loadProjects() {
		clear(projects, h('p', { class: 'loading' }, 'Loading projects\u2026'));
		let d;
		try {
			d = await api('projects', {}, { project: false });
		} catch (e) {
			return clear(projects, errorBox(e));
		}
		const cur = getProject();
		const sel = h('select', { name: 'project', id: 'project-select' }, d.projects.map((p) =>
		    h('option', { value: p.slug, selected: p.slug === cur }, p.slug + (p.name && p.name !== p.slug ? ' \u2014 ' + p.name : '') +
			' (' + num(p.run_count) + ' runs, ' + num(p.test_count) + ' tests)')));
		const msg = h('p', { role: 'status' });
		const form = h('form', { class: 'stack' }, h('label', { for: 'project-select' }, 'Show the data of', sel),
		    h('div', null, h('button', { type: 'submit', class: 'primary' }, 'Use this project')), msg);
		form.addEventListener('submit', (ev) => {
			ev.preventDefault();
			setProject(sel.value);
			document.getElementById('project').textContent = 'project: ' + getProject();
			msg.textContent = 'Now showing project ' + getProject() + '.';
		});
		const p = d.projects.find((x) => x.slug === cur);
		clear(projects, form, p ? h('p', { class: 'small muted' }, 'Last run of ' + p.slug + ': ',
		    when(p.last_run_at)) : h('p', { class: 'note' }, 'The saved project ' + cur + ' does not exist here; pick another.'));
	}
	await loadProjects();
}
