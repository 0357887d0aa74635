#!/usr/bin/env python3
"""Turns a Benchmarks/run.sh results folder (raw.txt, machine.txt) into markdown tables.

Usage: python3 Benchmarks/summarize.py Benchmarks/results/<time>
Medians over rounds; ratios are ours (swift) / C baseline and ours / panoramisk; the
targets are those of issue 2 (see BENCHMARKS.md).
"""

import statistics
import sys
from pathlib import Path

NAMES = {'c': 'C baseline (epoll)', 'swift': 'ciba-agi (Swift)', 'swift-pool': 'ciba-agi, sessions on the global pool',
         'panoramisk': 'panoramisk (Python)'}


def parse(line):
    fields = {}
    for token in line.split():
        if '=' in token:
            key, value = token.split('=', 1)
            fields[key] = value
    return fields


def num(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    if value is None:
        return 'n/a'
    return f'{value:,.{digits}f}'


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(value):
    return 'n/a' if value is None else f'{value:.2f}x'


def verdict(ok):
    return 'n/a' if ok is None else ('**met**' if ok else '**missed**')


def main(folder):
    folder = Path(folder)
    rows = [parse(line) for line in (folder / 'raw.txt').read_text().splitlines() if line.strip()]
    machine = {}
    for line in (folder / 'machine.txt').read_text().splitlines():
        if '=' in line:
            key, value = line.split('=', 1)
            machine[key] = value
    servers = [s for s in ('c', 'swift', 'swift-pool', 'panoramisk') if any(r.get('server') == s for r in rows)]
    bench = [r for r in rows if r.get('phase') == 'bench']
    hold = [r for r in rows if r.get('phase') == 'hold']
    levels = sorted({int(r['concurrency']) for r in bench})
    hold_levels = sorted({int(r['level']) for r in hold})

    def bench_median(server, c, key):
        return median([num(r.get(key)) for r in bench if r['server'] == server and int(r['concurrency']) == c])

    def bench_sum(server, key):
        return sum(int(r.get(key, 0)) for r in bench if r['server'] == server)

    out = []
    out.append(f"Run {machine.get('date_utc', '?')} on {machine.get('nproc', '?')} cores "
               f"({machine.get('cpu', '?')}), {machine.get('rounds', '?')} rounds of "
               f"{machine.get('duration_s', '?')} s (after {machine.get('warmup_s', '?')} s warm-up) per point; "
               f"load average {machine.get('loadavg_start', '?')} at start, {machine.get('loadavg_end', '?')} at end; "
               f"server and load generator scheduled with `{machine.get('priority', '?')}`.")
    out.append('')
    out.append('### Sessions per second (`bench`, median of rounds)')
    out.append('')
    header = '| concurrency | ' + ' | '.join(NAMES[s] for s in servers) + ' | ours / C | ours / panoramisk |'
    out.append(header)
    out.append('|' + '---|' * (len(servers) + 3))
    for c in levels:
        values = {s: bench_median(s, c, 'sessions_per_s') for s in servers}
        out.append(f'| {c} | ' + ' | '.join(fmt(values[s]) for s in servers)
                   + f" | {fmt_ratio(ratio(values.get('swift'), values.get('c')))}"
                   + f" | {fmt_ratio(ratio(values.get('swift'), values.get('panoramisk')))} |")
    out.append('')
    out.append('### Sessions per server CPU-second (`bench`, median of rounds; less sensitive to other load on the machine)')
    out.append('')
    out.append(header)
    out.append('|' + '---|' * (len(servers) + 3))
    for c in levels:
        values = {}
        for s in servers:
            per_round = []
            for r in bench:
                if r['server'] == s and int(r['concurrency']) == c and num(r.get('server_cpu_s')):
                    per_round.append(num(r.get('sessions_ok_total')) / num(r['server_cpu_s']))
            values[s] = median(per_round)
        out.append(f'| {c} | ' + ' | '.join(fmt(values[s]) for s in servers)
                   + f" | {fmt_ratio(ratio(values.get('swift'), values.get('c')))}"
                   + f" | {fmt_ratio(ratio(values.get('swift'), values.get('panoramisk')))} |")
    out.append('')
    out.append('### Server CPU busy during a round (server CPU-seconds / round length; 100% = its core saturated)')
    out.append('')
    out.append('| concurrency | ' + ' | '.join(NAMES[s] for s in servers) + ' |')
    out.append('|' + '---|' * (len(servers) + 1))
    span = (num(machine.get('duration_s')) or 0) + (num(machine.get('warmup_s')) or 0)
    for c in levels:
        cells = []
        for s in servers:
            busy = median([num(r.get('server_cpu_s')) / span
                           for r in bench if r['server'] == s and int(r['concurrency']) == c and span])
            cells.append('n/a' if busy is None else f'{busy * 100:.0f}%')
        out.append(f'| {c} | ' + ' | '.join(cells) + ' |')
    out.append('')
    out.append('### Per-command server time, µs (answer written -> next command read; median of rounds)')
    out.append('')
    out.append('| concurrency | server | p50 | p90 | p99 | max | env -> 1st command p50 | last answer -> close p50 |')
    out.append('|---|---|---|---|---|---|---|---|')
    for c in levels:
        for s in servers:
            out.append(f'| {c} | {NAMES[s]} | ' + ' | '.join(
                fmt(bench_median(s, c, k)) for k in
                ('cmd_p50_us', 'cmd_p90_us', 'cmd_p99_us', 'cmd_max_us', 'env_p50_us', 'close_p50_us')) + ' |')
    out.append('')
    if hold:
        out.append('### Held calls (`hold`, fresh server per level, ramp 2,000 connects/s)')
        out.append('')
        out.append('| held calls | server | ok | failed | peak holding | idle RSS MB | peak RSS (VmHWM) MB | max VmRSS sampled MB | cmd p99 µs |')
        out.append('|---|---|---|---|---|---|---|---|---|')
        for level in hold_levels:
            for s in servers:
                for r in hold:
                    if r['server'] == s and int(r['level']) == level:
                        out.append(f"| {level:,} | {NAMES[s]} | {r.get('sessions_ok', '?')} | {r.get('sessions_failed', '?')} "
                                   f"| {r.get('max_holding', '?')} | {fmt(num(r.get('idle_rss_kb', 0)) * 1024 / 1e6, 1)} "
                                   f"| {fmt(num(r.get('hwm_kb', 0)) * 1024 / 1e6, 1)} "
                                   f"| {fmt(num(r.get('rss_max_kb', 0)) * 1024 / 1e6, 1)} | {fmt(num(r.get('cmd_p99_us')))} |")
        out.append('')
    out.append('### Failures (`bench` rounds, all concurrencies)')
    out.append('')
    out.append('| server | failed sessions | reasons |')
    out.append('|---|---|---|')
    for s in servers:
        reasons = {}
        for r in bench:
            if r['server'] == s:
                for key, value in r.items():
                    if key.startswith('fail_') and int(value):
                        reasons[key[5:]] = reasons.get(key[5:], 0) + int(value)
        out.append(f"| {NAMES[s]} | {bench_sum(s, 'sessions_failed')} | "
                   + (', '.join(f'{k}: {v}' for k, v in reasons.items()) or '-') + ' |')
    out.append('')

    # Targets of issue 2.
    out.append('### Targets (issue 2)')
    out.append('')
    out.append('| target | measured | verdict |')
    out.append('|---|---|---|')
    if 'swift' in servers:
        s50 = bench_median('swift', 50, 'sessions_per_s') if 50 in levels else None
        c50 = bench_median('c', 50, 'sessions_per_s') if 50 in levels and 'c' in servers else None
        p50 = bench_median('panoramisk', 50, 'sessions_per_s') if 50 in levels and 'panoramisk' in servers else None
        r_c = ratio(s50, c50)
        r_p = ratio(s50, p50)
        out.append(f'| sessions/s at c=50 >= 0.7x C | {fmt_ratio(r_c)} ({fmt(s50)} vs {fmt(c50)}) | {verdict(None if r_c is None else r_c >= 0.7)} |')
        out.append(f'| sessions/s at c=50 >= 3x panoramisk | {fmt_ratio(r_p)} ({fmt(s50)} vs {fmt(p50)}) | {verdict(None if r_p is None else r_p >= 3)} |')
        for key, label in (('cmd_p50_us', 'p50'), ('cmd_p99_us', 'p99')):
            ours = bench_median('swift', 1, key) if 1 in levels else None
            base = bench_median('c', 1, key) if 1 in levels and 'c' in servers else None
            r = ratio(ours, base)
            out.append(f'| per-command {label} at c=1 <= 2x C | {fmt_ratio(r)} ({fmt(ours)} µs vs {fmt(base)} µs) | {verdict(None if r is None else r <= 2)} |')
        top = [r for r in hold if r['server'] == 'swift' and int(r['level']) == 10000]
        if top:
            r = top[0]
            failed = int(r.get('sessions_failed', 1))
            mb = num(r.get('hwm_kb', 0)) * 1024 / 1e6
            out.append(f"| 10,000 held calls: 0 failures | {failed} failed, peak holding {r.get('max_holding')} | {verdict(failed == 0 and int(r.get('max_holding', 0)) == 10000)} |")
            out.append(f'| 10,000 held calls: peak RSS <= 150 MB | {mb:.1f} MB | {verdict(mb <= 150)} |')
        else:
            out.append('| 10,000 held calls | not run (quick mode) | n/a |')
    return '\n'.join(out)


def splice(folder, document):
    """Replaces the text between <!-- RESULTS --> and <!-- /RESULTS --> in `document`."""
    folder = Path(folder)
    machine = dict(line.split('=', 1) for line in (folder / 'machine.txt').read_text().splitlines() if '=' in line)
    tables = main(folder).replace('### ', '#### ')
    block = (f"<!-- RESULTS -->\n## Results\n\nRun `Benchmarks/run.sh` at commit {machine.get('git', '?')}; "
             f"raw lines in `Benchmarks/published/`.\n\n{tables}\n\n<!-- /RESULTS -->")
    text = Path(document).read_text()
    start, end = text.index('<!-- RESULTS -->'), text.index('<!-- /RESULTS -->') + len('<!-- /RESULTS -->')
    Path(document).write_text(text[:start] + block + text[end:])


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[2] == '--splice':
        splice(sys.argv[1], sys.argv[3])
    else:
        print(main(sys.argv[1]))
