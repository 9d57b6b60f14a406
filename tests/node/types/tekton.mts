// Type test (tsc --strict --noEmit): TektonLLMClient as docs/node.md shows it, and every API.
import {
  TektonLLMClient,
  TektonChunkStream,
  TektonLLMError,
  ConnectionError,
  TimeoutError,
  AuthenticationError,
  ServiceUnavailableError,
  RateLimitError,
  InvalidRequestError,
  AdapterError,
  FallbackError,
  CancelledError,
  countTokens,
  countMessageTokens,
  truncateTextToTokenLimit,
  optimizeMessagesForTokenLimit,
  setTokenizer,
  type TektonLLMClientOptions,
  type TektonMessage,
  type TektonCompletionResponse,
  type TektonStreamingChunk,
  type TektonFallbackRequest,
  type TektonProviders,
  type TektonUsage,
} from '@realm-ai/ws-client';

export async function documented(): Promise<void> {
  const options: TektonLLMClientOptions = { componentId: 'my-component', rhetorUrl: 'http://localhost:8003', timeout: 10 };
  const client = new TektonLLMClient(options);
  const healthy: boolean = await client.initialize();
  const response: TektonCompletionResponse = await client.generateText('What is the capital of France?', {
    systemPrompt: 'You are a helpful assistant.',
    maxTokens: 100,
    stopSequences: ['\n\n'],
    signal: AbortSignal.timeout(5000),
  });
  const usage: TektonUsage | null = response.usage;
  console.log(healthy, response.content, response.finishReason, usage?.totalTokens, response.success, response.latency);

  for await (const chunk of client.textStream('Write a short poem.')) {
    const text: string = chunk.chunk;
    process.stdout.write(text);
  }
  const stream: TektonChunkStream = client.chatStream([{ role: 'user', content: 'Hi' }], { extraBody: { fault: { type: 'sse_vector' } } });
  const first: IteratorResult<TektonStreamingChunk, undefined> = await stream.next();
  if (!first.done) console.log(first.value.done, first.value.fallback);
  await stream.cancel();
  console.log(stream.requestId, stream.text, stream.result?.content, stream.error?.code);

  const messages: TektonMessage[] = [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Hello', name: 'me' },
  ];
  const requestId: string = client.streamChatResponse(messages, {
    contextId: 'ctx',
    onChunk: (chunk) => process.stdout.write(chunk.chunk),
    onComplete: (answer) => console.log(answer.content.length),
    onError: (error) => console.error(error.code, error.httpStatus, error.retryAfter),
  });
  const cancelled: boolean = client.cancelRequest(requestId);
  const id2: string = client.streamText('Hi', { onChunk: () => {} });
  console.log(cancelled, id2, client.available, client.modelId, client.rhetorWsUrl);

  const providers: TektonProviders = await client.getProviders();
  for (const [id, p] of Object.entries(providers.providers)) {
    console.log(id, p.name, p.available, p.defaultModel, p.models.map((m) => [m.id, m.contextLength, m.capabilities]));
  }
  await client.shutdown();
}

export async function errors(client: TektonLLMClient): Promise<void> {
  try {
    await client.generateChatResponse([{ role: 'user', content: 'Hi' }]);
  } catch (e) {
    if (e instanceof RateLimitError) console.log(e.retryAfter);
    else if (e instanceof AdapterError) console.log(e.adapterId, e.httpStatus);
    else if (e instanceof TektonLLMError) console.log(e.code, e.coreCode, e.message);
  }
  const all: TektonLLMError[] = [
    new ConnectionError('x'), new TimeoutError('x'), new AuthenticationError('x', { httpStatus: 401 }),
    new ServiceUnavailableError('x'), new InvalidRequestError('x'), new FallbackError('x'), new CancelledError('x'),
    new AdapterError('rhetor', 'HTTP error 500: boom', { httpStatus: 500, coreCode: 'SERVER' }),
  ];
  const code: string = RateLimitError.code;
  console.log(all.length, code);
}

export function fallbackAndTokens(): void {
  const client = new TektonLLMClient({
    useFallback: true,
    fallback: async (request: TektonFallbackRequest) => `offline: ${request.error.message} ${request.partial}`,
  });
  const n: number = countTokens('hello world', 'gpt-4');
  const counted: { promptTokens: number; totalTokens: number } = countMessageTokens([{ role: 'user', content: 'Hi' }]);
  const cut: string = truncateTextToTokenLimit('abcdefgh', 1);
  type Mine = { role: string; content: string; id: number };
  const kept: Mine[] = optimizeMessagesForTokenLimit<Mine>([{ role: 'user', content: 'Hi', id: 1 }], 10, 'gpt-4', true);
  setTokenizer((text, model) => text.length + model.length);
  setTokenizer(null);
  console.log(client.fallback !== null, n, counted.totalTokens, cut, kept[0].id);
}
