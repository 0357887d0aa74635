/// DTMF the fake caller sends at a point in call time.
public struct FakeKeypress: Sendable, Equatable {
    /// Call time (since the AGI connection started) of the first digit, before `timeScale`.
    public var at: Duration
    /// Digits `0-9*#A-D`, sent one after another.
    public var digits: String
    /// Time between two digits (tone plus pause; Asterisk's SendDTMF(…,250) is about 350 ms).
    public var gap: Duration
    /// If set, `at` counts from the moment the first command starting with this text
    /// (case-insensitive, e.g. `"GET DATA"`) starts, instead of from the call's start.
    /// Tests use it so that a slow machine cannot make the caller type too early.
    public var afterCommand: String?
    /// With `afterCommand`: the n-th command with that prefix starts the clock (1 = the first),
    /// e.g. the answer to the second `GET DATA ciba/retry-offer`.
    public var afterOccurrence: Int

    public init(at: Duration, digits: String, gap: Duration = .milliseconds(350), afterCommand: String? = nil,
                afterOccurrence: Int = 1) {
        self.at = at
        self.digits = digits
        self.gap = gap
        self.afterCommand = afterCommand
        self.afterOccurrence = afterOccurrence
    }
}

/// What the caller and the dialplan do in a simulated call (see `FakeAsterisk`).
public struct FakeCall: Sendable {
    /// The AGI URL's path and query, e.g. `"caller-auth?lang=sv"`.
    public var script: String
    /// The AGI() arguments after the URL (`agi_arg_1` ...).
    public var arguments: [String]
    /// Overrides or additions to the environment block, keyed with or without `agi_`
    /// (e.g. `"callerid": "0701234567"`). Unknown keys are sent after `agi_threadid`.
    public var environment: [String: String]
    /// Channel variables set before the AGI starts (e.g. `CIBA_ID_NUMBER`).
    public var variables: [String: String]
    /// Whether the dialplan answered before AGI(); if not, ANSWER takes 500 ms and
    /// CHANNEL STATUS says 4.
    public var answered: Bool
    /// DTMF in call time. Digits arriving while no digit-reading command runs are lost, as in Asterisk.
    public var keypresses: [FakeKeypress]
    /// The caller hangs up at this call time (before `timeScale`).
    public var hangupAt: Duration?
    /// If set, `hangupAt` counts from the start of the first command starting with this text.
    public var hangupAfterCommand: String?
    /// Sound files that do not exist (STREAM FILE answers `result=-1 endpos=0`).
    public var missingSoundFiles: Set<String>
    /// If set, only these sound files exist (plus Asterisk's `beep`, `digits/*`, `letters/*`).
    public var knownSoundFiles: Set<String>?
    /// Playback length of sound files; unknown files play for `defaultSoundDuration`.
    public var soundDurations: [String: Duration]
    public var defaultSoundDuration: Duration
    /// Multiplies every Asterisk-side wait (digit timeouts, playback, keypress and hang-up
    /// times). `0.01` runs a 30-second call in 0.3 s.
    public var timeScale: Double
    /// `CHANNEL(linkedid)`: the linkedid of the call this channel belongs to (an agent's leg
    /// shares the caller's). nil = the channel's own `agi_uniqueid`, as Asterisk gives a call's first channel.
    public var linkedID: String?

    public init(
        script: String, arguments: [String] = [], environment: [String: String] = [:],
        variables: [String: String] = [:], answered: Bool = true, keypresses: [FakeKeypress] = [],
        hangupAt: Duration? = nil, hangupAfterCommand: String? = nil, missingSoundFiles: Set<String> = [], knownSoundFiles: Set<String>? = nil,
        soundDurations: [String: Duration] = [:], defaultSoundDuration: Duration = .seconds(2),
        timeScale: Double = 1.0, linkedID: String? = nil
    ) {
        self.script = script
        self.arguments = arguments
        self.environment = environment
        self.variables = variables
        self.answered = answered
        self.keypresses = keypresses
        self.hangupAt = hangupAt
        self.hangupAfterCommand = hangupAfterCommand
        self.missingSoundFiles = missingSoundFiles
        self.knownSoundFiles = knownSoundFiles
        self.soundDurations = soundDurations
        self.defaultSoundDuration = defaultSoundDuration
        self.timeScale = timeScale
        self.linkedID = linkedID
    }

    /// Whether STREAM FILE / GET DATA can play `file`.
    public func soundExists(_ file: String) -> Bool {
        if missingSoundFiles.contains(file) { return false }
        guard let known = knownSoundFiles else { return true }
        return known.contains(file) || file == "beep" || file.hasPrefix("digits/") || file.hasPrefix("letters/")
    }

    /// How long `file` plays (unscaled). `beep` is 3404 samples as on real Asterisk.
    public func soundDuration(_ file: String) -> Duration {
        if let duration = soundDurations[file] { return duration }
        switch file {
        case "beep": return .microseconds(425_500)
        case "demo-congrats": return .seconds(30)
        default: return defaultSoundDuration
        }
    }
}
