// Argument checks: strings the core cannot take intact (a NUL character would
// cut them short, a lone surrogate would become U+FFFD), and bad timeouts.
// Each throws or rejects with INVALID_ARGUMENT naming the argument, before
// anything is sent.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { RealmWebSocketClient, RealmError } from '@realm-ai/ws-client';
import { startServer, writeKeyStore, KEYS, waitFor } from './helpers.mjs';

const URL = 'ws://127.0.0.1:9';
const client = (extra = {}) => new RealmWebSocketClient({ url: URL, model: 'm', ...extra });

// [argument named in the error, what to do with a bad string s]
const STRING_ARGUMENTS = [
  ['url', (s) => client({ url: `ws://127.0.0.1${s}:80` })],
  ['apiKey', (s) => client({ apiKey: s })],
  ['tenantId', (s) => client({ tenantId: `tenant${s}` })],
  ['model', (s) => client({ model: s })],
  ['tlsCaFile', (s) => client({ tlsCaFile: `/tmp/ca${s}.pem` })],
  ['prompt', (s) => client().generate({ prompt: s })],
  ['model', (s) => client().generate({ prompt: 'hi', model: s })],
  ['prompt', async (s) => {
    for await (const _ of client().generateStream({ prompt: s }));
  }],
  ['name', (s) => client().executePipeline(`p${s}`)],
  ['function name', (s) => client().call(`health${s}`)],
  ['name', (s) => client().hasExtension(`cancel${s}`)],
];
const BAD_STRINGS = { nul: 'a\0b c', 'lone surrogate': 'a\uD800b', 'lone low surrogate': '\uDC00' };

describe('strings the core cannot take are rejected, naming the argument', () => {
  for (const [kind, bad] of Object.entries(BAD_STRINGS)) {
    STRING_ARGUMENTS.forEach(([name, use], i) => {
      test(`${name} (#${i}) with a ${kind}`, async () => {
        await assert.rejects(
          async () => use(bad),
          (e) => {
            assert.ok(e instanceof RealmError, `not a RealmError: ${e}`);
            assert.equal(e.code, 'INVALID_ARGUMENT');
            assert.ok(e.message.includes(name), e.message);
            assert.match(e.message, kind === 'nul' ? /NUL/ : /surrogate/);
            assert.ok(!e.message.includes(bad), 'the value is never echoed');
            return true;
          },
        );
      });
    });
  }

  test('well-formed text, pairs and a real U+FFFD still pass', () => {
    for (const ok of ['😀 emoji', 'replacement \uFFFD char', '']) {
      assert.equal(typeof client().hasExtension(ok), 'boolean');
    }
  });
});

describe('bad timeouts are INVALID_ARGUMENT naming the option', () => {
  for (const value of [NaN, Infinity, -Infinity, -1, 0.5]) {
    for (const option of ['timeout', 'connectTimeout', 'idleTimeout']) {
      test(`client option ${option}: ${value}`, () => {
        assert.throws(
          () => client({ [option]: value }),
          (e) => e instanceof RealmError && e.code === 'INVALID_ARGUMENT' && e.message.includes(option),
        );
      });
    }
  }
  for (const value of [NaN, -Infinity, -1, 0.5]) {
    test(`per-call timeout: ${value}`, async () => {
      await assert.rejects(
        client().generate({ prompt: 'hi', timeout: value }),
        (e) => e instanceof RealmError && e.code === 'INVALID_ARGUMENT' && e.message.includes('timeout'),
      );
    });
  }
});

describe('auth failure', () => {
  let server;
  before(async () => {
    server = await startServer(['--api-keys', writeKeyStore(KEYS)]);
  });
  after(() => server.stop());

  test("reports the server's close code (1005: closed without a status)", async () => {
    const c = new RealmWebSocketClient({ url: server.url, model: 'm', apiKey: 'sk_wrong', reconnect: false });
    const errors = [];
    c.on('error', (e) => errors.push(e));
    await assert.rejects(c.connect(), (e) => e instanceof RealmError && e.code === 'UNAUTHORIZED' && e.closeCode === 1005);
    // The core reports the error event after completing connect: it may come in a later burst.
    await waitFor(() => errors.length > 0, { timeout: 2000, what: 'the error event' });
    assert.deepEqual(
      errors.map((e) => e.closeCode),
      [1005],
    );
    c.close();
  });
});
