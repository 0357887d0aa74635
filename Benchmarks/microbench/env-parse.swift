// Micro-benchmark: parsing one Asterisk environment block (23 lines) the way AGI does it at
// bench ccbc740 (a String per line, Character-level Substring operations; copied logic, not the
// module) against a byte-level parse that only creates the key and value Strings.
// Run: swiftc -O env-parse.swift -o /tmp/env-parse && taskset -c 1 /tmp/env-parse
// Measured here: about 23 µs vs 2.1 µs per block (see BENCHMARKS.md, findings 1).
import Foundation
struct Entry { var key: String; var value: String }
let env: [UInt8] = Array("""
agi_network: yes
agi_network_script: bench
agi_request: agi://127.0.0.1:24574/bench
agi_channel: PJSIP/trunk-00000001
agi_language: sv
agi_type: PJSIP
agi_uniqueid: 1795292841.1
agi_version: 22.10.1
agi_callerid: +46701234567
agi_calleridname: unknown
agi_callingpres: 0
agi_callingani2: 0
agi_callington: 0
agi_callingtns: 0
agi_dnid: 4687654321
agi_rdnis: unknown
agi_context: ivr
agi_extension: s
agi_priority: 2
agi_enhanced: 0.0
agi_accountcode: 
agi_threadid: 140387685992128


""".utf8.dropLast())
// (a) as in AGI today: String per line, Character-level Substring operations
@inline(never) func parseStrings(_ chunk: ArraySlice<UInt8>) -> [Entry] {
    var entries: [Entry] = []
    var start = chunk.startIndex
    var i = start
    while i < chunk.endIndex {
        if chunk[i] == 0x0A {
            let lineString = String(decoding: chunk[start..<i], as: UTF8.self)
            start = i + 1
            var line = Substring(lineString)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if line.isEmpty { return entries }
            if let colon = line.firstIndex(of: ":") {
                var value = line[line.index(after: colon)...]
                if value.hasPrefix(" ") { value = value.dropFirst() }
                entries.append(Entry(key: String(line[..<colon]), value: String(value)))
            }
        }
        i += 1
    }
    return entries
}
// (b) on bytes: only key and value become Strings
@inline(never) func parseBytes(_ chunk: ArraySlice<UInt8>) -> [Entry] {
    var entries: [Entry] = []
    entries.reserveCapacity(32)
    chunk.withUnsafeBufferPointer { buf in
        var start = 0
        var i = 0
        while i < buf.count {
            if buf[i] == 0x0A {
                var end = i
                if end > start && buf[end - 1] == 0x0D { end -= 1 }
                if end == start { return }
                var colon = start
                while colon < end && buf[colon] != 0x3A { colon += 1 }
                if colon < end {
                    var v = colon + 1
                    if v < end && buf[v] == 0x20 { v += 1 }
                    entries.append(Entry(key: String(decoding: UnsafeBufferPointer(rebasing: buf[start..<colon]), as: UTF8.self),
                                         value: String(decoding: UnsafeBufferPointer(rebasing: buf[v..<end]), as: UTF8.self)))
                }
                start = i + 1
            }
            i += 1
        }
    }
    return entries
}
func measure(_ name: String, _ f: (ArraySlice<UInt8>) -> [Entry]) {
    let n = 200_000
    var sink = 0
    let t0 = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<n { sink &+= f(env[...]).count }
    let t1 = DispatchTime.now().uptimeNanoseconds
    print(name, String(format: "%.2f µs per environment block", Double(t1 - t0) / Double(n) / 1000), sink / n)
}
measure("strings", parseStrings)
measure("bytes  ", parseBytes)
measure("strings", parseStrings)
measure("bytes  ", parseBytes)
