#!/usr/bin/env bash
# Renders the ciba-agi prompts from prompts.tsv into <lang>/ciba/<name>.wav
# (8 kHz, 16-bit signed, mono PCM WAV: Asterisk plays these without transcoding on
# ulaw/alaw/slin channels).
#
# Usage: sounds/generate.sh [LANG...]        (default: en sv nb)
#   ESPEAK_SPEED=150  words per minute         ESPEAK_VOICE_en=en-gb  voice per language
#   OUT_DIR=dir       where <lang>/ciba/ goes (default: next to this script)
#
# Needs espeak-ng and sox. On Debian/Ubuntu: apt-get install -y espeak-ng sox
# Install the result into Asterisk: see asterisk/README.md ("Installing the prompts").
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
table="$here/prompts.tsv"
out_dir="${OUT_DIR:-$here}"
speed="${ESPEAK_SPEED:-150}"

missing=()
for tool in espeak-ng sox; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "generate.sh: missing ${missing[*]}; install with: apt-get install -y espeak-ng sox" >&2
    exit 2
fi
[[ -r "$table" ]] || { echo "generate.sh: cannot read $table" >&2; exit 2; }

languages=("$@")
((${#languages[@]})) || languages=(en sv nb)

voice_for() {
    local var="ESPEAK_VOICE_$1"
    if [[ -n "${!var:-}" ]]; then echo "${!var}"; return; fi
    case "$1" in
        en) echo "en-gb" ;;
        sv) echo "sv" ;;
        nb) echo "nb" ;;
        *) echo "$1" ;;
    esac
}

# Column of each language in the header line ("name en sv nb").
header="$(grep -v '^#' "$table" | head -n 1)"
column_of() {
    awk -F'\t' -v want="$1" '{ for (i = 1; i <= NF; i++) if ($i == want) { print i; exit } }' <<<"$header"
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

count=0
for lang in "${languages[@]}"; do
    column="$(column_of "$lang")"
    [[ -n "$column" ]] || { echo "generate.sh: no column '$lang' in $table" >&2; exit 2; }
    voice="$(voice_for "$lang")"
    mkdir -p "$out_dir/$lang/ciba"
    while IFS=$'\t' read -r -a fields; do
        name="${fields[0]}"
        text="${fields[$((column - 1))]:-}"
        [[ -n "$text" ]] || { echo "generate.sh: $name has no $lang text" >&2; exit 1; }
        espeak-ng -v "$voice" -s "$speed" -w "$tmp/raw.wav" -- "$text"
        # Resample to 8 kHz mono 16-bit, normalise to -3 dBFS, pad 0.15 s of silence at both ends.
        sox "$tmp/raw.wav" -r 8000 -c 1 -b 16 -e signed-integer "$out_dir/$lang/ciba/$name.wav" \
            norm -3 pad 0.15 0.15
        count=$((count + 1))
    done < <(grep -v '^#' "$table" | tail -n +2)
    echo "generate.sh: $lang ($voice) -> $out_dir/$lang/ciba/"
done
echo "generate.sh: rendered $count prompt files"
