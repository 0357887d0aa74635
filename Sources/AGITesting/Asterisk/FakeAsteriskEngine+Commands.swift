import Foundation
import AGI

/// What each AGI command does in the fake, with Asterisk 22's replies.
extension FakeAsteriskEngine {
    static let deadReply = "511 Command Not Permitted on a dead channel or intercept routine"

    func usage(_ spec: FakeCommandSpec) async {
        await write(["520-Invalid command syntax.  Proper usage follows:", spec.usage, "520 End of proper usage."])
    }

    func execute(_ line: String) async {
        fireTriggers(for: line)
        let argv = AsteriskArgumentParser.split(line)
        guard let spec = FakeCommandTable.find(argv) else {
            await write("510 Invalid or unknown command")
            return
        }
        if hungUp && !spec.dead {
            await write(FakeAsteriskEngine.deadReply)
            return
        }
        let argc = argv.count
        func arg(_ i: Int) -> String { i < argc ? argv[i] : "" }
        func int(_ i: Int) -> Int { atoi(arg(i)) }

        switch spec.name {
        case "answer":
            if answered {
                await write("200 result=0")
            } else {
                answered = true
                startRunning(.blocking(reply: "200 result=0"), finishAfter: .milliseconds(500))
            }
        case "hangup":
            guard argc <= 2 else { return await usage(spec) }
            await write("200 result=1")
            hungUp = true
            note("server sent HANGUP")
            noticePending = true
            scheduleReal(after: scaled(.milliseconds(40)), .hangupNotice)
        case "channel status":
            guard argc <= 3 else { return await usage(spec) }
            await write("200 result=\(answered ? 6 : 4)")
        case "noop":
            await write("200 result=0")
        case "verbose":
            guard argc >= 2 else { return await usage(spec) }
            note("VERBOSE: \(arg(1))")
            await write("200 result=1")
        case "set variable":
            guard argc == 4 else { return await usage(spec) }
            variables.values[argv[2]] = argv[3]
            await write("200 result=1")
        case "get variable":
            guard argc == 3 else { return await usage(spec) }
            if let value = variables.get(argv[2]) {
                await write("200 result=1 (\(value))")
            } else {
                await write("200 result=0")
            }
        case "get full variable":
            guard argc == 4 || argc == 5 else { return await usage(spec) }
            await write("200 result=1 (\(variables.expand(argv[3])))")
        case "exec":
            guard argc >= 2 else { return await usage(spec) }
            await exec(application: argv[1], options: argc > 2 ? argv[2...].joined(separator: " ") : "")
        case "set music":
            // Asterisk answers 0 whatever the word and class (an unknown class falls back to default).
            guard argc >= 3 else { return await usage(spec) }
            await write("200 result=0")
        case "set callerid":
            if argc > 2 {
                // ast_callerid_parse: `"Name" <number>`, `Name <number>` or just a number.
                let text = argv[2]
                if let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close {
                    variables.environment["agi_callerid"] = String(text[text.index(after: open)..<close])
                    let name = text[..<open].trimmingCharacters(in: .whitespaces)
                    variables.environment["agi_calleridname"] = name.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                } else {
                    variables.environment["agi_callerid"] = text
                }
            }
            await write("200 result=1")
        case "stream file":
            guard argc == 4 || argc == 5 else { return await usage(spec) }
            await play(file: argv[2], escape: argv[3], offsetSamples: argc == 5 ? max(int(4), 0) : 0, waitAfter: nil)
        case "control stream file":
            // CONTROL STREAM FILE file escape [skipms [ff [rew [pause [offsetms]]]]]: 3 name words.
            guard argc >= 5 && argc <= 10 else { return await usage(spec) }
            let offsetMs = argc == 10 ? max(int(9), 0) : 0
            await play(file: argv[3], escape: argv[4], offsetSamples: offsetMs * 8, waitAfter: nil)
        case "get option":
            guard argc == 4 || argc == 5 else { return await usage(spec) }
            let timeout = argc == 5 ? int(4) : 0
            await play(file: argv[2], escape: argv[3], offsetSamples: 0,
                       waitAfter: .milliseconds(timeout < 0 ? 6000 : timeout))
        case "get data":
            guard argc >= 3 else { return await usage(spec) }
            await getData(prompt: argv[2], timeout: argc >= 4 ? int(3) : 0, maxDigits: argc >= 5 ? int(4) : 1024)
        case "wait for digit":
            guard argc == 4 else { return await usage(spec) }
            let timeout = int(3)
            if timeout == 0 {
                await write("200 result=0")
            } else {
                startRunning(.waitForDigit, finishAfter: timeout < 0 ? nil : .milliseconds(timeout))
            }
        case "say digits", "say alpha", "say phonetic":
            guard argc == 4 else { return await usage(spec) }
            startRunning(.say(escape: argv[3]), finishAfter: .milliseconds(800) * max(argv[2].count, 1))
        case "say number":
            guard argc == 4 || argc == 5 else { return await usage(spec) }
            startRunning(.say(escape: argv[3]), finishAfter: .milliseconds(800) * max(argv[2].count, 1))
        case "say date", "say time":
            guard argc == 4 else { return await usage(spec) }
            startRunning(.say(escape: argv[3]), finishAfter: .seconds(3))
        case "say datetime":
            guard argc >= 4 && argc <= 7 else { return await usage(spec) }
            startRunning(.say(escape: argv[3]), finishAfter: .seconds(4))
        case "database get":
            guard argc == 4 else { return await usage(spec) }
            await write("200 result=0")
        case "database put", "database del", "database deltree":
            await write("200 result=1")
        case "gosub":
            guard argc >= 4 else { return await usage(spec) }
            await write("100 result=0 Trying...")
            await write("200 result=0 Gosub complete")
        case "receive text", "record file":
            await write("200 result=-1")
        case "tdd mode", "send image", "send text", "set autohangup", "set context", "set extension",
             "set priority", "receive char", "asyncagi break":
            await write("200 result=0")
        default:
            await write("200 result=0")
        }
    }

    func exec(application: String, options: String) async {
        let app = application.lowercased()
        guard FakeCommandTable.applications.contains(app) else {
            note("WARNING: Could not find application (\(application))")
            await write("200 result=-2")
            return
        }
        switch app {
        case "playback", "background":
            let file = options.split(separator: ",").first.map(String.init) ?? ""
            if hungUp {
                await write("200 result=0")
            } else if !call.soundExists(file) {
                // Playback logs a warning, sets PLAYBACKSTATUS=FAILED and returns 0.
                variables.values["PLAYBACKSTATUS"] = "FAILED"
                await write("200 result=0")
            } else {
                startRunning(.blocking(reply: "200 result=0"), finishAfter: call.soundDuration(file))
            }
        case "wait":
            let seconds = Double(options) ?? 0
            if hungUp || seconds <= 0 {
                await write("200 result=0")
            } else {
                startRunning(.blocking(reply: "200 result=0"), finishAfter: .milliseconds(Int(seconds * 1000)))
            }
        case "answer":
            answered = true
            await write("200 result=0")
        case "hangup":
            await write("200 result=-1")
            await channelHangup(cause: "EXEC Hangup")
        default:
            await write("200 result=0")
        }
    }

    func play(file: String, escape: String, offsetSamples: Int, waitAfter: Duration?) async {
        guard call.soundExists(file) else {
            note("WARNING: File \(file) does not exist in any format")
            failedWhileUp = true
            await write("200 result=-1 endpos=\(offsetSamples)")
            return
        }
        let full = call.soundDuration(file)
        let remaining = max(.zero, full - .microseconds(offsetSamples * 125))
        startRunning(.playback(escape: escape, duration: remaining, offsetSamples: offsetSamples,
                              waitAfter: waitAfter, waiting: false),
                     finishAfter: remaining)
    }

    func getData(prompt: String, timeout: Int, maxDigits: Int) async {
        // timeout 0: Asterisk's defaults, 6 s for the first digit and 2 s between digits.
        let first: Duration = timeout > 0 ? .milliseconds(timeout) : .seconds(6)
        let next: Duration = timeout > 0 ? .milliseconds(timeout) : .seconds(2)
        let max = maxDigits > 0 ? maxDigits : 1024
        if !prompt.isEmpty && !call.soundExists(prompt) {
            note("WARNING: File \(prompt) does not exist in any format")
            await write("200 result=-1")
            return
        }
        nextSerial += 1
        let serial = nextSerial
        var entry = Running(serial: serial, kind: .getData(collecting: false, digits: "", maxDigits: max,
                                                          firstTimeout: first, nextTimeout: next),
                            started: now, timer: nil)
        entry.timer = prompt.isEmpty
            ? schedule(after: first, .digitTimeout(serial: serial))
            : schedule(after: call.soundDuration(prompt), .promptEnd(serial: serial))
        running = entry
    }
}

/// C `atoi`: leading spaces, optional sign, digits; anything else stops; no digits = 0.
func atoi(_ text: String) -> Int {
    var value = 0
    var sign = 1
    var started = false
    for scalar in text.unicodeScalars {
        if !started && (scalar == " " || scalar == "\t") { continue }
        if !started && (scalar == "-" || scalar == "+") {
            sign = scalar == "-" ? -1 : 1
            started = true
            continue
        }
        guard let digit = Int(String(scalar)), scalar.isASCII else { break }
        started = true
        value = value &* 10 &+ digit
        if value > 1_000_000_000 { break }
    }
    return sign * value
}
