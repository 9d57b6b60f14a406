// Type test that tsc --strict must REJECT, one error per marked line
// (types.test.mjs checks the lines): TektonLLMClient's documented mistakes.
import { TektonLLMClient, countTokens } from '@realm-ai/ws-client';

export async function mistakes(): Promise<void> {
  const client = new TektonLLMClient({ rhetorURL: 'http://localhost:8003' }); // error: rhetorURL
  await client.generateText('Hi', { temprature: 0.5 }); // error: temprature
  await client.generateText('Hi', { maxTokens: 'ten' }); // error: maxTokens is a number
  const response = await client.generateText('Hi');
  console.log(response.text); // error: the response has content, not text
  await client.generateChatResponse([{ role: 'robot', content: 'x' }]); // error: role
  const id: number = client.streamText('Hi'); // error: the request id is a string
  for await (const c of client.generateText('Hi')) console.log(c); // error: not a stream
  client.textStream('Hi', { onChunk: () => {} }); // error: callbacks are streamText's
  countTokens(['Hi']); // error: a string
  console.log(id);
}
