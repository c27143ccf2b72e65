// Dispatch's own outcomes as the official openai package sees them through the gateway: a full queue (429 with
// Retry-After, code queue_full) and an open circuit (503, code circuit_open), with the SDK's own retries off.
// Prints one JSON line of what it saw; Dispatch.Cli.Tests (GatewaySdkTests) asserts on it.
// Usage: GATEWAY_URL=http://127.0.0.1:8780/v1 GATEWAY_TOKEN=... node errors.mjs
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.GATEWAY_URL, apiKey: process.env.GATEWAY_TOKEN, maxRetries: 0 });
const ask = (content, model) => client.chat.completions.create({ model, messages: [{ role: 'user', content }], max_tokens: 5 });
const outcome = async (request) => {
  try {
    await request;
    return { status: 200 };
  } catch (e) {
    return { status: e.status, type: e.type, code: e.code, retryAfter: e.headers?.['retry-after'] ?? null };
  }
};
const inFlight = async (endpoint) => {
  const status = await fetch(new URL('status', process.env.GATEWAY_URL + '/'), { headers: { authorization: `Bearer ${process.env.GATEWAY_TOKEN}` } });
  const body = await status.json();
  return body.endpoints.find((e) => e.endpoint === endpoint)?.inFlight ?? 0;
};

const out = {};

// The tiny endpoint's one executor holds a call the provider never answers (the test told the provider so);
// of the next two calls one waits in the one queue place, the other is refused.
const held = outcome(ask('held', 'tiny-model'));
for (let i = 0; i < 200 && (await inFlight('tiny')) < 1; i++) await new Promise((r) => setTimeout(r, 50));
out.queueFull = (await Promise.all([outcome(ask('a', 'tiny-model')), outcome(ask('b', 'tiny-model'))])).filter((o) => o.status !== 200);

// The down endpoint's provider refuses connections; one failure opens its circuit, so the next call is refused at once.
out.firstFailure = await outcome(ask('first', 'down-model'));
out.circuitOpen = await outcome(ask('second', 'down-model'));

out.held = await held;
console.log(JSON.stringify(out));
