"""The aiohttp proxy on uvloop (needs uvloop installed)."""

import sys

import uvloop

from benchmarks.framework_servers import aiohttp_proxy

if __name__ == "__main__":
    aiohttp_proxy.main(int(sys.argv[1]), sys.argv[2], loop=uvloop.new_event_loop())
