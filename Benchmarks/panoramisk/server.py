"""The REFERENCE.md `bench` and `hold` scripts on Python's panoramisk FastAGI server.

Stock panoramisk usage (asyncio default event loop, `Application.handler` with
`asyncio.start_server`), so it is compared as people deploy it. One command at a time,
each awaited (`send_command` writes, drains and reads the reply line); panoramisk
closes the connection when the handler returns.

Run: Benchmarks/.venv/bin/python Benchmarks/panoramisk/server.py --listen 127.0.0.1:PORT
"""

import argparse
import asyncio
import logging
import resource

from panoramisk.fast_agi import Application


async def bench(request):
    await request.send_command('ANSWER')
    await request.send_command('GET DATA ciba/enter-ssn 5000 12')
    await request.send_command('SET VARIABLE CIBA_STATUS "VERIFIED"')
    await request.send_command('STREAM FILE ciba/verified ""')
    await request.send_command('HANGUP')


async def hold(request):
    await request.send_command('ANSWER')
    await request.send_command('SET MUSIC ON default')
    for _ in range(10):
        await request.send_command('WAIT FOR DIGIT 1000')
    await request.send_command('SET MUSIC OFF')
    await request.send_command('HANGUP')


def raise_open_file_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def main(host, port):
    app = Application(loop=asyncio.get_running_loop())
    app.add_route('bench', bench)
    app.add_route('hold', hold)
    server = await asyncio.start_server(app.handler, host, port, backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--listen', default='127.0.0.1:4573')
    args = parser.parse_args()
    host, _, port = args.listen.rpartition(':')
    logging.basicConfig(level=logging.WARNING)
    raise_open_file_limit()
    asyncio.run(main(host, int(port)))
