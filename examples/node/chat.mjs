// Chat with @realm-ai/ws-client: one chat() and one chatStream(), printing
// the answer, why generation stopped, the token usage and the client-measured
// times. The URL picks the protocol:
//   node examples/node/chat.mjs                                     Realm, ws://127.0.0.1:8080/
//   node examples/node/chat.mjs ws://127.0.0.1:8080/v1/chat/completions   openai-ws
//   node examples/node/chat.mjs http://127.0.0.1:8080/v1                   OpenAI HTTP/SSE
// (or REALM_URL=...; REALM_MODEL and REALM_API_KEY are read too).
import { RealmWebSocketClient, RealmError } from "@realm-ai/ws-client";

const url = process.argv[2] ?? process.env.REALM_URL ?? "ws://127.0.0.1:8080/";
const client = new RealmWebSocketClient({
  url,
  model: process.env.REALM_MODEL ?? "llama-2-7b",
  apiKey: process.env.REALM_API_KEY,
});

const usage = ({ promptTokens, completionTokens, totalTokens }) =>
  `prompt ${promptTokens ?? "-"}, completion ${completionTokens ?? "-"}, total ${totalTokens ?? "-"}`;
const ms = (v) => (v === null ? "-" : `${v.toFixed(1)} ms`);

try {
  await client.connect();

  const messages = [{ role: "user", content: "What is the capital of France?" }];
  const answer = await client.chat(messages, { systemPrompt: "You answer in one sentence.", maxTokens: 64 });
  console.log(`chat: ${answer.text.trim()}`);
  console.log(`  finishReason: ${answer.finishReason}`);
  console.log(`  usage: ${usage(answer.usage)}`);

  process.stdout.write("chatStream: ");
  const stream = client.chatStream(
    [...messages, { role: "assistant", content: answer.text }, { role: "user", content: "Tell me a story about it." }],
    { maxTokens: 40, temperature: 0.7, stop: ["\n\n"] },
  );
  for await (const token of stream) process.stdout.write(token);
  const r = stream.result;
  console.log();
  console.log(`  finishReason: ${r.finishReason}`);
  console.log(`  usage: ${usage(r.usage)}`);
  console.log(
    `  time to first token ${ms(r.timeToFirstTokenMs)}, total ${ms(r.totalTimeMs)}, ` +
      `${r.tokensPerSecond === null ? "-" : r.tokensPerSecond.toFixed(0)} tokens/s`,
  );
} catch (error) {
  if (!(error instanceof RealmError)) throw error;
  console.error(`error: ${error.code}: ${error.message}`);
  process.exitCode = 1;
} finally {
  await client.disconnect();
}
