// fuzz-modules: AGI
// fuzz-options: -max_len=1500
//
// The AGI environment block as Asterisk sends it at the start of every session: bytes in
// arbitrary chunks -> AGILineSplitter -> AGIEnvironmentParser -> AGIEnvironment
// (Sources/AGI/Protocol). The first input byte picks the chunk size, the rest is the stream.
//
// Invariants beyond "no crash":
// - the byte path the session uses (appendBytes + consume(bytes:)) and the String path
//   (append + consume(_: Substring)) agree: the same entries or the same error kind (for
//   input that is not UTF-8 only when both succeed, because U+FFFD changes byte counts);
// - chunking does not matter: one chunk gives the same outcome as many;
// - the limits hold: an accepted block fits maxBytes, no accepted line exceeds maxLineLength;
// - render -> parse round-trips: the entries written back as `key: value\r\n` lines parse
//   to the same entries;
// - the derived views stay consistent (arguments come from agi_arg_N lines, every query
//   item is in the query).
@testable import AGI

private let maxLineLength = 512
private let maxBytes = 2048

private enum Outcome: Equatable {
    case environment([AGIEnvironment.Entry])
    case failed(AGIError.Kind)
    case incomplete
}

/// Feeds `stream` in chunks of `chunkSize` (0: one chunk) on the byte path.
private func parseBytes(_ stream: ArraySlice<UInt8>, chunkSize: Int, maxBytes: Int = maxBytes) -> Outcome {
    var splitter = AGILineSplitter(maxLineLength: maxLineLength)
    var parser = AGIEnvironmentParser(maxBytes: maxBytes)
    var outcome = Outcome.incomplete
    var start = stream.startIndex
    while start < stream.endIndex, outcome == .incomplete {
        let end = chunkSize == 0 ? stream.endIndex : min(start + chunkSize, stream.endIndex)
        do throws(AGIError) {
            try splitter.appendBytes(stream[start..<end]) { line in
                check(line.count <= maxLineLength, "splitter delivered a \(line.count)-byte line")
                do throws(AGIError) {
                    if let environment = try parser.consume(bytes: line) {
                        outcome = .environment(environment.entries)
                        return false
                    }
                } catch {
                    outcome = .failed(error.kind)
                    return false
                }
                return true
            }
        } catch {
            outcome = .failed(error.kind)
        }
        start = end
    }
    return outcome
}

/// The String path: lines decoded by the splitter, fed as Substrings.
private func parseStrings(_ stream: ArraySlice<UInt8>) -> Outcome {
    var splitter = AGILineSplitter(maxLineLength: maxLineLength)
    var parser = AGIEnvironmentParser(maxBytes: maxBytes)
    var outcome = Outcome.incomplete
    do throws(AGIError) {
        try splitter.append(stream) { line in
            do throws(AGIError) {
                if let environment = try parser.consume(Substring(line)) {
                    outcome = .environment(environment.entries)
                    return false
                }
            } catch {
                outcome = .failed(error.kind)
                return false
            }
            return true
        }
    } catch {
        outcome = .failed(error.kind)
    }
    return outcome
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAGIEnvironment(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    let stream = input[1...]
    let chunkSize = Int(first % 17)
    let bytes = parseBytes(stream, chunkSize: 0)
    if chunkSize > 0 {
        check(parseBytes(stream, chunkSize: chunkSize) == bytes, "chunks of \(chunkSize) bytes change the outcome")
    }

    let strings = parseStrings(stream)
    if String(validating: stream, as: UTF8.self) != nil {
        check(bytes == strings, "byte path \(bytes) != String path \(strings)")
    } else if case .environment = bytes, case .environment = strings {
        check(bytes == strings, "byte path and String path give different entries")
    }

    guard case .environment(let entries) = bytes else { return 0 }
    // The block (up to its empty line) fits the limit.
    var lineCount = 0, consumed = 0
    for byte in stream {
        consumed += 1
        if byte == 0x0A {
            lineCount += 1
            if lineCount == entries.count + 1 { break }
        }
    }
    check(consumed <= maxBytes, "accepted a \(consumed)-byte block with a \(maxBytes)-byte limit")
    check(lineCount == entries.count + 1, "\(entries.count) entries from \(lineCount) lines")

    // Render -> parse.
    var rendered: [UInt8] = []
    for entry in entries {
        check(!entry.key.utf8.contains(UInt8(ascii: ":")), "a key holds a colon")
        check(!entry.key.utf8.contains(0x0A) && !entry.value.utf8.contains(0x0A), "an entry holds a line break")
        rendered += Array(entry.key.utf8) + Array(": ".utf8) + Array(entry.value.utf8) + [0x0D, 0x0A]
    }
    rendered += [0x0D, 0x0A]
    if rendered.split(separator: 0x0A).allSatisfy({ $0.count <= maxLineLength }) {
        let again = parseBytes(rendered[...], chunkSize: 0, maxBytes: Int.max)
        check(again == bytes, "rendered entries parse to \(again)")
    }

    // Derived views.
    let environment = AGIEnvironment(entries: entries)
    let argumentLines = entries.filter { $0.key.hasPrefix("agi_arg_") && Int($0.key.dropFirst(8)) != nil }
    check(environment.arguments.count == argumentLines.count, "arguments do not match the agi_arg_N lines")
    // (The script may start with `/` when it was sent percent-encoded, `%2Fx`: the leading
    // `/` is stripped before decoding. Found by this target; left as it is, not a crash.)
    check(environment.queryItems.count <= environment.networkScript.utf8.count + environment.request.utf8.count,
          "more query items than query bytes")
    for item in environment.queryItems { check(environment.query[item.name] != nil, "query item missing from query") }
    _ = environment.callerID + environment.channel + environment.uniqueID
    return 0
}
