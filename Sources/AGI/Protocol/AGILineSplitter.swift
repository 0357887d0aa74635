/// Splits inbound bytes into `\n`-terminated lines, enforcing a maximum line length.
///
/// Bytes are decoded as UTF-8 with invalid sequences replaced by U+FFFD, so a peer that
/// sends Latin-1 or garbage gets readable lines instead of a crash. A line longer than
/// `maxLineLength` bytes (not counting `\n`) is an error as soon as it is known, even
/// before its `\n` arrives, so a peer cannot make us buffer without limit.
public struct AGILineSplitter: Sendable {
    public let maxLineLength: Int
    private var partial: [UInt8] = []

    public init(maxLineLength: Int = 8192) {
        self.maxLineLength = maxLineLength
    }

    /// Bytes held from an incomplete line.
    public var bufferedByteCount: Int { partial.count }

    /// Feeds a chunk; calls `onLine` for each complete line, in order. Stops early
    /// (returning) when `onLine` returns `false`; the rest of the chunk is dropped.
    public mutating func append(
        _ chunk: ArraySlice<UInt8>, _ onLine: (String) -> Bool
    ) throws(AGIError) {
        var start = chunk.startIndex
        var index = start
        let end = chunk.endIndex
        while index < end {
            if chunk[index] == 0x0A {
                let line: String
                if partial.isEmpty {
                    guard index - start <= maxLineLength else { throw tooLong(index - start) }
                    line = String(decoding: chunk[start..<index], as: UTF8.self)
                } else {
                    guard partial.count + (index - start) <= maxLineLength else {
                        throw tooLong(partial.count + index - start)
                    }
                    partial.append(contentsOf: chunk[start..<index])
                    line = String(decoding: partial, as: UTF8.self)
                    partial.removeAll(keepingCapacity: true)
                }
                start = index + 1
                if !onLine(line) { return }
            }
            index += 1
        }
        if start < end {
            guard partial.count + (end - start) <= maxLineLength else { throw tooLong(partial.count + end - start) }
            partial.append(contentsOf: chunk[start..<end])
        }
    }

    /// Feeds a chunk; calls `onLine` with the raw bytes of each complete line (without its
    /// `\n`), in order, without decoding them. The slice is only valid during the call.
    /// Stops early (returning) when `onLine` returns `false`; the rest of the chunk is dropped.
    ///
    /// This is the hot path of a session: the parsers look at bytes and create Strings only
    /// for the parts they keep.
    public mutating func appendBytes(
        _ chunk: ArraySlice<UInt8>, _ onLine: (ArraySlice<UInt8>) -> Bool
    ) throws(AGIError) {
        var start = chunk.startIndex
        let end = chunk.endIndex
        while start < end {
            guard let newline = chunk[start..<end].firstIndex(of: 0x0A) else { break }
            if partial.isEmpty {
                guard newline - start <= maxLineLength else { throw tooLong(newline - start) }
                let keepGoing = onLine(chunk[start..<newline])
                start = newline + 1
                if !keepGoing { return }
            } else {
                guard partial.count + (newline - start) <= maxLineLength else {
                    throw tooLong(partial.count + newline - start)
                }
                partial.append(contentsOf: chunk[start..<newline])
                let keepGoing = onLine(partial[...])
                partial.removeAll(keepingCapacity: true)
                start = newline + 1
                if !keepGoing { return }
            }
        }
        if start < end {
            guard partial.count + (end - start) <= maxLineLength else { throw tooLong(partial.count + end - start) }
            partial.append(contentsOf: chunk[start..<end])
        }
    }

    private func tooLong(_ count: Int) -> AGIError {
        AGIError(.lineTooLong, "inbound line longer than \(maxLineLength) bytes (at least \(count))")
    }
}
