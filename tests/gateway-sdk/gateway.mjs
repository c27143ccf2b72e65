// Drives Dispatch's OpenAI-compatible gateway with the official openai package, as any Node program would:
// the base URL is the node's, the API key is the node's ingress token, the SDK's own retries are off.
// Prints one JSON line of what it saw; Dispatch.Cli.Tests (GatewaySdkTests) asserts on it.
// Usage: GATEWAY_URL=http://127.0.0.1:8780/v1 GATEWAY_TOKEN=... node gateway.mjs
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.GATEWAY_URL, apiKey: process.env.GATEWAY_TOKEN, maxRetries: 0 });
const ask = (content, model = 'chat-model') =>
  client.chat.completions.create({ model, messages: [{ role: 'user', content }], max_tokens: 5 });
const failure = async (request) => {
  try {
    await request;
    return { status: 'none' };
  } catch (e) {
    return { status: e.status, type: e.type, code: e.code, message: e.message };
  }
};

const out = {};

const { data: chat, response } = await ask('hello').withResponse();
out.chat = {
  object: chat.object,
  totalTokens: chat.usage.total_tokens,
  requestId: response.headers.get('x-request-id'),
  callId: response.headers.get('x-dispatch-call-id'),
  attempts: response.headers.get('x-dispatch-attempts'),
};

const embeddings = await client.embeddings.create({ model: 'embed-model', input: ['hello', 'world'] });
out.embeddings = { count: embeddings.data.length, dimensions: embeddings.data[0].embedding.length, promptTokens: embeddings.usage.prompt_tokens };

// /v1/completions has no route, and the model maps to nothing: 404 naming both.
out.unknownModel = await failure(client.completions.create({ model: 'no-such-model', prompt: 'hi', max_tokens: 5 }));

// The same Idempotency-Key twice, one after the other: both answered under that call id.
const keyed = [];
for (let i = 0; i < 2; i++) {
  const { response: r } = await client.chat.completions
    .create({ model: 'chat-model', messages: [{ role: 'user', content: 'keyed' }], max_tokens: 5 }, { headers: { 'Idempotency-Key': 'sdk-key-1' } })
    .withResponse();
  keyed.push(r.headers.get('x-dispatch-call-id'));
}
out.idempotency = { callIds: keyed };

const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => ask(`call ${i}`)));
out.concurrent = {
  succeeded: results.filter((r) => r.status === 'fulfilled').length,
  failures: results.filter((r) => r.status === 'rejected').slice(0, 3).map((r) => String(r.reason)),
};

console.log(JSON.stringify(out));
