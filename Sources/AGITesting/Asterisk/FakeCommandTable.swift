/// The AGI commands Asterisk 22 knows (`agi show commands`), whether they run on a dead
/// channel, and the usage text a 520 reply carries.
struct FakeCommandSpec: Sendable {
    let words: [String]     // lower case
    let dead: Bool
    let usage: String

    var name: String { words.joined(separator: " ") }
}

enum FakeCommandTable {
    static let commands: [FakeCommandSpec] = [
        spec("answer", false, "Answers channel if not already in answer state. Returns <literal>-1</literal> on channel failure, or <literal>0</literal> if successful."),
        spec("asyncagi break", true, "Interrupts expected flow of Async AGI commands and returns control to previous source (typically, the PBX dialplan)."),
        spec("channel status", false, "Returns the status of the specified <replaceable>channelname</replaceable>. If no channel name is given then returns the status of the current channel."),
        spec("database del", true, "Deletes an entry in the Asterisk database for a given <replaceable>family</replaceable> and <replaceable>key</replaceable>."),
        spec("database deltree", true, "Deletes a <replaceable>family</replaceable> or specific <replaceable>keytree</replaceable> within a <replaceable>family</replaceable> in the Asterisk database."),
        spec("database get", true, "Retrieves an entry in the Asterisk database for a given <replaceable>family</replaceable> and <replaceable>key</replaceable>."),
        spec("database put", true, "Adds or updates an entry in the Asterisk database for a given <replaceable>family</replaceable>, <replaceable>key</replaceable>, and <replaceable>value</replaceable>."),
        spec("exec", true, "Executes <replaceable>application</replaceable> with given <replaceable>options</replaceable>."),
        spec("get data", false, "Stream the given <replaceable>file</replaceable>, and receive DTMF data."),
        spec("get full variable", true, "Evaluates the given <replaceable>expression</replaceable> against the channel specified by <replaceable>variablename</replaceable>, or the current channel if <replaceable>channelname</replaceable> is not provided."),
        spec("get option", false, "Behaves similar to STREAM FILE but used with a timeout option."),
        spec("get variable", true, "Returns <literal>0</literal> if <replaceable>variablename</replaceable> is not set. Returns <literal>1</literal> if <replaceable>variablename</replaceable> is set and returns the variable in parentheses."),
        spec("hangup", false, "Hangs up the specified channel. If no channel name is given, hangs up the current channel"),
        spec("noop", true, "Does nothing."),
        spec("receive char", false, "Receives a character of text on a channel."),
        spec("receive text", false, "Receives a string of text on a channel."),
        spec("record file", false, "Record to a file until a given dtmf digit in the sequence is received."),
        spec("say alpha", false, "Say a given character string, returning early if any of the given DTMF digits are received on the channel."),
        spec("say digits", false, "Say a given digit string, returning early if any of the given DTMF digits are received on the channel."),
        spec("say number", false, "Say a given number, returning early if any of the given DTMF digits are received on the channel."),
        spec("say phonetic", false, "Say a given character string with phonetics, returning early if any of the given DTMF digits are received on the channel."),
        spec("say date", false, "Say a given date, returning early if any of the given DTMF digits are received on the channel."),
        spec("say time", false, "Say a given time, returning early if any of the given DTMF digits are received on the channel."),
        spec("say datetime", false, "Say a given time, returning early if any of the given DTMF digits are received on the channel."),
        spec("send image", false, "Sends the given image on a channel."),
        spec("send text", false, "Sends the given text on a channel."),
        spec("set autohangup", false, "Cause the channel to automatically hangup at <replaceable>time</replaceable> seconds in the future."),
        spec("set callerid", false, "Changes the callerid of the current channel."),
        spec("set context", false, "Sets the context for continuation upon exiting the application."),
        spec("set extension", false, "Changes the extension for continuation upon exiting the application."),
        spec("set music", false, "Enables/Disables the music on hold generator. If <replaceable>class</replaceable> is not specified, then the <literal>default</literal> music on hold class will be used."),
        spec("set priority", false, "Changes the priority for continuation upon exiting the application."),
        spec("set variable", true, "Sets a variable to the current channel."),
        spec("stream file", false, "Send the given file, allowing playback to be interrupted by the given digits, if any."),
        spec("control stream file", false, "Send the given file, allowing playback to be controlled by the given digits, if any."),
        spec("tdd mode", false, "Enable/Disable TDD transmission/reception on a channel."),
        spec("verbose", true, "Sends <replaceable>message</replaceable> to the console via verbose message system. <replaceable>level</replaceable> is the verbose level (1-4)."),
        spec("wait for digit", false, "Waits up to <replaceable>timeout</replaceable> milliseconds for channel to receive a DTMF digit. Returns <literal>-1</literal> on channel failure, <literal>0</literal> if no digit is received in the timeout, or the numerical value of the ascii of the digit if one is received. Use <literal>-1</literal> for the <replaceable>timeout</replaceable> value if you desire the call to block indefinitely."),
        spec("speech create", false, "Create a speech object to be used by the other Speech AGI commands."),
        spec("speech set", false, "Set an engine-specific setting."),
        spec("speech destroy", true, "Destroy the speech object created by <literal>SPEECH CREATE</literal>."),
        spec("speech load grammar", false, "Loads the specified grammar as the specified name."),
        spec("speech unload grammar", true, "Unloads the specified grammar."),
        spec("speech activate grammar", false, "Activates the specified grammar on the speech object."),
        spec("speech deactivate grammar", false, "Deactivates the specified grammar on the speech object."),
        spec("speech recognize", false, "Plays back given <replaceable>prompt</replaceable> while listening for speech and dtmf."),
        spec("gosub", false, "Cause the channel to execute the specified dialplan subroutine, returning to the dialplan with execution of a Return()."),
    ]

    private static func spec(_ name: String, _ dead: Bool, _ usage: String) -> FakeCommandSpec {
        FakeCommandSpec(words: name.split(separator: " ").map(String.init), dead: dead, usage: usage)
    }

    /// The command whose words start `words` (case-insensitive), longest match first.
    static func find(_ words: [String]) -> FakeCommandSpec? {
        let lowered = words.prefix(4).map { $0.lowercased() }
        var best: FakeCommandSpec?
        for spec in commands where spec.words.count <= lowered.count {
            if Array(lowered.prefix(spec.words.count)) == spec.words, spec.words.count > (best?.words.count ?? 0) {
                best = spec
            }
        }
        return best
    }

    /// Applications EXEC finds (anything else answers `-2`, "Could not find application").
    static let applications: Set<String> = [
        "answer", "playback", "background", "wait", "waitexten", "set", "noop", "verbose", "log",
        "hangup", "dial", "goto", "gotoif", "gosub", "return", "senddtmf", "read", "saydigits",
        "saynumber", "sayalpha", "musiconhold", "startmusiconhold", "stopmusiconhold", "progress",
        "ringing", "congestion", "busy", "echo", "milliwatt", "playtones", "stopplaytones", "agi",
        "system", "userevent", "dumpchan", "mixmonitor", "stopmixmonitor", "record", "queue",
    ]
}
