#!/usr/bin/env bash
# Builds the ciba-agi .deb with dpkg-deb (no debhelper needed).
#
#   packaging/deb/build.sh [BINARY] [OUTPUT_DIR]
#
# BINARY: a ciba-agi built with `swift build -c release --static-swift-stdlib` (default
# .build/release/ciba-agi; built when missing). OUTPUT_DIR: default .build/deb.
# Prints the path of the .deb it wrote.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=packaging/deb
binary=${1:-.build/release/ciba-agi}
out=${2:-.build/deb}
if [ ! -x "$binary" ]; then
    swift build -c release --static-swift-stdlib --product ciba-agi >&2
    binary=.build/release/ciba-agi
fi
version=$(git describe --tags --always 2>/dev/null | sed 's/^v//; s/[^A-Za-z0-9.+~]/./g')
case "$version" in [0-9]*) ;; *) version="0.1.0+git$version" ;; esac
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

install -D -m 0755 "$binary" "$stage/usr/bin/ciba-agi"
strip --strip-unneeded "$stage/usr/bin/ciba-agi" 2>/dev/null || true
install -D -m 0644 "$here/ciba-agi.service" "$stage/lib/systemd/system/ciba-agi.service"
install -D -m 0644 "$here/logrotate" "$stage/etc/logrotate.d/ciba-agi"
# The sample configuration, as a conffile; the tts strategy's directory is the package's own.
install -d "$stage/etc/ciba-agi"
sed 's|"soundDirectory": "/tmp"|"soundDirectory": "/var/lib/ciba-agi/tts"|' ciba-agi.example.json > "$stage/etc/ciba-agi/ciba-agi.json"
grep -q '/var/lib/ciba-agi/tts' "$stage/etc/ciba-agi/ciba-agi.json" || { echo "build.sh: sample config has no tts soundDirectory to rewrite" >&2; exit 1; }
chmod 0640 "$stage/etc/ciba-agi/ciba-agi.json"
for language in en sv nb; do
    install -d "$stage/usr/share/asterisk/sounds/$language/ciba"
    install -m 0644 sounds/$language/ciba/* "$stage/usr/share/asterisk/sounds/$language/ciba/"
done
# The agent page is served from files (AgentPage looks in ../share/ciba-agi/agent-page next to the binary).
install -d "$stage/usr/share/ciba-agi/agent-page"
install -m 0644 Sources/AgentDesk/AgentPage/* "$stage/usr/share/ciba-agi/agent-page/"
install -d "$stage/usr/share/man/man1"
gzip -9n < "$here/ciba-agi.1" > "$stage/usr/share/man/man1/ciba-agi.1.gz"
install -D -m 0644 README.md "$stage/usr/share/doc/ciba-agi/README.md"
install -D -m 0644 asterisk/extensions.conf "$stage/usr/share/doc/ciba-agi/examples/extensions.conf"

install -d "$stage/DEBIAN"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$stage/DEBIAN/"
echo "/etc/ciba-agi/ciba-agi.json" > "$stage/DEBIAN/conffiles"
echo "/etc/logrotate.d/ciba-agi" >> "$stage/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: ciba-agi
Version: $version
Architecture: $arch
Maintainer: ciba-agi maintainers <root@localhost>
Installed-Size: $size
Depends: libc6, libstdc++6, libgcc-s1, libssl3 | libssl3t64, libcurl4 | libcurl4t64, adduser
Recommends: logrotate
Suggests: asterisk, espeak-ng
Section: comm
Priority: optional
Description: FastAGI server authenticating Asterisk callers with OpenID Connect CIBA
 A caller keys in a personal number; ciba-agi sends a BankID/FrejaID request over
 OpenID Connect CIBA (poll mode) and gives the dialplan the verified identity.
 Statically linked Swift runtime; needs only libssl and libcurl.
CONTROL
mkdir -p "$out"
deb="$out/ciba-agi_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$stage" "$deb" >&2
echo "$deb"
