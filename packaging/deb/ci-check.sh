#!/usr/bin/env bash
# CI check of the deployable artifact (issue 8): the static binary and the .deb.
#
#   packaging/deb/ci-check.sh [BINARY]
#
# 1. `ldd` shows no Swift library and RUNPATH names no toolchain directory;
# 2. a copy of the binary runs `demo` from a temporary directory with PATH and
#    LD_LIBRARY_PATH stripped (the toolchain out of reach);
# 3. build the .deb, `apt-get install ./ciba-agi_*.deb`;
# 4. `ciba-agi check-config` on a config pointed at `ciba-agi mock-provider` (started in the
#    background, readiness = its port answers, bounded wait);
# 5. `ciba-agi demo` from /usr/bin;
# 6. `apt-get purge -y ciba-agi` leaves no file, directory or user behind.
# Needs root (apt-get). Every step prints its timing.
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${1:-.build/release/ciba-agi}
step_start=$(date +%s)
step() { echo "== deb: $1 ($(( $(date +%s) - step_start )) s so far)"; }
fail() { echo "FAIL: $*"; exit 1; }

if [ ! -x "$binary" ]; then
    step "release build with --static-swift-stdlib"
    swift build -c release --static-swift-stdlib --product ciba-agi
    binary=.build/release/ciba-agi
fi

step "no Swift library, no toolchain RUNPATH"
ldd "$binary" | sed 's/^/  /'
if ldd "$binary" | grep -i swift; then fail "the binary links Swift libraries dynamically"; fi
toolchain=$(dirname "$(dirname "$(command -v swift || echo /opt/swift/usr/bin/swift)")")
if readelf -d "$binary" | grep -E 'RUNPATH|RPATH' | grep -E "swift|$toolchain"; then fail "RUNPATH/RPATH points into the toolchain"; fi

step "copied binary runs demo with the toolchain out of reach"
scratch=$(mktemp -d)
mock_pid=""
cleanup() {
    if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
    rm -rf "$scratch"
}
trap cleanup EXIT
cp "$binary" "$scratch/ciba-agi"
( cd "$scratch" && env -i HOME="$scratch" PATH=/usr/bin:/bin ./ciba-agi demo > demo.log 2>&1 ) \
    || { tail -20 "$scratch/demo.log"; fail "the copied binary's demo failed"; }
grep -q "Result: CIBA_STATUS=VERIFIED" "$scratch/demo.log" || fail "demo did not end VERIFIED"

step "build and install the .deb"
deb=$(packaging/deb/build.sh "$binary" "$scratch/deb")
dpkg-deb --info "$deb" | sed 's/^/  /'
dpkg-deb --contents "$deb" | awk '{print "  " $6}'
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "$(realpath "$deb")" >/dev/null
[ -x /usr/bin/ciba-agi ] || fail "/usr/bin/ciba-agi missing"
getent passwd ciba-agi >/dev/null || fail "no ciba-agi system user"
[ "$(stat -c %U /var/log/ciba-agi)" = ciba-agi ] || fail "/var/log/ciba-agi is not owned by ciba-agi"
[ -f /usr/share/asterisk/sounds/sv/ciba/enter-id-number.wav ] || fail "prompts not installed"
[ -f /usr/share/ciba-agi/agent-page/index.html ] || fail "agent page not installed"
man -w ciba-agi >/dev/null 2>&1 || [ -f /usr/share/man/man1/ciba-agi.1.gz ] || fail "no man page"
grep -q '/var/lib/ciba-agi/tts' /etc/ciba-agi/ciba-agi.json || fail "sample config does not use the package's tts directory"
[ -d /var/lib/ciba-agi/tts ] || fail "/var/lib/ciba-agi/tts missing"

step "check-config against mock-provider"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
/usr/bin/ciba-agi mock-provider --listen "127.0.0.1:$port" > "$scratch/mock.log" 2>&1 &
mock_pid=$!
ready=""
for _ in $(seq 1 300); do   # at most 30 s
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then ready=yes; break; fi
    kill -0 "$mock_pid" 2>/dev/null || { cat "$scratch/mock.log"; fail "mock-provider exited"; }
    sleep 0.1
done
[ -n "$ready" ] || { cat "$scratch/mock.log"; fail "mock-provider did not listen within 30 s"; }
cat > "$scratch/ciba-agi.json" <<JSON
{
  "listen": "127.0.0.1:4573",
  "allowedClients": ["127.0.0.1/32"],
  "opsListen": "127.0.0.1:9464",
  "auditLog": "/var/log/ciba-agi/audit.jsonl",
  "provider": {"issuer": "http://127.0.0.1:$port", "clientId": "urn:ciba-agi:demo",
               "clientAuth": "client_secret_basic", "clientSecret": "ciba-agi-demo-secret"},
  "defaultProfile": "se-bankid",
  "profiles": {"se-bankid": {"numberKind": "se-personnummer", "acrValues": "urn:grn:authn:se:bankid", "numberClaim": "ssn"}}
}
JSON
/usr/bin/ciba-agi check-config --config "$scratch/ciba-agi.json" | sed 's/^/  /'
/usr/bin/ciba-agi check-config --config "$scratch/ciba-agi.json" >/dev/null || fail "check-config refused the mock-provider config"
kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true; mock_pid=""

step "demo from /usr/bin"
( cd "$scratch" && /usr/bin/ciba-agi demo > demo-installed.log 2>&1 ) || { tail -20 "$scratch/demo-installed.log"; fail "installed demo failed"; }

step "purge leaves nothing behind"
apt-get purge -y -qq ciba-agi >/dev/null
for path in /usr/bin/ciba-agi /etc/ciba-agi /var/log/ciba-agi /var/lib/ciba-agi /usr/share/ciba-agi \
            /usr/share/asterisk/sounds/en/ciba /usr/share/asterisk/sounds/sv/ciba /usr/share/asterisk/sounds/nb/ciba \
            /lib/systemd/system/ciba-agi.service /etc/logrotate.d/ciba-agi /usr/share/man/man1/ciba-agi.1.gz /usr/share/doc/ciba-agi; do
    [ ! -e "$path" ] || fail "$path is still there after purge"
done
getent passwd ciba-agi >/dev/null && fail "user ciba-agi is still there after purge"
getent group ciba-agi >/dev/null && fail "group ciba-agi is still there after purge"
dpkg -s ciba-agi >/dev/null 2>&1 && fail "dpkg still knows ciba-agi"
step "done"
