// fuzz-modules: AMI
// fuzz-options: -max_len=4096
//
// The Asterisk Manager Interface stream parser (Sources/AMI/Protocol/AMIMessageParser.swift)
// that queue mode runs on every byte from Asterisk's manager port: banner, then `Name: Value`
// blocks. The first input byte picks the read size (low bits, 0 = one chunk) and, with the high
// bit, small limits so the line and header limits are reached.
//
// Invariants beyond "no crash":
// - a refusal is a thrown AMIError of kind protocolViolation (never a trap, never unbounded
//   buffering); messages completed before it in the same read are returned, not lost, and
//   every later feed throws the same error;
// - chunking does not matter: reads of any size give the same messages and the same error;
// - the banner, once set, starts with `Asterisk Call Manager/`; a message has 1...maxHeaders
//   headers and no header holds a line feed;
// - encode -> parse round-trips: messages written back with `encoded()` (after the banner)
//   parse to the same messages when no name or value holds a CR (which encoding replaces);
// - `description` never shows a `Secret` or `Key` value; the derived views never trap.
import AMI

private struct Outcome: Equatable {
    var messages: [AMIMessage] = []
    var banner: String?
    var error: AMIError?
}

private func parse(_ bytes: ArraySlice<UInt8>, chunk: Int, maxLine: Int, maxHeaders: Int) -> Outcome {
    var parser = AMIMessageParser(maxLineLength: maxLine, maxHeaders: maxHeaders)
    var outcome = Outcome()
    var start = bytes.startIndex
    repeat {
        let end = chunk == 0 ? bytes.endIndex : min(start + chunk, bytes.endIndex)
        do throws(AMIError) {
            outcome.messages += try parser.feed(bytes[start..<end])
        } catch {
            check(parser.failure == error, "thrown \(error), failure \(String(describing: parser.failure))")
            outcome.error = error
            break
        }
        if let failure = parser.failure {  // messages completed before the violation came back
            outcome.error = failure
            do throws(AMIError) {
                _ = try parser.feed([])
                check(false, "feed after a violation did not throw")
            } catch { check(error == failure, "a later feed threw \(error)") }
            break
        }
        start = end
    } while start < bytes.endIndex
    outcome.banner = parser.banner
    return outcome
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAMI(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    let small = first & 0x80 != 0
    let maxLine = small ? 40 : 16_384, maxHeaders = small ? 4 : 512
    let chunk = Int(first & 0x0F)
    let stream = input[1...]
    let whole = parse(stream, chunk: 0, maxLine: maxLine, maxHeaders: maxHeaders)
    if chunk > 0 {
        let pieces = parse(stream, chunk: chunk, maxLine: maxLine, maxHeaders: maxHeaders)
        check(pieces == whole, "reads of \(chunk) bytes change the outcome")
    }
    if let error = whole.error { check(error.kind == .protocolViolation, "error kind \(error.kind)") }
    if let banner = whole.banner { check(banner.hasPrefix("Asterisk Call Manager/"), "banner \(banner)") }
    if !whole.messages.isEmpty { check(whole.banner != nil, "messages before the banner") }

    var rendered = Array(((whole.banner ?? "") + "\r\n").utf8)
    var roundTrips = true
    for message in whole.messages {
        check(!message.headers.isEmpty && message.headers.count <= maxHeaders, "\(message.headers.count) headers")
        for header in message.headers {
            check(!header.name.utf8.contains(0x0A) && !header.value.utf8.contains(0x0A), "a header holds a line feed")
            check(header.name.utf8.count + header.value.utf8.count <= maxLine * 3, "a header beyond the line limit")  // U+FFFD: 3 bytes
            if header.name.utf8.contains(0x0D) || header.value.utf8.contains(0x0D) { roundTrips = false }
            if header.name.utf8.contains(0x3A) { check(false, "a name holds a colon") }
        }
        let encoded = message.encoded()
        check(encoded.suffix(4) == [0x0D, 0x0A, 0x0D, 0x0A] || message.headers.isEmpty, "encoding does not end the block")
        rendered += encoded
        let lines = message.description.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        check(lines.count == message.headers.count, "description has \(lines.count) lines for \(message.headers.count) headers")
        for (line, header) in zip(lines, message.headers) where isHidden(header.name) {
            check(line == String(decoding: Array("\(header.name): ***".utf8), as: UTF8.self), "description shows a \(header.name) value")
        }
        _ = message.channelVariables
        _ = (message.eventName, message.response, message.actionID, message.message)
    }
    if whole.banner != nil, roundTrips {
        // Encoding makes a line at most two bytes longer (`name: ` for a line without a colon)
        // and a replacement character for an invalid byte takes three bytes.
        let again = parse(rendered[...], chunk: 0, maxLine: maxLine * 3 + 2, maxHeaders: maxHeaders)
        check(again.error == nil, "own encoding refused: \(String(describing: again.error))")
        check(again.messages == whole.messages, "encode -> parse changed the messages")
    }
    return 0
}

/// `Secret` and `Key`, compared as AMIMessage compares names (ASCII case-insensitive only).
private func isHidden(_ name: String) -> Bool {
    let lower = String(decoding: name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    return lower == "secret" || lower == "key"
}
