// Calls the Responses API through Dispatch's gateway with the official openai package, as any Node program would:
// client.responses.create plain, then with stream: true (the SDK parses the provider's named events).
// Prints one JSON line of what it saw; Dispatch.Cli.Tests (GatewaySdkTests) asserts on it.
// Usage: GATEWAY_URL=http://127.0.0.1:8780/v1 GATEWAY_TOKEN=... node responses.mjs
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.GATEWAY_URL, apiKey: process.env.GATEWAY_TOKEN, maxRetries: 0 });
const request = { model: 'responses-model', instructions: 'Answer in a few words.', max_output_tokens: 200 };

const { data: plain, response } = await client.responses
  .create({ ...request, input: [{ role: 'user', content: [{ type: 'input_text', text: 'Say hello to the gateway, please.' }] }] })
  .withResponse();
const out = {
  plain: {
    object: plain.object,
    status: plain.status,
    text: plain.output_text,
    usage: plain.usage,
    callId: response.headers.get('x-dispatch-call-id'),
    attempts: response.headers.get('x-dispatch-attempts'),
  },
};

const stream = await client.responses.create({ ...request, input: 'Stream a hello to the gateway, please.', stream: true });
const events = [];
let deltas = '';
let completed = null;
for await (const event of stream) {
  events.push(event.type);
  if (event.type === 'response.output_text.delta') deltas += event.delta;
  if (event.type === 'response.completed') completed = event.response;
}
out.streamed = {
  events,
  deltas,
  status: completed?.status ?? null,
  text: completed?.output?.[0]?.content?.[0]?.text ?? null,
  usage: completed?.usage ?? null,
};

console.log(JSON.stringify(out));
