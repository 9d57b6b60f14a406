// chat, chatStream, models, the OpenAI sampling options and the results'
// finishReason / usage / client-measured times, against a real realm-server
// on each dialect a client URL selects: Realm (ws://host:port/), openai-ws
// (ws://host:port/v1/chat/completions) and OpenAI HTTP/SSE (http://host:port/v1).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { RealmWebSocketClient, RealmError } from '@realm-ai/ws-client';
import { startServer, expectedToken } from './helpers.mjs';

let server;
before(async () => {
  server = await startServer(['--token-delay-ms', '1']);
});
after(async () => {
  const { code } = await server.stop();
  assert.equal(code, 0);
});

const DIALECTS = [
  { name: 'realm', url: (port) => `ws://127.0.0.1:${port}/`, openai: false },
  { name: 'openai-ws', url: (port) => `ws://127.0.0.1:${port}/v1/chat/completions`, openai: true },
  { name: 'openai-http', url: (port) => `http://127.0.0.1:${port}/v1`, openai: true },
];

const STORY = [{ role: 'user', content: 'Tell me a story' }];

// The n first words of realm-server's stream answer to "Tell me a story".
const story = (n) => Array.from({ length: n }, (_, i) => expectedToken(i, 'Tell me a story')).join('');

function checkTimes(r, { streamed }) {
  assert.equal(typeof r.totalTimeMs, 'number');
  assert.ok(r.totalTimeMs > 0, `totalTimeMs ${r.totalTimeMs}`);
  assert.ok(r.totalTimeMs < 30000, `totalTimeMs ${r.totalTimeMs}`);
  assert.equal(typeof r.tokensPerSecond, 'number');
  assert.ok(r.tokensPerSecond > 0 && Number.isFinite(r.tokensPerSecond), `tokensPerSecond ${r.tokensPerSecond}`);
  if (streamed) {
    assert.equal(typeof r.timeToFirstTokenMs, 'number');
    assert.ok(r.timeToFirstTokenMs >= 0, `timeToFirstTokenMs ${r.timeToFirstTokenMs}`);
    assert.ok(r.timeToFirstTokenMs <= r.totalTimeMs, `ttft ${r.timeToFirstTokenMs} > total ${r.totalTimeMs}`);
  } else {
    assert.equal(r.timeToFirstTokenMs, null, 'nothing was streamed');
  }
}

function checkUsage(r, d, completion) {
  assert.deepEqual(Object.keys(r.usage).sort(), ['completionTokens', 'promptTokens', 'totalTokens']);
  assert.equal(r.usage.completionTokens, completion);
  if (d.openai) assert.equal(typeof r.usage.promptTokens, 'number');
  if (r.usage.promptTokens === null) {
    assert.equal(r.usage.totalTokens, null, 'no total without a prompt count');
  } else {
    assert.equal(r.usage.totalTokens, r.usage.promptTokens + completion);
  }
}

for (const d of DIALECTS) {
  describe(`${d.name}`, () => {
    let client;
    before(async () => {
      client = new RealmWebSocketClient({ url: d.url(server.port), model: 'm' });
      await client.connect();
    });
    after(async () => {
      await client.disconnect();
    });

    test('chat resolves with text, finishReason, usage and times', async () => {
      const r = await client.chat(STORY, { maxTokens: 5, stream: d.openai ? undefined : true });
      assert.equal(r.text, story(5));
      assert.equal(r.finishReason, d.openai ? 'length' : null);
      // OpenAI answers name their model (realm-server: the one asked for).
      assert.equal(r.model, d.openai ? 'm' : null);
      checkUsage(r, d, 5);
      checkTimes(r, { streamed: !d.openai });
    });

    test('chatStream yields the tokens; its result holds the whole text', async () => {
      const stream = client.chatStream(STORY, { maxTokens: 8 });
      const tokens = [];
      for await (const t of stream) tokens.push(t);
      assert.deepEqual(tokens, Array.from({ length: 8 }, (_, i) => expectedToken(i, 'Tell me a story')));
      const r = stream.result;
      assert.ok(r, 'result set once the stream completed');
      assert.equal(r.text, story(8));
      assert.equal(r.finishReason, d.openai ? 'length' : null);
      checkUsage(r, d, 8);
      checkTimes(r, { streamed: true });
      // The iterator's final value is the result as well.
      assert.deepEqual(await stream.next(), { value: r, done: true });
    });

    test('generate and generateStream carry the same result fields', async () => {
      const g = await client.generate({ prompt: 'Tell me a story', maxTokens: 4, stream: true });
      assert.equal(g.text, story(4));
      assert.equal(g.tokens_generated, 4);
      assert.equal(g.finishReason, d.openai ? 'length' : null);
      checkUsage(g, d, 4);
      checkTimes(g, { streamed: true });

      const stream = client.generateStream({ prompt: 'Tell me a story', max_tokens: 6 });
      let text = '';
      for await (const t of stream) text += t;
      assert.equal(text, story(6));
      assert.equal(stream.result.text, text);
      checkUsage(stream.result, d, 6);
      checkTimes(stream.result, { streamed: true });
    });

    test('a non-streamed answer: usage, no time to first token', async () => {
      const r = await client.chat([{ role: 'user', content: 'What is the capital of France?' }], { maxTokens: 3 });
      assert.equal(typeof r.text, 'string');
      assert.ok(r.text.length > 0);
      assert.ok(r.usage.completionTokens > 0);
      assert.equal(typeof r.usage.promptTokens, 'number');
      assert.equal(r.usage.totalTokens, r.usage.promptTokens + r.usage.completionTokens);
      checkTimes(r, { streamed: false });
    });

    test('systemPrompt goes first as a system message', async () => {
      const msgs = [{ role: 'user', content: 'hello there' }];
      const plain = await client.chat(msgs);
      const withSystem = await client.chat(msgs, { systemPrompt: 'Be brief.' });
      if (d.openai) {
        // realm-server counts the words of every message as prompt tokens.
        assert.equal(withSystem.usage.promptTokens, plain.usage.promptTokens + 2);
      } else {
        // The core sends a conversation over the Realm protocol as "Role: content" lines.
        assert.equal(withSystem.text, 'Simulated response to: System: Be brief.\nUser: hello there\nAssistant:');
        assert.equal(plain.text, 'Simulated response to: hello there');
      }
    });

    test('the sampling fields are accepted: stop, presencePenalty, frequencyPenalty, seed', async () => {
      const r = await client.chat(STORY, {
        maxTokens: 20,
        stop: ['Paris', 'never'],
        presencePenalty: 1.5,
        frequencyPenalty: -2,
        seed: 42,
        temperature: 0.5,
        topP: 0.9,
      });
      if (d.openai) {
        // realm-server ends an OpenAI answer before the first stop string.
        assert.equal(r.text, 'The capital of France is ');
        assert.equal(r.finishReason, 'stop');
      } else {
        assert.equal(typeof r.text, 'string');
      }
      const one = await client.generate({ prompt: 'Tell me a story', stop: 'Paris', maxTokens: 20, stream: true });
      if (d.openai) assert.equal(one.text, 'The capital of France is ');
    });

    test('models() where the dialect has a model list', async () => {
      if (d.name === 'openai-http') {
        const list = await client.models();
        assert.equal(list.object, 'list');
        assert.ok(Array.isArray(list.data) && list.data.length > 0);
        assert.equal(typeof list.data[0].id, 'string');
      } else {
        await assert.rejects(client.models(), (e) => e instanceof RealmError && e.code === 'INVALID_ARGUMENT');
      }
    });

    test('an aborted chatStream ends with CANCELLED and no result', async () => {
      const ac = new AbortController();
      const stream = client.chatStream(STORY, { maxTokens: 1000, signal: ac.signal });
      await assert.rejects(
        (async () => {
          for await (const _ of stream) ac.abort();
        })(),
        (e) => e instanceof RealmError && e.code === 'CANCELLED',
      );
      assert.equal(stream.result, undefined);
    });
  });
}

describe('openai-ws connection options', () => {
  // Both shapes carry concurrent requests: one multiplexed socket, or a pool of
  // one socket taking them in turn.
  for (const pool of [{ multiplex: true }, { maxConnections: 1 }]) {
    test(JSON.stringify(pool), async () => {
      const client = new RealmWebSocketClient({ url: DIALECTS[1].url(server.port), model: 'realm-sim', ...pool });
      await client.connect();
      const results = await Promise.all([0, 1, 2, 3, 4].map((i) => client.chat(STORY, { maxTokens: 2 + i })));
      assert.deepEqual(results.map((r) => r.usage.completionTokens), [2, 3, 4, 5, 6]);
      await client.disconnect();
    });
  }
  test('maxConnections is checked', () => {
    assert.throws(() => new RealmWebSocketClient({ url: DIALECTS[1].url(server.port), model: 'm', maxConnections: 5000 }),
      /maxConnections/);
  });
});

describe('option checks: INVALID_ARGUMENT naming the option, before anything is sent', () => {
  // Never connected: a request that passed the checks would fail with NOT_CONNECTED.
  const client = new RealmWebSocketClient({ url: 'ws://127.0.0.1:9', model: 'm' });
  const MSGS = [{ role: 'user', content: 'hi' }];
  const CASES = [
    ['messages not an array', () => client.chat('hi'), /chat: 'messages' must be an array/],
    ['messages missing', () => client.chat(), /'messages' must be an array/],
    ['no message', () => client.chat([]), /at least one message/],
    ['a message that is a string', () => client.chat(['hi']), /messages\[0\] must be an object/],
    ['a message without content', () => client.chat([{ role: 'user' }]), /messages\[0\]\.content must be a string/],
    ['a message with text instead of content', () => client.chat([{ role: 'user', text: 'hi' }]), /messages\[0\]\.content/],
    ['content not a string', () => client.chat([...MSGS, { role: 'user', content: 42 }]), /messages\[1\]\.content must be a string/],
    ['role missing', () => client.chat([{ content: 'hi' }]), /messages\[0\]\.role must be a string/],
    ['empty role', () => client.chat([{ role: '', content: 'hi' }]), /messages\[0\]\.role/],
    ['systemPrompt not a string', () => client.chat(MSGS, { systemPrompt: 1 }), /systemPrompt/],
    ['unknown chat option', () => client.chat(MSGS, { maxToken: 5 }), /unknown option 'maxToken'/],
    ['prompt given to chat', () => client.chat(MSGS, { prompt: 'x' }), /unknown option 'prompt'/],
    ['stop a number', () => client.chat(MSGS, { stop: 5 }), /option 'stop' must be a string or an array of strings/],
    ['stop with a number', () => client.generate({ prompt: 'p', stop: ['a', 3] }), /option 'stop\[1\]' must be a string/],
    ['empty stop', () => client.chat(MSGS, { stop: [''] }), /stop\[0\] must be a non-empty string/],
    ['too many stops', () => client.chat(MSGS, { stop: Array.from({ length: 65 }, (_, i) => `s${i}`) }), /at most 64 stop/],
    ['presencePenalty a string', () => client.chat(MSGS, { presencePenalty: 'high' }), /option 'presencePenalty' must be a number/],
    ['presencePenalty out of range', () => client.generate({ prompt: 'p', presencePenalty: 2.5 }), /presence_penalty must be from -2 to 2/],
    ['frequencyPenalty NaN', () => client.chat(MSGS, { frequencyPenalty: NaN }), /frequency_penalty must be from -2 to 2/],
    ['frequencyPenalty a string', () => client.generate({ prompt: 'p', frequencyPenalty: '1' }), /option 'frequencyPenalty' must be a number/],
    ['seed not an integer', () => client.chat(MSGS, { seed: 1.5 }), /option 'seed' must be an integer/],
    ['seed a string', () => client.generate({ prompt: 'p', seed: '42' }), /option 'seed' must be a number/],
    ['maxTokens negative', () => client.chat(MSGS, { maxTokens: -1 }), /maxTokens/],
    ['maxTokens and max_tokens', () => client.chat(MSGS, { maxTokens: 1, max_tokens: 1 }), /'maxTokens' or 'max_tokens', not both/],
    ['topP negative', () => client.generate({ prompt: 'p', topP: -1 }), /topP/],
  ];
  for (const [what, call, message] of CASES) {
    test(what, async () => {
      await assert.rejects(call, (e) => {
        assert.ok(e instanceof RealmError, `not a RealmError: ${e}`);
        assert.equal(e.code, 'INVALID_ARGUMENT', e.message);
        assert.match(e.message, message);
        return true;
      });
    });
  }

  test('chatStream checks its arguments at once, and its options when it starts', async () => {
    assert.throws(() => client.chatStream('hi'), (e) => e.code === 'INVALID_ARGUMENT' && /'messages' must be an array/.test(e.message));
    assert.throws(() => client.chatStream(MSGS, { nope: 1 }), (e) => e.code === 'INVALID_ARGUMENT' && /unknown option 'nope'/.test(e.message));
    const stream = client.chatStream(MSGS, { seed: 0.5 });
    await assert.rejects(stream.next(), (e) => e.code === 'INVALID_ARGUMENT' && /seed/.test(e.message));
  });

  test('valid options get past the checks (NOT_CONNECTED on this client)', async () => {
    await assert.rejects(
      client.chat(MSGS, { stop: 'x', presencePenalty: -2, frequencyPenalty: 2, seed: -7, maxTokens: 1, systemPrompt: 's' }),
      (e) => e.code === 'NOT_CONNECTED',
    );
    await assert.rejects(client.models(), (e) => e.code === 'INVALID_ARGUMENT' || e.code === 'NOT_CONNECTED');
  });
});
