#!/usr/bin/env bash
# Builds one libFuzzer target and runs it (see docs/fuzzing.md).
#
#   Tests/Fuzzing/run.sh TARGET [libFuzzer options...]     e.g. agi-reply -max_total_time=60
#   Tests/Fuzzing/run.sh --build TARGET...                  build only
#   Tests/Fuzzing/run.sh --list                             the targets
#
# Not part of `swift test`: the module sources a target needs are compiled here with swiftc
# directly (-sanitize=fuzzer,address, -enable-testing so a target can `@testable import`),
# into .build-fuzz/. A target names the modules it imports on its `// fuzz-modules:` line;
# their dependencies come from `swift package dump-package`, so new modules need no edit here.
#
# Corpus: Tests/Fuzzing/Seeds/TARGET (committed, small) plus lines taken from the Asterisk
# recordings for the AGI targets, copied into .build-fuzz/corpus/TARGET, where libFuzzer also
# keeps what it finds. A crash leaves its input in .build-fuzz/artifacts/TARGET/ and the run
# exits non-zero: add that input to Seeds/TARGET as a regression seed.
#
# Environment: FUZZ_NICE (default 15) nice level of the run; FUZZ_BUILD (default .build-fuzz);
# FUZZ_SANITIZE (default fuzzer,address): `fuzzer` builds without AddressSanitizer, for long
# throughput runs only (several times the executions per second; an out-of-bounds access that
# does not trap goes unseen, so CI and every count reported "with ASan" use the default). Those
# builds go to $FUZZ_BUILD/no-asan/; the corpus and the artifacts are shared.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
fuzz_dir=Tests/Fuzzing
build=${FUZZ_BUILD:-.build-fuzz}
sanitize=${FUZZ_SANITIZE:-fuzzer,address}
case $sanitize in
    fuzzer,address) out=$build ;;
    fuzzer) out=$build/no-asan ;;
    *) echo "FUZZ_SANITIZE must be fuzzer,address or fuzzer, not $sanitize" >&2; exit 2 ;;
esac
mkdir -p "$out/modules" "$out/lib" "$out/bin"

targets() { for f in "$fuzz_dir"/Targets/*.swift; do basename "$f" .swift; done; }

usage() {
    echo "usage: $0 TARGET [libFuzzer options] | --build TARGET... | --list" >&2
    echo "targets: $(targets | tr '\n' ' ')" >&2
    exit 2
}

# The fuzzer runtime ships with the Swift toolchain's clang; without it swiftc fails to
# link with a message that does not say so.
check_runtime() {
    local resource
    resource=$(dirname "$(command -v swiftc)")/../lib/swift/clang/lib/linux
    if ! ls "$resource"/libclang_rt.fuzzer-*.a >/dev/null 2>&1 && \
       ! ls "$(dirname "$(command -v swiftc)")"/../lib/clang/*/lib/*/libclang_rt.fuzzer*.a >/dev/null 2>&1; then
        echo "FAIL: clang's libFuzzer runtime (libclang_rt.fuzzer-*.a) is missing from the Swift toolchain at $(dirname "$(command -v swiftc)")/..; use a toolchain from swift.org (it ships it)" >&2
        exit 1
    fi
}

# Library modules in dependency order for the given module names, one per line:
# NAME<TAB>kind<TAB>source dir<TAB>pkg-config name<TAB>excluded paths (comma separated).
module_plan() {
    [ -s "$build/package.json" ] && [ "$build/package.json" -nt Package.swift ] || \
        swift package dump-package > "$build/package.json"
    python3 - "$build/package.json" "$@" <<'PY'
import json, sys
package = json.load(open(sys.argv[1]))
targets = {t["name"]: t for t in package["targets"]}
def deps(t):
    out = []
    for d in t["dependencies"]:
        kind, value = next(iter(d.items()))
        out.append(value[0])
    return out
order, seen = [], set()
def visit(name):
    if name in seen: return
    seen.add(name)
    for d in deps(targets[name]): visit(d)
    order.append(name)
for name in sys.argv[2:]: visit(name)
for name in order:
    t = targets[name]
    path = t.get("path") or f"Sources/{name}"
    print("\t".join([name, t["type"], path, t.get("pkgConfig") or "-", ",".join(t.get("exclude") or []) or "-"]))
PY
}

swift_flags=(-O -g -use-ld=lld -swift-version 6 -sanitize="$sanitize" -enable-testing -I "$out/modules")

build_target() {
    local target=$1 file="$fuzz_dir/Targets/$1.swift"
    [ -f "$file" ] || { echo "no such fuzz target: $target" >&2; usage; }
    local wanted
    wanted=$(sed -n 's|^// fuzz-modules: *||p' "$file" | head -1)
    [ -n "$wanted" ] || { echo "$file: no '// fuzz-modules:' line" >&2; exit 1; }
    local includes=() libs=() links=()
    while IFS=$'\t' read -r name kind path pkg exclude; do
        if [ "$kind" = system ]; then
            includes+=(-I "$path")
            if [ "$pkg" != - ]; then
                for flag in $(pkg-config --cflags "$pkg"); do includes+=(-Xcc "$flag"); done
                for flag in $(pkg-config --libs "$pkg"); do links+=("$flag"); done
            fi
            continue
        fi
        local archive="$out/lib/lib$name.a"
        local sources
        sources=$(find "$path" -name '*.swift' | sort)
        if [ "$exclude" != - ]; then
            for ex in ${exclude//,/ }; do sources=$(grep -v "^$path/$ex" <<<"$sources" || true); done
        fi
        # Rebuild when a source (or the list of sources) is newer than the archive.
        if [ ! -f "$archive" ] || [ -n "$(find "$path" -name '*.swift' -newer "$archive" | head -1)" ] \
           || [ "$path" -nt "$archive" ] || [ "$fuzz_dir/run.sh" -nt "$archive" ]; then
            echo "== swiftc $name" >&2
            # shellcheck disable=SC2086
            nice -n "${FUZZ_NICE:-15}" swiftc "${swift_flags[@]}" "${includes[@]}" -parse-as-library \
                -module-name "$name" -emit-module -emit-module-path "$out/modules/$name.swiftmodule" \
                -emit-library -static -o "$archive" $sources
        fi
        libs=("$archive" "${libs[@]}")
    done < <(module_plan $wanted)
    local binary="$out/bin/fuzz-$target"
    if [ ! -f "$binary" ] || [ "$file" -nt "$binary" ] || [ "$fuzz_dir/FuzzSupport.swift" -nt "$binary" ] \
       || [ -n "$(find "${libs[@]}" -newer "$binary" | head -1)" ]; then
        echo "== swiftc fuzz-$target" >&2
        nice -n "${FUZZ_NICE:-15}" swiftc "${swift_flags[@]}" "${includes[@]}" -parse-as-library \
            -module-name FuzzTarget "$fuzz_dir/FuzzSupport.swift" "$file" "${libs[@]}" "${links[@]}" -o "$binary"
    fi
    echo "$binary"
}

# Seeds: committed ones, plus the lines Asterisk sent in the recordings (AGI targets only).
prepare_corpus() {
    local target=$1 corpus="$build/corpus/$1"
    mkdir -p "$corpus" "$build/artifacts/$1"
    if [ -d "$fuzz_dir/Seeds/$target" ]; then cp -n "$fuzz_dir/Seeds/$target"/* "$corpus"/ 2>/dev/null || true; fi
    local recordings
    recordings=$(find Tests -type d -path '*/Fixtures/asterisk' 2>/dev/null | head -1)
    [ -n "$recordings" ] || return 0
    case $target in
        agi-environment)
            # Each recording's environment block: the '<<' lines up to the first empty one,
            # after the target's chunk-size byte (0: one chunk).
            for f in "$recordings"/[0-9]*.txt; do
                { printf '\000'; sed -n 's/^<< \[[ 0-9.]* ms\] \{0,1\}//p' "$f" | awk 'NF==0{print ""; exit} {print}'; } \
                    > "$corpus/recording-$(basename "$f" .txt)"
            done ;;
        agi-reply)
            # Every reply line Asterisk sent after the environment block, one seed per distinct line.
            for f in "$recordings"/[0-9]*.txt; do
                sed -n 's/^<< \[[ 0-9.]* ms\] \{0,1\}//p' "$f" | awk 'seen{print} NF==0{seen=1}'
            done | sort -u | head -200 | while IFS= read -r line; do
                printf '%s\n' "$line" > "$corpus/recording-$(printf '%s' "$line" | cksum | cut -d' ' -f1)"
            done ;;
    esac
}

[ $# -ge 1 ] || usage
case $1 in
    --list) targets; exit 0 ;;
    --build)
        shift; [ $# -ge 1 ] || usage
        check_runtime
        for t in "$@"; do build_target "$t" >/dev/null; done
        exit 0 ;;
    -*) usage ;;
esac
target=$1; shift
check_runtime
binary=$(build_target "$target")
prepare_corpus "$target"
# A target's own defaults (e.g. -max_len) from its `// fuzz-options:` line; later options win.
read -r -a defaults <<<"$(sed -n 's|^// fuzz-options: *||p' "$fuzz_dir/Targets/$target.swift" | head -1)"
cd "$build"
# Swift's own crash backtracer would take the SIGABRT of a broken invariant before libFuzzer
# does, so no artifact would be written: leave the signal to libFuzzer.
export SWIFT_BACKTRACE=enable=no
exec nice -n "${FUZZ_NICE:-15}" "$root/$binary" -artifact_prefix="artifacts/$target/" -print_final_stats=1 \
    "${defaults[@]}" "$@" "corpus/$target"
