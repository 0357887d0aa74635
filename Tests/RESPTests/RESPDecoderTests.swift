import Testing
@testable import RESP

@Suite("RESP decoder")
struct RESPDecoderTests {
    func decode(_ text: String, limits: RESPLimits = RESPLimits()) throws -> [RESPValue] {
        let (values, rest) = try RESPDecoder.decodeAll(Array(text.utf8), limits: limits)
        #expect(rest == 0, "unconsumed bytes")
        return values
    }

    func failure(_ text: String, limits: RESPLimits = RESPLimits()) -> RESPProtocolError? {
        do {
            _ = try RESPDecoder.decodeAll(Array(text.utf8), limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func resp2Types() throws {
        let values = try decode("+OK\r\n-ERR bad thing\r\n:42\r\n:-9223372036854775808\r\n$5\r\nhe\r\nl\r\n$0\r\n\r\n$-1\r\n*-1\r\n*2\r\n$1\r\na\r\n:1\r\n")
        #expect(values == [.simpleString("OK"), .error("ERR bad thing"), .integer(42), .integer(.min),
                           .bulkString(Array("he\r\nl".utf8)), .bulkString([]), .null, .null,
                           .array([.bulkString([97]), .integer(1)])])
    }

    @Test func resp3Types() throws {
        let values = try decode("_\r\n#t\r\n#f\r\n,3.5\r\n,-inf\r\n(123456789012345678901234567890\r\n!3\r\nERR\r\n=7\r\ntxt:abc\r\n%1\r\n+k\r\n:1\r\n~1\r\n:2\r\n>2\r\n+message\r\n+x\r\n")
        #expect(values == [.null, .boolean(true), .boolean(false), .double(3.5), .double(-.infinity),
                           .bigNumber("123456789012345678901234567890"), .error("ERR"), .bulkString(Array("abc".utf8)),
                           .map([.simpleString("k"), .integer(1)]), .set([.integer(2)]),
                           .push([.simpleString("message"), .simpleString("x")])])
    }

    @Test func byteAtATimeGivesTheSameValues() throws {
        let wire = "*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$12\r\nhello\r\nworld\r\n:7\r\n"
        var decoder = RESPDecoder()
        var values: [RESPValue] = []
        for byte in wire.utf8 {
            decoder.append([byte])
            while let value = try decoder.next() { values.append(value) }
        }
        #expect(values == (try decode(wire)))
        #expect(decoder.bufferedByteCount == 0)
    }

    /// The decoder resumes a nested value where the last read ended (it used to parse it again
    /// from its first byte, quadratic in its size). Whatever the read size, the values, the
    /// error and its offset are those of one read, also when the consumed bytes before an open
    /// aggregate are compacted away (more than 4,096 of them) while it is still arriving.
    @Test func nestedValuesSplitAnywhereGiveWhatOneReadGives() throws {
        let nested = "*3\r\n*2\r\n:1\r\n$3\r\nabc\r\n%1\r\n+k\r\n~2\r\n#t\r\n*0\r\n>2\r\n*-1\r\n$-1\r\n"
        let prefix = String(repeating: ":1\r\n", count: 1_500)  // 6,000 bytes consumed first
        let good = prefix + nested + nested + "_\r\n"
        let bad = prefix + nested + "*2\r\n*1\r\n:1\r\n:x\r\n"
        for wire in [good, bad] {
            let bytes = Array(wire.utf8)
            let whole = Self.decodeInReads(bytes, size: bytes.count)
            #expect(whole.values.count == (wire == good ? 1_503 : 1_501))
            for size in [1, 2, 3, 5, 7, 13, 64, 4_097] {
                let split = Self.decodeInReads(bytes, size: size)
                #expect(split.values == whole.values, "read size \(size)")
                #expect(split.error == whole.error, "read size \(size)")
                #expect(split.buffered == whole.buffered, "read size \(size)")
            }
        }
        #expect(Self.decodeInReads(Array(bad.utf8), size: 1).error?.offset == 13)
    }

    private static func decodeInReads(_ bytes: [UInt8], size: Int) -> (values: [RESPValue], error: RESPProtocolError?, buffered: Int) {
        var decoder = RESPDecoder()
        var values: [RESPValue] = []
        var offset = 0
        while offset < bytes.count {
            decoder.append(bytes[offset..<min(offset + size, bytes.count)])
            offset += size
            do throws(RESPProtocolError) {
                while let value = try decoder.next() { values.append(value) }
            } catch {
                return (values, error, decoder.bufferedByteCount)
            }
        }
        return (values, nil, decoder.bufferedByteCount)
    }

    @Test func incompleteIsNotAnError() throws {
        for prefix in ["", "+OK", "+OK\r", "$5\r\nhel", "$5\r\nhello\r", "*2\r\n:1\r\n", ":12"] {
            let (values, rest) = try RESPDecoder.decodeAll(Array(prefix.utf8))
            #expect(values.isEmpty)
            #expect(rest == prefix.utf8.count)
        }
    }

    @Test func roundTripThroughTheEncoder() throws {
        let values: [RESPValue] = [.simpleString("PONG"), .error("WRONGTYPE x"), .integer(-5), .bulkString([0, 13, 10, 255]), .null,
                                   .array([.array([]), .bulkString([]), .integer(0)]), .boolean(true), .double(1.25),
                                   .map([.bulkString([1]), .null]), .set([]), .push([.integer(1)])]
        var wire: [UInt8] = []
        for value in values { RESPEncoder.append(value, to: &wire) }
        #expect(try RESPDecoder.decodeAll(wire).values == values)
    }

    @Test func commandEncoding() {
        let bytes = RESPEncoder.encode([RedisCommand("SET", ["k", "v w"]), RedisCommand("PING")])
        #expect(String(decoding: bytes, as: UTF8.self) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv w\r\n*1\r\n$4\r\nPING\r\n")
        #expect(RedisCommand("evalsha", ["x"]).name == "EVALSHA")
    }

    // MARK: - Hostile input

    @Test func malformedInputIsAClearError() {
        let cases = ["?x\r\n", ":12a\r\n", ":\r\n", ":-\r\n", ":99999999999999999999\r\n", ":9223372036854775808\r\n",
                     "$-2\r\n", "$5\r\nhelloXY", "*-5\r\n", "+bad\nline\r\n", "+a\rb\r\n", "#x\r\n", "#tt\r\n",
                     ",abc\r\n", ",\r\n", "(12a\r\n", "(\r\n", "_x\r\n", "=2\r\nab\r\n", "|1\r\n+a\r\n+b\r\n",
                     ":+5\r\n", ": 5\r\n", "$+3\r\nabc\r\n", "~-1\r\n", "%-1\r\n", "$-1x\r\n"]
        for text in cases {
            let error = failure(text)
            #expect(error?.kind == .malformed, "\(text.debugDescription) gave \(String(describing: error))")
        }
    }

    @Test func announcedSizesAreCheckedBeforeWaiting() {
        let limits = RESPLimits(maximumBulkLength: 1024, maximumElementCount: 100, maximumDepth: 4, maximumLineLength: 64)
        // Nothing beyond the header arrived: still refused at once, no allocation.
        #expect(failure("$2147483647\r\n", limits: limits)?.kind == .tooLarge)
        #expect(failure("$1025\r\n", limits: limits)?.kind == .tooLarge)
        #expect(failure("*101\r\n", limits: limits)?.kind == .tooLarge)
        #expect(failure("%51\r\n", limits: limits)?.kind == .tooLarge)
        #expect(failure("*9223372036854775807\r\n")?.kind == .tooLarge)
        #expect(failure("+" + String(repeating: "a", count: 65) + "\r\n", limits: limits)?.kind == .tooLarge)
        // A line that never ends is refused once it passes the limit, not buffered forever.
        #expect(failure("+" + String(repeating: "a", count: 100), limits: limits)?.kind == .tooLarge)
        #expect(failure("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", limits: limits)?.kind == .tooDeep)
        #expect((try? RESPDecoder.decodeAll(Array("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n".utf8), limits: limits)) != nil)
    }

    @Test func deepNestingDoesNotOverflowTheStack() {
        let wire = String(repeating: "*1\r\n", count: 100_000) + ":1\r\n"
        #expect(failure(wire)?.kind == .tooDeep)
    }

    @Test func afterAnErrorTheDecoderStaysFailed() throws {
        var decoder = RESPDecoder()
        decoder.append(Array("?\r\n+OK\r\n".utf8))
        #expect(throws: RESPProtocolError.self) { try decoder.next() }
        #expect(throws: RESPProtocolError.self) { try decoder.next() }
    }

    @Test func errorsNameOffsetsNotPayload() {
        let error = failure("$6\r\nsecretXX")
        #expect(error?.kind == .malformed)
        #expect(error.map { !$0.description.contains("secret") } == true)
        #expect(error?.offset == 10)
    }

    /// Deterministic pseudo-random garbage and mutations of valid replies: the decoder returns
    /// values or throws, never traps, never loops.
    @Test func randomAndMutatedInputNeverTraps() throws {
        var rng = SplitMix(seed: 0x5EED)
        let valid = Array("*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n%1\r\n+k\r\n~2\r\n,1.5\r\n#t\r\n".utf8)
        let alphabet = Array("*$:+-_#,(!=%~>|\r\n0123456789-abc".utf8)
        // 2,000 rounds: each refusal is a thrown error, and Swift Testing records a backtrace
        // for every throw, so many more would hold a thread of the 2-thread cooperative pool for
        // seconds. The RESP fuzz target (Tests/Fuzzing) runs millions of inputs instead.
        for round in 0..<2_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(rng.next() % 40)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            } else {
                bytes = valid
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            var decoder = RESPDecoder(limits: RESPLimits(maximumBulkLength: 4096, maximumElementCount: 64, maximumDepth: 8, maximumLineLength: 128))
            decoder.append(bytes)
            var steps = 0
            do {
                while try decoder.next() != nil { steps += 1; #expect(steps <= bytes.count) }
            } catch {
                #expect(!error.reason.isEmpty)
            }
        }
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
