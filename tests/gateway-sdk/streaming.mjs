// Streams chat completions through Dispatch's gateway with the official openai package, as any Node program would,
// and notes when each chunk arrived. Prints one JSON line; Dispatch.Cli.Tests (GatewaySdkTests) asserts on it.
// Usage: GATEWAY_URL=http://127.0.0.1:8780/v1 GATEWAY_TOKEN=... node streaming.mjs
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.GATEWAY_URL, apiKey: process.env.GATEWAY_TOKEN, maxRetries: 0 });

const stream = async (extra) => {
  const started = performance.now();
  const { data, response } = await client.chat.completions
    .create({ model: 'chat-model', messages: [{ role: 'user', content: 'stream this answer please' }], max_tokens: 50, stream: true, ...extra })
    .withResponse();
  const chunks = [];
  for await (const chunk of data) {
    chunks.push({
      at: performance.now() - started,
      choices: chunk.choices.length,
      content: chunk.choices[0]?.delta?.content ?? null,
      finishReason: chunk.choices[0]?.finish_reason ?? null,
      usage: chunk.usage ?? null,
    });
  }
  return {
    contentType: response.headers.get('content-type'),
    callId: response.headers.get('x-dispatch-call-id'),
    attempts: response.headers.get('x-dispatch-attempts'),
    requestId: response.headers.get('x-request-id'),
    endedAt: performance.now() - started,
    chunks,
  };
};

const out = {
  withUsage: await stream({ stream_options: { include_usage: true } }),
  withoutUsage: await stream({}),
};
console.log(JSON.stringify(out));
