// api.js: every request to the JSON API.  URLs are relative to the page
// (api/...), so the frontend works under any sub-path.  The project and the
// token come from localStorage (Settings); the token is sent as
// "Authorization: Bearer ..." on every request.

const KEY_TOKEN = 'testvis.token';
const KEY_PROJECT = 'testvis.project';

export function getToken() {
	return localStorage.getItem(KEY_TOKEN) || '';
}

export function setToken(t) {
	if (t)
		localStorage.setItem(KEY_TOKEN, t);
	else
		localStorage.removeItem(KEY_TOKEN);
}

export function getProject() {
	return localStorage.getItem(KEY_PROJECT) || 'default';
}

export function setProject(p) {
	if (p && p !== 'default')
		localStorage.setItem(KEY_PROJECT, p);
	else
		localStorage.removeItem(KEY_PROJECT);
}

// An API answer that was not 2xx: status, the API's error code and
// message, and its details (the field a 400 names) or null.
export class ApiError extends Error {
	constructor(status, code, message, details = null) {
		super(message);
		this.status = status;
		this.code = code;
		this.details = details;
	}
}

// fetchOk(url, init): the Response of a 2xx answer; any other answer,
// or none, throws ApiError with the API's error when it sent one.  The
// one place every request of the frontend goes through.
async function fetchOk(url, init) {
	let r;
	try {
		r = await fetch(url, init);
	} catch (e) {
		throw new ApiError(0, 'network', 'The API could not be reached (' +
		    e.message + ').');
	}
	noteServerTime(r);
	if (r.ok)
		return r;
	let err = null;
	try {
		err = (await r.json()).error;
	} catch (e) {
		err = null;
	}
	throw new ApiError(r.status, err ? err.code : 'http_' + r.status,
	    err && err.message ? err.message :
	    'The API answered ' + r.status + ' ' + r.statusText + '.',
	    err && err.details ? err.details : null);
}

// authHeaders(extra): the request headers with the saved token.
function authHeaders(extra = {}) {
	const headers = { ...extra };
	const tok = getToken();
	if (tok)
		headers.Authorization = 'Bearer ' + tok;
	return headers;
}

// apiUrl(path, params, withProject): the absolute URL of api/PATH.
export function apiUrl(path, params = {}, withProject = true) {
	const u = new URL('api/' + path, document.baseURI);
	const q = new URLSearchParams();
	if (withProject && getProject() !== 'default')
		q.set('project', getProject());
	for (const [k, v] of Object.entries(params)) {
		if (v !== null && v !== undefined && v !== '')
			q.set(k, String(v));
	}
	u.search = q.toString();
	return u.href;
}

// api(path, params, opts): the decoded JSON ({} for a 204), or throws
// ApiError.  opts.project = false for the endpoints that take no
// project; opts.method and opts.body (an object, sent as JSON) for the
// admin actions (POST, PUT, DELETE); opts.headers more headers (If-Match);
// opts.etag: answer {json, etag} with the answer's ETag.
export async function api(path, params = {}, opts = {}) {
	const headers = authHeaders({ Accept: 'application/json', ...opts.headers });
	const init = { headers, cache: 'no-cache', credentials: 'omit' };
	if (opts.method) {
		init.method = opts.method;
		init.cache = 'no-store';
	}
	if (opts.body !== undefined) {
		headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(opts.body);
	}
	const r = await fetchOk(apiUrl(path, params, opts.project !== false), init);
	let body = null;
	try {
		body = r.status === 204 ? {} : await r.json();
	} catch (e) {
		body = null;
	}
	if (body === null)
		throw new ApiError(r.status, 'bad_json', 'The API answered something that is not JSON.');
	return opts.etag ? { json: body, etag: r.headers.get('ETag') } : body;
}

// download(path, params, filename): fetches a file the API streams (with
// the token, which a plain link cannot send) and hands it to the browser
// as a download named filename; throws ApiError on a failure.
export async function download(path, params, filename) {
	const r = await fetchOk(apiUrl(path, params), { headers: authHeaders(),
	    cache: 'no-store', credentials: 'omit' });
	const url = URL.createObjectURL(await r.blob());
	const a = document.createElement('a');
	a.href = url;
	a.download = filename;
	document.body.appendChild(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// text(path, params): the text of an answer that is not JSON (the run
// summary's Markdown), or throws ApiError.
export async function text(path, params = {}) {
	const r = await fetchOk(apiUrl(path, params), { headers: authHeaders(),
	    cache: 'no-store', credentials: 'omit' });
	return r.text();
}

// send(method, path, body): an admin action (POST/PUT with a JSON body);
// the decoded answer, or throws ApiError.
export function send(method, path, body) {
	return api(path, {}, { method, body });
}

// The server's clock as seen through the Date header of the API's answers
// (whole seconds): offset = server time - local time, null until an answer
// had one.  live.js compares event times ("at") with the time a page read
// its data, which needs the server's clock, not the browser's.
let offset = null;

function noteServerTime(r) {
	const d = Date.parse(r.headers.get('Date') || '');
	// the header truncates to the second: the middle of that second
	if (!Number.isNaN(d))
		offset = d + 500 - Date.now();
}

// serverNow(): the server's time in epoch ms, or null when no answer has
// told it yet.
export function serverNow() {
	return offset === null ? null : Date.now() + offset;
}

// encodeURIComponent for path segments: run ids may contain "/".
export const seg = encodeURIComponent;
