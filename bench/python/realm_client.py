"""realm (librealm core) benchmark client: the public asyncio API only.

    python realm_client.py --url ws://127.0.0.1:PORT --workload 1 [--cpu 0]
"""

from __future__ import annotations

import asyncio

import bench_common as bc
from realm import RealmWebSocketClient
from workloads import run_workload


async def main() -> None:
    args = bc.parse_args("realm")
    client = RealmWebSocketClient(url=args.url, tenant_id=bc.TENANT, timeout=None, reconnect=False)
    await client.connect()
    metrics = await run_workload(client, args.workload)
    await client.disconnect()
    bc.emit("realm", args.workload, metrics)


if __name__ == "__main__":
    asyncio.run(main())
