// fuzz-modules: RESP
// fuzz-options: -max_len=4096
//
// The RESP2/RESP3 decoder the Redis client runs on every byte the server sends
// (Sources/RESP/Protocol/RESPDecoder.swift). The first input byte picks the limits (high bit:
// small ones, so tooLarge/tooDeep are reached) and the read size (low bits: 0 = one chunk).
//
// Invariants beyond "no crash":
// - bytes arriving in chunks give exactly what one chunk gives: the same values, then the same
//   error (kind, reason, offset) or the same count of bytes left waiting;
// - after an error every later `next()` throws the same error (the stream is dead);
// - decoded values respect the limits (bulk length, element count, depth);
// - the bytes are accounted for: values consumed + bytes still buffered = input;
// - encode -> decode round-trips every decoded value (simple strings and errors holding a
//   CR or LF, which only a `!` blob error can carry, and NaN are left out of the comparison);
// - an error's offset lies inside the bytes given, its reason holds no payload bytes.
import RESP

private struct Outcome: Equatable {
    var values: [RESPValue] = []
    var error: RESPProtocolError?
    var buffered = 0
}

private func decode(_ bytes: ArraySlice<UInt8>, chunk: Int, limits: RESPLimits) -> Outcome {
    var decoder = RESPDecoder(limits: limits)
    var outcome = Outcome()
    var start = bytes.startIndex
    repeat {
        let end = chunk == 0 ? bytes.endIndex : min(start + chunk, bytes.endIndex)
        decoder.append(bytes[start..<end])
        start = end
        do throws(RESPProtocolError) {
            while let value = try decoder.next() { outcome.values.append(value) }
        } catch {
            outcome.error = error
            do throws(RESPProtocolError) {
                _ = try decoder.next()
                check(false, "next() after an error did not throw")
            } catch let again { check(again == error, "a later next() threw \(again) after \(error)") }
            break
        }
    } while start < bytes.endIndex
    outcome.buffered = outcome.error == nil ? decoder.bufferedByteCount : 0
    return outcome
}

private func depth(_ value: RESPValue) -> Int {
    switch value {
    case .array(let items), .set(let items), .push(let items), .map(let items): 1 + (items.map(depth).max() ?? 0)
    default: 0
    }
}

private func checkLimits(_ value: RESPValue, _ limits: RESPLimits) {
    switch value {
    case .bulkString(let bytes): check(bytes.count <= limits.maximumBulkLength, "bulk of \(bytes.count) bytes")
    case .array(let items), .set(let items), .push(let items), .map(let items):
        check(items.count <= limits.maximumElementCount, "\(items.count) elements")
        for item in items { checkLimits(item, limits) }
    case .simpleString(let text), .error(let text), .bigNumber(let text):
        _ = text
    default: break
    }
}

/// Whether the encoder can write `value` so that it decodes to the same value.
private func comparable(_ value: RESPValue) -> Bool {
    switch value {
    case .simpleString(let text), .error(let text): !text.utf8.contains { $0 == 13 || $0 == 10 }
    case .double(let d): !d.isNaN
    case .array(let items), .set(let items), .push(let items), .map(let items): items.allSatisfy(comparable)
    default: true
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    let limits = first & 0x80 == 0 ? RESPLimits()
        : RESPLimits(maximumBulkLength: 64, maximumElementCount: 8, maximumDepth: 3, maximumLineLength: 32)
    let chunk = Int(first & 0x0F)
    let stream = input[1...]
    let whole = decode(stream, chunk: 0, limits: limits)
    if chunk > 0 {
        let pieces = decode(stream, chunk: chunk, limits: limits)
        check(pieces == whole, "chunks of \(chunk) bytes: \(pieces) != \(whole)")
    }
    do {
        let all = try RESPDecoder.decodeAll(Array(stream), limits: limits)
        check(whole.error == nil && all.values == whole.values && all.incompleteBytes == whole.buffered, "decodeAll differs")
    } catch {
        check(error == whole.error, "decodeAll threw \(error), next() \(String(describing: whole.error))")
    }

    var consumed = 0
    for value in whole.values {
        check(depth(value) <= limits.maximumDepth + 1, "nesting \(depth(value)) with limit \(limits.maximumDepth)")
        checkLimits(value, limits)
        let encoded = RESPEncoder.encode(value)
        consumed += encoded.count
        guard comparable(value) else { continue }
        do {
            let again = try RESPDecoder.decodeAll(encoded)
            check(again.values == [value] && again.incompleteBytes == 0, "encode -> decode: \(value) -> \(again.values)")
        } catch {
            check(false, "own encoding of \(value) refused: \(error)")
        }
    }
    if let error = whole.error {
        check(error.offset >= 0 && error.offset <= stream.count, "error offset \(error.offset) of \(stream.count) bytes")
        check(!error.reason.isEmpty && error.reason.utf8.count < 100, "reason \(error.reason)")
    } else {
        check(whole.buffered <= stream.count, "\(whole.buffered) buffered of \(stream.count)")
    }
    return 0
}
