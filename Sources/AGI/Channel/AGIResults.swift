/// The outcome of STREAM FILE, CONTROL STREAM FILE and GET OPTION.
public struct AGIPlayback: Sendable, Equatable {
    /// The escape digit that stopped playback, if any.
    public var digit: Character?
    /// Where playback stopped, in 8 kHz samples (`endpos=`).
    public var endpos: Int
    /// The file could not be played (missing file: `result=-1 endpos=0` while the channel is up).
    /// Asterisk then ends the AGI with AGISTATUS=FAILURE; check prompt files exist.
    public var failed: Bool

    public init(digit: Character? = nil, endpos: Int = 0, failed: Bool = false) {
        self.digit = digit
        self.endpos = endpos
        self.failed = failed
    }
}

/// The outcome of GET DATA.
public struct AGIDigits: Sendable, Equatable {
    /// The digits typed, without the terminating `#`.
    public var digits: String
    /// The caller stopped typing and the digit timeout ran out (`(timeout)` in the reply).
    public var timedOut: Bool

    public init(digits: String, timedOut: Bool) {
        self.digits = digits
        self.timedOut = timedOut
    }
}

extension AGIResponse {
    /// The DTMF keys Asterisk reports as their ASCII code in `result=` (0-9, *, #, A-D).
    static let dtmfKeys: Set<Character> = Set("0123456789*#ABCDabcd")

    /// `result` as an ASCII digit code: 0 = none, otherwise the key's character.
    ///
    /// The number comes from the peer: anything that is not the code of a DTMF key (for example
    /// `result=5000000000`, beyond `UInt32`) is a protocol violation of this session only, never
    /// a trap of the process.
    func digitFromResult(_ command: String) throws(AGIError) -> Character? {
        guard let value = resultValue else {
            throw AGIError(.protocolViolation, "\(command) reply without a numeric result")
        }
        if value == 0 { return nil }
        guard (1...127).contains(value), let scalar = Unicode.Scalar(UInt32(value)),
              Self.dtmfKeys.contains(Character(scalar)) else {
            throw AGIError(.protocolViolation, "\(command) reply result=\(result.prefix(24)) is not the code of a DTMF key")
        }
        return Character(scalar)
    }
}
