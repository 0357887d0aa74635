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
    /// `result` as an ASCII digit code: 0 = none, otherwise the digit's character.
    var digitFromResult: Character? {
        guard let value = resultValue, value > 0, let scalar = Unicode.Scalar(UInt32(value)) else { return nil }
        return Character(scalar)
    }
}
