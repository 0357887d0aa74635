// fuzz-modules: AGI AGITesting
// fuzz-options: -max_len=2048
//
// What Asterisk sends after a command: lines -> AGIReplyAssembler -> AGIResponse
// (Sources/AGI/Protocol), plus the command encoder the other way round. The input is split
// into lines at `\n`; every line goes to a fresh-or-continuing assembler as in a session.
//
// Invariants beyond "no crash":
// - the byte path (consume(bytes:), the session's) and the Substring path give the same steps;
// - the byte-level fast path for `200 result=` lines, when it answers, equals the general parser;
// - a reply's code is 100...599, a 520 usage reply holds no more lines than were fed;
// - render -> parse round-trips for 200 replies: `200 result=R[ (D)][ endpos=N]` built from
//   the parsed fields parses to the same result, data and endpos (timedOut is then exactly
//   "data is `timeout` and nothing else followed");
// - the conversions the channel applies to peer numbers (digitFromResult, resultValue,
//   requireSuccess) never trap;
// - commands: the input's first line split into words as Asterisk does, encoded with
//   AGICommand, fits Asterisk's buffer, holds no line break, and Asterisk's split of the
//   encoded line gives back the same words.
@testable import AGI
import AGITesting

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAGIReply(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = fuzzInput(data, size)
    let lines = input.split(separator: 0x0A, omittingEmptySubsequences: false)
    var bytesAssembler = AGIReplyAssembler()
    var textAssembler = AGIReplyAssembler()
    var linesInReply = 0
    for line in lines {
        linesInReply += 1
        let step = bytesAssembler.consume(bytes: line)
        let text = String(decoding: line, as: UTF8.self)
        let textStep = textAssembler.consume(Substring(text))
        if String(validating: line, as: UTF8.self) != nil {
            check(step == textStep, "byte path \(step) != Substring path \(textStep)")
        }
        guard case .reply(let result) = step else { continue }
        if case .success(let response) = result { checkResponse(response, lines: linesInReply) }
        bytesAssembler = AGIReplyAssembler()
        textAssembler = AGIReplyAssembler()
        linesInReply = 0
    }
    if let first = lines.first { checkSingleLine(first) }
    if let first = lines.first { checkCommandRoundTrip(String(decoding: first, as: UTF8.self)) }
    return 0
}

private func checkResponse(_ response: AGIResponse, lines: Int) {
    check((100...599).contains(response.code), "status \(response.code)")
    check(response.usage.count < lines, "\(response.usage.count) usage lines from \(lines) lines")
    _ = try? response.digitFromResult("fuzz")
    _ = response.resultValue
    _ = try? response.requireSuccess()
}

/// The fast path against the general parser, and the render -> parse round trip.
private func checkSingleLine(_ raw: ArraySlice<UInt8>) {
    var line = Array(raw)
    if line.last == 0x0D { line.removeLast() }
    let general = try? AGIResponse.parse(Substring(String(decoding: line, as: UTF8.self)))
    line.withUnsafeBufferPointer { buffer in
        if let fast = AGIResponse.parseCommonReply(buffer) {
            check(fast == general, "fast path \(fast) != general parser \(String(describing: general))")
        }
        let viaBytes = try? AGIResponse.parse(bytes: buffer)
        check(viaBytes == general, "parse(bytes:) != parse(_:)")
    }
    guard let response = general else { return }
    checkResponse(response, lines: 1)
    guard response.code == 200, response.line.hasPrefix("200 result=") else { return }
    var rendered = "200 result=" + response.result
    if let data = response.data { rendered += " (" + data + ")" }
    if let endpos = response.endpos { rendered += " endpos=\(endpos)" }
    guard let again = try? AGIResponse.parse(Substring(rendered)) else {
        check(false, "rendered reply does not parse: \(rendered)"); return
    }
    check(again.result == response.result && again.data == response.data && again.endpos == response.endpos,
          "round trip: \(response) -> \(rendered) -> \(again)")
    check(again.timedOut == (response.data == "timeout" && response.endpos == nil), "timedOut after round trip")
}

private func checkCommandRoundTrip(_ line: String) {
    let words = AsteriskArgumentParser.split(line)
    guard !words.isEmpty else { return }
    let command = AGICommand(words)
    guard let encoded = try? command.encodedLine() else {
        let breaking = words.contains { $0.utf8.contains { $0 == 0x0A || $0 == 0x0D || $0 == 0x00 } }
        check(breaking || command.line.utf8.count > AGICommand.maxLineBytes, "a sendable command was refused")
        return
    }
    check(encoded.count <= AGICommand.maxLineBytes + 1, "encoded line of \(encoded.count) bytes")
    check(encoded.last == 0x0A && !encoded.dropLast().contains(0x0A) && !encoded.contains(0x0D), "line break inside")
    check(Array(encoded.dropLast()) == Array(command.line.utf8), "encodedLine differs from line")
    let decoded = AsteriskArgumentParser.split(String(decoding: encoded.dropLast(), as: UTF8.self))
    check(decoded == words, "Asterisk reads \(decoded) for \(words)")
}
