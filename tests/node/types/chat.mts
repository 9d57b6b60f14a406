// Type test (tsc --noEmit): chat, chatStream, models and the sampling options.
// Each @ts-expect-error line is a mistake that must fail to compile.
import {
  RealmWebSocketClient,
  TokenStream,
  type ChatMessage,
  type ChatOptions,
  type ChatResult,
  type GenerateResult,
  type ModelList,
  type Usage,
} from '@realm-ai/ws-client';

export async function chatUsage(): Promise<void> {
  const client = new RealmWebSocketClient({ url: 'http://127.0.0.1:8080/v1', model: 'm' });
  await client.connect();
  const messages: ChatMessage[] = [
    { role: 'user', content: 'What is the capital of France?' },
    { role: 'assistant', content: 'Paris.' },
    { role: 'user', content: 'And of Italy?' },
  ];
  const options: ChatOptions = {
    systemPrompt: 'Be brief.',
    maxTokens: 50,
    temperature: 0.7,
    topP: 0.9,
    topK: 40,
    repetitionPenalty: 1.1,
    stop: ['\n\n'],
    presencePenalty: 0.5,
    frequencyPenalty: -0.5,
    seed: 42,
    model: 'other',
    timeout: 1000,
    idleTimeout: 100,
    signal: AbortSignal.timeout(5000),
  };
  const r: ChatResult = await client.chat(messages, options);
  const text: string = r.text;
  const reason: string | null = r.finishReason;
  const usage: Usage = r.usage;
  const prompt: number | null = usage.promptTokens;
  const completion: number | null = r.usage.completionTokens;
  const total: number | null = r.usage.totalTokens;
  const model: string | null = r.model;
  const ttft: number | null = r.timeToFirstTokenMs;
  const tps: number | null = r.tokensPerSecond;
  const ms: number | null = r.totalTimeMs;
  await client.chat([{ role: 'user', content: 'hi' }]);
  await client.chat([{ role: 'user', content: 'hi' }], { stop: 'x', max_tokens: 5, top_p: 1 });

  const stream: TokenStream = client.chatStream(messages, { maxTokens: 100, systemPrompt: 'Be brief.' });
  for await (const token of stream) {
    const s: string = token;
    void s;
  }
  const final: GenerateResult | undefined = stream.result;
  if (final) void [final.text, final.finishReason, final.usage.totalTokens, final.timeToFirstTokenMs, final.tokensPerSecond, final.totalTimeMs];

  const g: GenerateResult = await client.generate({ prompt: 'p', maxTokens: 5, stop: ['a', 'b'], seed: 1, presencePenalty: 0 });
  void [g.finishReason, g.usage.completionTokens, g.tokens_generated];
  const list: ModelList = await client.models();
  const ids: string[] = list.data.map((m) => m.id);
  void [text, reason, prompt, completion, total, model, ttft, tps, ms, ids];
}

export async function chatMistakes(client: RealmWebSocketClient): Promise<void> {
  // @ts-expect-error unknown option
  await client.chat([{ role: 'user', content: 'hi' }], { maxToken: 5 });
  // @ts-expect-error prompt belongs to generate, not chat
  await client.chat([{ role: 'user', content: 'hi' }], { prompt: 'x' });
  // @ts-expect-error a message needs content, not text
  await client.chat([{ role: 'user', text: 'hi' }]);
  // @ts-expect-error a message needs a role
  await client.chat([{ content: 'hi' }]);
  // @ts-expect-error messages is an array, not a string
  await client.chat('hi');
  // @ts-expect-error content is a string
  client.chatStream([{ role: 'user', content: 42 }]);
  // @ts-expect-error stop is a string or strings
  await client.chat([{ role: 'user', content: 'hi' }], { stop: 5 });
  // @ts-expect-error seed is a number
  await client.generate({ prompt: 'p', seed: '42' });
  // @ts-expect-error presencePenalty is a number
  await client.generate({ prompt: 'p', presencePenalty: 'high' });
  // The client options of issue 14: several URLs, the dialect, retries.
  void new RealmWebSocketClient({ urls: ['ws://a:1', 'ws://b:1'], dialect: 'openai-ws', maxRetries: 0, retryBase: 500, model: 'm' });
  // @ts-expect-error urls is an array of strings
  void new RealmWebSocketClient({ urls: 'ws://a:1 ws://b:1', model: 'm' });
  // @ts-expect-error not a dialect
  void new RealmWebSocketClient({ dialect: 'openai', model: 'm' });
  // @ts-expect-error maxRetries is a number
  void new RealmWebSocketClient({ maxRetries: 'two', model: 'm' });
  const r = await client.chat([{ role: 'user', content: 'hi' }]);
  // @ts-expect-error usage counts may be null
  const n: number = r.usage.totalTokens;
  // @ts-expect-error finishReason may be null
  const f: string = r.finishReason;
  void [n, f];
}
