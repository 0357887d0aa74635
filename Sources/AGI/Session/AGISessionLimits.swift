/// Per-session limits. Every wait has one.
public struct AGISessionLimits: Sendable, Equatable {
    /// Longest accepted inbound line in bytes (without `\n`); longer ones close the session.
    public var maxLineLength: Int
    /// Largest accepted environment block in bytes.
    public var maxEnvironmentBytes: Int
    /// Time allowed for the whole environment block to arrive after the connection starts.
    public var environmentTimeout: Duration
    /// Added to a command's own timeout (digit wait, `send(_:timeout:)`) to get the reply deadline.
    public var replyTimeoutSlack: Duration
    /// Reply deadline for commands without an own timeout (and for indefinite waits).
    public var defaultReplyTimeout: Duration

    public init(
        maxLineLength: Int = 8192,
        maxEnvironmentBytes: Int = 65_536,
        environmentTimeout: Duration = .seconds(10),
        replyTimeoutSlack: Duration = .seconds(30),
        defaultReplyTimeout: Duration = .seconds(60)
    ) {
        self.maxLineLength = maxLineLength
        self.maxEnvironmentBytes = maxEnvironmentBytes
        self.environmentTimeout = environmentTimeout
        self.replyTimeoutSlack = replyTimeoutSlack
        self.defaultReplyTimeout = defaultReplyTimeout
    }
}
