// Type test (tsc --noEmit): the CommonJS entry.
import realm = require('@realm-ai/ws-client');

export async function quickStart(): Promise<void> {
  const { RealmWebSocketClient, RealmError } = realm;
  const client = new RealmWebSocketClient({ url: 'ws://localhost:8080', model: 'llama-2-7b', apiKey: 'your-api-key' });
  await client.connect();
  console.log('Tenant ID:', client.getTenantId());
  const result: realm.GenerateResult = await client.generate({ prompt: 'What is the capital of France?', max_tokens: 50 });
  console.log(result.text);
  for await (const token of client.generateStream({ prompt: 'Tell me a story', max_tokens: 100 })) {
    process.stdout.write(token);
  }
  client.disconnect();
  const e = new RealmError('TIMEOUT', 'x');
  const code: string = e.code;
  void code;
}

export async function wsClient(): Promise<void> {
  const { WSClient } = realm;
  const client = new WSClient({ serverUrl: 'ws://localhost:3000', clientId: 'id', privateKeyPath: './key.pem' });
  const id: string = await client.generate('Hello world', 'llama2');
  const stream: realm.GenerationStream = client.generateStream('Hello');
  for await (const token of stream) process.stdout.write(token);
  const result: realm.GenerationResult | undefined = stream.result;
  void [id, result];
  client.disconnect();
}

export async function chat(): Promise<void> {
  const { RealmWebSocketClient } = realm;
  const client = new RealmWebSocketClient({ url: 'http://127.0.0.1:8080/v1', model: 'm' });
  const messages: realm.ChatMessage[] = [{ role: 'user', content: 'hi' }];
  const r: realm.ChatResult = await client.chat(messages, { systemPrompt: 's', stop: ['x'], seed: 1 });
  const stream: realm.TokenStream = client.chatStream(messages, { maxTokens: 10 });
  for await (const token of stream) process.stdout.write(token);
  const usage: realm.Usage | undefined = stream.result?.usage;
  const list: realm.ModelList = await client.models();
  void [r.finishReason, usage, list.data];
  // @ts-expect-error unknown option
  await client.chat(messages, { maxToken: 1 });
}
