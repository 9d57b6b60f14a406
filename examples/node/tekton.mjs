// The Node TektonLLMClient against the Rhetor-compatible server named by
// $RHETOR_URL (default http://localhost:8003): a completion, a stream read
// with for await, and a chat streamed through callbacks. realm-server serves
// the Tekton routes on its usual port; the main job points this at the
// gateway in front of SmolLM2:
//   RHETOR_URL=http://127.0.0.1:8080 node examples/node/tekton.mjs
import { TektonLLMClient } from '@realm-ai/ws-client';

const client = new TektonLLMClient({ componentId: 'my-component' });
if (!(await client.initialize())) {
  console.error('the Tekton server is not available (set RHETOR_URL)');
  process.exit(1);
}

const response = await client.generateText('What is the capital of France?', {
  systemPrompt: 'You are a helpful assistant that provides accurate information.',
  maxTokens: 60,
});
console.log(`Response: ${response.content} (${response.finishReason}, ${JSON.stringify(response.usage)})`);

process.stdout.write('Streaming response: ');
for await (const chunk of client.textStream('Write a short poem about artificial intelligence.', { maxTokens: 60 })) {
  process.stdout.write(chunk.chunk); // the last chunk has done: true
}
console.log('\n--- Streaming complete ---');

await new Promise((resolve, reject) => {
  client.streamChatResponse([{ role: 'user', content: 'Name three colours.' }], {
    maxTokens: 40,
    onChunk: (chunk) => process.stdout.write(chunk.chunk),
    onComplete: (answer) => {
      console.log(`\n(${answer.content.length} characters)`);
      resolve();
    },
    onError: reject,
  });
});
await client.shutdown();
