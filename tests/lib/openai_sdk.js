// openai_sdk.js — the official `openai` Node client through tokentop's proxy
// (tests/proxy_openai_sdk.sh). OPENAI_BASE_URL and OPENAI_API_KEY come from
// the environment, as an application would have them. Prints one JSON line
// per step: what the client saw.
'use strict';
const OpenAI = require('openai');

const client = new OpenAI({ maxRetries: 0 });
const say = (o) => console.log(JSON.stringify(o));
const msgs = (t) => [{ role: 'user', content: t }];

async function main() {
	const step = process.argv[2];

	if (step === 'plain') {
		const r = await client.chat.completions.create({ model: 'gpt-4.1-mini', messages: msgs('sdk plain') });
		say({ id: r.id, model: r.model, usage: r.usage });
	} else if (step === 'stream') {
		// no stream_options: the client must see no usage at all
		const s = await client.chat.completions.create({ model: 'gpt-4.1-mini', messages: msgs('sdk stream'), stream: true });
		let text = '', chunks = 0, usage = 0, usageKey = 0, id = '';
		for await (const c of s) {
			chunks++;
			id = c.id;
			if (c.usage) usage++;
			if ('usage' in c) usageKey++;
			if (c.choices.length > 0 && c.choices[0].delta.content) text += c.choices[0].delta.content;
		}
		say({ id, text, chunks, usage, usageKey });
	} else if (step === 'stream-usage') {
		const s = await client.chat.completions.create({ model: 'gpt-4.1-mini', messages: msgs('sdk stream usage'),
			stream: true, stream_options: { include_usage: true } });
		let usage = null, id = '';
		for await (const c of s) {
			id = c.id;
			if (c.usage) usage = c.usage;
		}
		say({ id, usage });
	} else if (step === 'responses') {
		const s = await client.responses.create({ model: 'o4-mini', input: 'sdk responses', stream: true });
		let usage = null, id = '', types = 0;
		for await (const e of s) {
			types++;
			if (e.type === 'response.completed') {
				usage = e.response.usage;
				id = e.response.id;
			}
		}
		say({ id, usage, types });
	} else if (step === 'error') {
		try {
			await client.chat.completions.create({ model: 'gpt-nonexistent', messages: msgs('x') });
			say({ error: null });
		} catch (e) {
			say({ status: e.status, type: e.type, code: e.code, request_id: e.request_id || null });
		}
	} else if (step === 'abort') {
		// the client leaves after its first text: the proxy still records the call
		const ac = new AbortController();
		const s = await client.chat.completions.create({ model: 'gpt-4.1-mini',
			messages: msgs('z'.repeat(40)), stream: true }, { signal: ac.signal });
		let seen = 0;
		try {
			for await (const c of s) {
				if (c.choices.length > 0 && c.choices[0].delta.content) {
					seen++;
					ac.abort();
					break;     /* chunks read with it may still be queued */
				}
			}
		} catch (e) {
			/* some versions throw on abort, others end the iteration */
		}
		say({ aborted: ac.signal.aborted, seen });
	}
}

main().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
