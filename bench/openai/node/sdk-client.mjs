// The official `openai` npm package as a benchmark peer (openai-http): one
// client reused for every request (the warm client),
// chat.completions.create({stream: true}), tokens = chunks with delta.content.
//   node sdk-client.mjs --url http://127.0.0.1:PORT/v1 --workload 1|2|3|5
import OpenAI from 'openai';
import { MESSAGES, MODEL, checkStream, parseArgs, run } from './workloads.mjs';

const { url, workload } = parseArgs();
const client = new OpenAI({ baseURL: url, apiKey: 'x', maxRetries: 0 });

async function stream(n) {
  const s = await client.chat.completions.create({
    model: MODEL, messages: MESSAGES, max_tokens: n, stream: true, stream_options: { include_usage: true },
  });
  let tokens = 0, first = 0n, completion, finish;
  for await (const chunk of s) {
    const choice = chunk.choices[0];
    if (choice) {
      if (choice.delta.content) {
        if (!tokens) first = process.hrtime.bigint();
        tokens++;
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    if (chunk.usage) completion = chunk.usage.completion_tokens;
  }
  checkStream(tokens, n, completion, finish);
  return first;
}

run({ stream }, 'openai-node', workload).catch((e) => {
  console.error(e);
  process.exit(1);
});
