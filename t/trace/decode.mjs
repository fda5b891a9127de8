// decode.mjs FILE...: checks that every line of the trace files is an
// OTLP/JSON ExportTraceServiceRequest, using the protobuf schema that
// @opentelemetry/otlp-transformer ships compiled for protobufjs
// (build/npm, installed by make; TV_NPM names that directory).
//
// Per line: the ids are hex of the right length (OTLP/JSON, not base64),
// the message converts with ExportTraceServiceRequest.fromObject, passes
// verify(), survives encode/decode, and the decoded message holds every
// field of the line with the same value (a misspelt or mistyped field
// would be dropped by fromObject and show up here).  Prints one JSON
// document: {"lines": [{file, line, ok, errors, resource, spans}]}, each
// span flattened to {traceId, spanId, parentSpanId, name, kind, start,
// end, attrs: {key: value}, status}.  Exits 0 even when lines fail: the
// caller checks "ok".
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const npm = process.env.TV_NPM;
const require = createRequire(join(npm, 'package.json'));
const root = require(join(npm, 'node_modules/@opentelemetry/otlp-transformer/' +
    'build/src/generated/root.js'));
const Req = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const IDS = { traceId: 32, spanId: 16, parentSpanId: 16 };

// Hex ids of every span to bytes (in place); errors name the bad ones.
function idsToBytes(doc, errors) {
	for (const rs of doc.resourceSpans ?? [])
		for (const ss of rs.scopeSpans ?? [])
			for (const sp of ss.spans ?? [])
				for (const [k, len] of Object.entries(IDS)) {
					if (sp[k] === undefined)
						continue;
					if (typeof sp[k] !== 'string' ||
					    !/^[0-9a-f]*$/.test(sp[k]) ||
					    sp[k].length !== len)
						errors.push(`${k} "${sp[k]}" is not ${len} hex digits`);
					sp[k] = Buffer.from(sp[k], 'hex');
				}
}

// Decoded bytes back to hex, so that the round trip compares with the line.
function bytesToHex(v) {
	if (v instanceof Uint8Array)
		return Buffer.from(v).toString('hex');
	if (Array.isArray(v))
		return v.map(bytesToHex);
	if (v !== null && typeof v === 'object') {
		const o = {};
		for (const [k, x] of Object.entries(v))
			o[k] = bytesToHex(x);
		return o;
	}
	return v;
}

// Every field of want is in got with the same value (got may hold more).
function contains(want, got, path, errors) {
	if (want !== null && typeof want === 'object') {
		if (got === null || typeof got !== 'object') {
			errors.push(`${path}: missing after decoding`);
			return;
		}
		if (Array.isArray(want) && want.length !== got.length)
			errors.push(`${path}: ${want.length} elements, ` +
			    `${got.length} after decoding`);
		for (const k of Object.keys(want))
			contains(want[k], got[k], `${path}.${k}`, errors);
		return;
	}
	if (String(want) !== String(got))
		errors.push(`${path}: ${JSON.stringify(want)} decodes as ` +
		    `${JSON.stringify(got)}`);
}

function attrs(list) {
	const o = {};
	for (const a of list ?? []) {
		const v = a.value ?? {};
		o[a.key] = v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
	}
	return o;
}

function check(text, file, n) {
	const out = { file, line: n, ok: false, errors: [], resource: {}, spans: [] };
	let doc;
	try {
		doc = JSON.parse(text);
	} catch (e) {
		out.errors.push(`not JSON: ${e.message}`);
		return out;
	}
	const want = JSON.parse(text);
	idsToBytes(doc, out.errors);
	try {
		const msg = Req.fromObject(doc);
		const err = Req.verify(msg);
		if (err)
			out.errors.push(`verify: ${err}`);
		const back = Req.toObject(Req.decode(Req.encode(msg).finish()),
		    { longs: String, enums: Number, defaults: true });
		const got = bytesToHex(back);
		contains(want, got, '$', out.errors);
		for (const rs of got.resourceSpans) {
			Object.assign(out.resource, attrs(rs.resource?.attributes));
			for (const ss of rs.scopeSpans)
				for (const sp of ss.spans)
					out.spans.push({ traceId: sp.traceId,
					    spanId: sp.spanId,
					    parentSpanId: sp.parentSpanId,
					    name: sp.name, kind: sp.kind,
					    start: sp.startTimeUnixNano,
					    end: sp.endTimeUnixNano,
					    attrs: attrs(sp.attributes),
					    status: sp.status, scope: ss.scope.name });
		}
	} catch (e) {
		out.errors.push(`protobuf: ${e.message}`);
	}
	out.ok = out.errors.length === 0;
	return out;
}

const lines = [];
for (const file of process.argv.slice(2)) {
	const text = readFileSync(file, 'utf8');
	if (text.length > 0 && !text.endsWith('\n'))
		lines.push({ file, line: 0, ok: false, errors: ['last line not ended'] });
	text.split('\n').forEach((l, i) => {
		if (l !== '')
			lines.push(check(l, file, i + 1));
	});
}
process.stdout.write(JSON.stringify({ lines }) + '\n');
