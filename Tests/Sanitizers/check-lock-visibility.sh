#!/usr/bin/env bash
# Builds Tests/Sanitizers/LockVisibilityCheck/main.swift with -sanitize=thread against
# Sources/PthreadLocks and checks both directions: no report with the lock, a report without.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.build-tsan/lock-visibility-check
mkdir -p .build-tsan
swiftc -swift-version 6 -sanitize=thread -O Sources/PthreadLocks/PthreadMutex.swift \
    Tests/Sanitizers/LockVisibilityCheck/main.swift -o "$out"
"$out" > "$out.locked.log" 2>&1 || { cat "$out.locked.log"; echo "FAIL: report or error with the lock held"; exit 1; }
grep -q "count 800000" "$out.locked.log" || { cat "$out.locked.log"; echo "FAIL: lost increments"; exit 1; }
if "$out" --drop-lock > "$out.dropped.log" 2>&1; then
    echo "FAIL: no ThreadSanitizer report without the lock (TSan does not see this race)"; exit 1
fi
grep -q "WARNING: ThreadSanitizer" "$out.dropped.log" || { cat "$out.dropped.log"; exit 1; }
echo "ok: locked counter 800000 with 0 reports; without the lock $(grep -c 'WARNING: ThreadSanitizer' "$out.dropped.log") reports"
