// @realm-ai/ws-client (the Node SDK of this repository) as a benchmark client
// (openai-http and openai-ws): one RealmWebSocketClient reused for every
// request (the warm client), chatStream(messages, { maxTokens }) iterated
// with `for await`, tokens = the non-empty strings it yields; usage and
// finishReason from the stream's `result` once it ended. The URL picks the
// dialect (http:// -> openai-http, ws://.../v1/chat/completions -> openai-ws).
// Options: the model it requires, maxRetries: 0 (as the peers' maxRetries:
// 0) and maxConnections: 100 (100 concurrent streams get 100 connections, as
// every peer gives them), or with --mode mux one multiplexed openai-ws socket
// (multiplex: true).
//
// The package is this checkout's (node/index.mjs; bench/openai/node has its
// own package.json, so the name does not resolve here); its addon is
// $REALM_NODE_ADDON, which scripts/bench-openai points at the Release build
// in build-bench.
//   node realm-client.mjs --url http://127.0.0.1:PORT/v1 --workload 1|2|3|5
import { RealmWebSocketClient } from '../../../node/index.mjs';
import { MESSAGES, MODEL, checkStream, parseArgs, run } from './workloads.mjs';

const { url, workload, mode } = parseArgs();
const pool = mode === 'mux' ? { multiplex: true } : { maxConnections: 100 };
const client = new RealmWebSocketClient({ url, model: MODEL, maxRetries: 0, ...pool });

async function stream(n) {
  const s = client.chatStream(MESSAGES, { maxTokens: n });
  let tokens = 0, first = 0n;
  for await (const token of s) {
    if (token) {
      if (!tokens) first = process.hrtime.bigint();
      tokens++;
    }
  }
  const r = s.result;
  checkStream(tokens, n, r && r.usage.completionTokens, r && r.finishReason);
  return first;
}

await client.connect();
run({ stream }, 'realm-node', workload)
  .then(() => client.close())
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
