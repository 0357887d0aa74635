import Foundation
import Synchronization
import Testing
import Sockets
import StructuredLogging
@testable import AGI
@testable import AGITesting

@Suite struct FakeAsteriskTests {
    @Test func callerAuthLikeFlowInMemory() async throws {
        var router = AGIRouter()
        router.register("caller-auth") { channel in
            #expect(channel.environment.query == ["lang": "sv"])
            #expect(channel.environment.callerID == "0701234567")
            #expect(channel.environment.arguments == ["a", ""])
            try await channel.answer()
            let preset = try await channel.getVariable("CIBA_ID_NUMBER")
            #expect(preset == "196802020575")
            let entry = try await channel.getData("enter-number", timeout: .seconds(5), maxDigits: 12)
            try await channel.setVariable("CIBA_STATUS", entry.digits == "196802020575" ? "approved" : "mismatch")
            try await channel.setVariable("CIBA_NAME", #"Åsa "Q" Öberg \ ø (x)"#)
            #expect(try await channel.getFullVariable("${CIBA_NAME} / ${CALLERID(num)}") == #"Åsa "Q" Öberg \ ø (x) / 0701234567"#)
            try await channel.setCallerID(#""Åsa Öberg" <46701234567>"#)
            #expect(try await channel.getVariable("CALLERID(num)") == "46701234567")
            #expect(try await channel.getVariable("CALLERID(name)") == "Åsa Öberg")
        }
        let call = FakeCall(script: "caller-auth?lang=sv", arguments: ["a", ""], environment: ["callerid": "0701234567"],
                            variables: ["CIBA_ID_NUMBER": "196802020575"],
                            keypresses: [FakeKeypress(at: .seconds(1), digits: "196802020575#", afterCommand: "GET DATA")], timeScale: 0.05)
        let transcript = try await FakeAsterisk(call: call).place(through: router)
        #expect(transcript.agiStatus == "SUCCESS")
        #expect(transcript.closedByServer && !transcript.timedOut)
        #expect(transcript.variables["CIBA_STATUS"] == "approved")
        #expect(transcript.variables["CIBA_NAME"] == #"Åsa "Q" Öberg \ ø (x)"#)
        #expect(transcript.commands.first == "ANSWER")
        #expect(transcript.commands.contains("GET DATA enter-number 5000 12"))
        let env = transcript.lines.prefix(while: { !$0.text.isEmpty }).map(\.text)
        #expect(env.first == "agi_network: yes")
        #expect(env.contains("agi_network_script: caller-auth?lang=sv"))
        #expect(env.contains("agi_accountcode: "))
        #expect(env.contains("agi_arg_2: "))
        #expect(env.contains("agi_calleridname: unknown"))
        // The rendering uses the fixtures' format.
        let regex = try Regex(#"^(<<|>>) \[ *([0-9.]+) ms\](?: (.*))?$"#)
        let rendered = transcript.rendered()
        for line in rendered.split(separator: "\n", omittingEmptySubsequences: false) where line.hasPrefix("<<") || line.hasPrefix(">>") {
            #expect(try regex.wholeMatch(in: String(line)) != nil, "\(line)")
        }
        #expect(rendered.contains(">> ") && rendered.contains("#= AGISTATUS=SUCCESS"))
        #expect(!rendered.contains("196802020575"))
        #expect(rendered.contains("#= CIBA_ID_NUMBER=19680202****"))
        #expect(transcript.rendered(maskingPersonalNumbers: false).contains("#= CIBA_ID_NUMBER=196802020575"))
        #expect(CallTranscript.maskPersonalNumbers("27034698436 and 1795292824.43 v22.10.1") == "270346***** and 1795292824.43 v22.10.1")
    }

    @Test func callerHangupCancelsASleepingHandler() async throws {
        let observed = Mutex<[String]>([])
        var router = AGIRouter()
        router.register("hold") { channel in
            try await channel.setMusic(true, class: "default")
            do {
                try await Task.sleep(for: .seconds(3600))  // only a cancellation ends it
            } catch {
                observed.withLock { $0.append("cancelled") }
            }
            try await channel.setVariable("CIBA_STATUS", "caller_hung_up")
            do { try await channel.setMusic(false) } catch let error as AGIError { observed.withLock { $0.append(error.kind.name) } }
        }
        let transcript = try await FakeAsterisk(call: FakeCall(script: "hold", hangupAt: .seconds(4), hangupAfterCommand: "SET MUSIC ON", timeScale: 0.05)).place(through: router)
        #expect(observed.withLock { $0 } == ["cancelled", "deadChannel"])
        #expect(transcript.agiStatus == "HANGUP")
        #expect(transcript.variables["CIBA_STATUS"] == "caller_hung_up")
        #expect(transcript.lines.contains { $0.direction == .fromAsterisk && $0.text == "HANGUP" })
        #expect(transcript.closedByServer)
    }

    @Test func hangupDuringGetDataEndsWithMinusOneThenHangupLine() async throws {
        let observed = Mutex<String>("")
        var router = AGIRouter()
        router.register("x") { channel in
            do { _ = try await channel.getData("beep", timeout: .seconds(10), maxDigits: 20) } catch let error as AGIError {
                observed.withLock { $0 = error.kind.name }
            }
            await channel.waitForHangup()
        }
        let call = FakeCall(script: "x", keypresses: [FakeKeypress(at: .seconds(1), digits: "12", afterCommand: "GET DATA")],
                            hangupAt: .seconds(3), hangupAfterCommand: "GET DATA", timeScale: 0.05)
        let transcript = try await FakeAsterisk(call: call).place(through: router)
        #expect(observed.withLock { $0 } == "hangup")
        let replies = transcript.lines.filter { $0.direction == .fromAsterisk }.map(\.text).suffix(2)
        #expect(Array(replies) == ["200 result=-1", "HANGUP"])
    }

    @Test func serverHangupUsageErrorsAndCaseInsensitiveNames() async throws {
        let observed = Mutex<[String]>([])
        var router = AGIRouter()
        router.register("x") { channel in
            var seen: [String] = []
            let usage = try await channel.send(AGICommand(name: ["SET", "VARIABLE"], arguments: ["X", .raw("two words")]))
            seen.append("\(usage.code) \(usage.usage)")
            seen.append(try await channel.getVariable("X") ?? "unset")
            seen.append("\(try await channel.send(AGICommand(["noop"])).code)")
            seen.append("\(try await channel.send(AGICommand(["FOO", "BAR"])).code)")
            seen.append("exec \(try await channel.exec("NoSuchApplication", "foo"))")
            seen.append("status \(try await channel.channelStatus())")
            try await channel.hangup()
            await channel.waitForHangup()
            do { _ = try await channel.channelStatus() } catch let error as AGIError { seen.append(error.kind.name) }
            seen.append("exec \(try await channel.exec("Playback", "beep"))")
            let result = seen
            observed.withLock { $0 = result }
        }
        let transcript = try await FakeAsterisk(call: FakeCall(script: "x", timeScale: 0.01)).place(through: router)
        #expect(observed.withLock { $0 } == ["520 [\"Sets a variable to the current channel.\"]", "unset", "200", "510",
                                            "exec -2", "status 6", "deadChannel", "exec 0"])
        #expect(transcript.agiStatus == "HANGUP")
    }

    @Test func missingSoundFileGivesFailureStatus() async throws {
        var router = AGIRouter()
        router.register("x") { channel in
            let played = try await channel.streamFile("nope", escapeDigits: "#")
            #expect(played.failed && played.endpos == 0)
            let beep = try await channel.streamFile("beep")
            #expect(!beep.failed && beep.endpos == 3404)
        }
        let transcript = try await FakeAsterisk(call: FakeCall(script: "x", missingSoundFiles: ["nope"], timeScale: 0.01)).place(through: router)
        #expect(transcript.agiStatus == "FAILURE")
    }

    @Test func escapeDigitInterruptsPlaybackAndIdleDigitsAreLost() async throws {
        let observed = Mutex<[String]>([])
        var router = AGIRouter()
        router.register("x") { channel in
            try await Task.sleep(for: .milliseconds(150))   // call time 3 s: the 7 at 1 s is lost
            let played = try await channel.streamFile("demo-congrats", escapeDigits: "5")
            observed.withLock { $0.append("\(played.digit.map(String.init) ?? "none") \(played.endpos > 0)") }
            let digit = try await channel.waitForDigit(timeout: .seconds(2))
            observed.withLock { $0.append(digit.map(String.init) ?? "none") }
        }
        let call = FakeCall(script: "x", keypresses: [FakeKeypress(at: .seconds(1), digits: "7"), FakeKeypress(at: .seconds(2), digits: "5", afterCommand: "STREAM FILE")],
                            timeScale: 0.05)
        _ = try await FakeAsterisk(call: call).place(through: router)
        #expect(observed.withLock { $0 } == ["5 true", "none"])
    }

    @Test func unknownScriptIsClosedWithoutHangup() async throws {
        let logs = InMemoryLogHandler()
        let transcript = try await FakeAsterisk(call: FakeCall(script: "nope", timeScale: 0.01))
            .place(through: AGIRouter(), logger: Logger(handler: logs))
        #expect(transcript.commands == [#"VERBOSE "ciba-agi: no handler for script 'nope'" 1"#])
        #expect(transcript.agiStatus == "SUCCESS")
        #expect(transcript.closedByServer)
        #expect(logs.records(event: "agi.unknown_script").count == 1)
    }

    @Test func fakeGivesUpOnASilentServer() async throws {
        let (_, asterisk) = InMemoryTransport.pair()   // nobody serves the other end
        let transcript = await FakeAsterisk(call: FakeCall(script: "x")).run(over: asterisk, serverAddress: "127.0.0.1:1", timeout: .milliseconds(200))
        #expect(transcript.timedOut && !transcript.closedByServer)
    }

    @Test func placesACallOverTCP() async throws {
        let listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        var router = AGIRouter()
        router.register("tcp") { channel in
            try await channel.setVariable("CIBA_STATUS", "approved")
            #expect(try await channel.waitForDigit(timeout: .seconds(20)) == "9")
        }
        let server = Task {
            let connection = try await listener.accept()
            await AGISession.run(transport: TCPAsteriskTransport(connection), router: router, logger: .disabled, sessionID: "tcp")
        }
        let call = FakeCall(script: "tcp", keypresses: [FakeKeypress(at: .seconds(1), digits: "9", afterCommand: "WAIT FOR DIGIT")], timeScale: 0.05)
        let transcript = try await FakeAsterisk(call: call).place(to: listener.localAddress, timeout: .seconds(20))
        try await server.value
        listener.close()
        #expect(transcript.variables["CIBA_STATUS"] == "approved")
        #expect(transcript.agiStatus == "SUCCESS")
        #expect(transcript.closedByServer)
        #expect(transcript.lines.first?.text == "agi_network: yes")
        #expect(transcript.lines.contains { $0.text == "agi_request: agi://\(listener.localAddress)/tcp" })
    }
}

@Suite struct FakeAsteriskLoadTests {
    /// Many calls at once through the in-memory pipe: every one must finish with the bench
    /// script's exact commands and variables (correctness under concurrency, not speed).
    @Test func hundredConcurrentBenchCalls() async throws {
        var router = AGIRouter()
        router.register("bench") { channel in
            try await channel.answer()
            let entry = try await channel.getData("ciba/enter-ssn", timeout: .seconds(5), maxDigits: 12)
            try await channel.setVariable("CIBA_STATUS", entry.digits == "196802020575" ? "VERIFIED" : "WRONG")
            _ = try await channel.streamFile("ciba/verified")
            let trying = try await channel.send(AGICommand(["GOSUB", "sub", "s", "1"]))
            #expect(trying.code == 200 && trying.result == "0")
            try await channel.hangup()
        }
        let call = FakeCall(script: "bench", keypresses: [FakeKeypress(at: .seconds(1), digits: "196802020575#", gap: .milliseconds(50), afterCommand: "GET DATA")],
                            timeScale: 0.05)
        let benchRouter = router
        let transcripts = try await withThrowingTaskGroup(of: CallTranscript.self) { group in
            for _ in 0..<100 { group.addTask { try await FakeAsterisk(call: call).place(through: benchRouter) } }
            var all: [CallTranscript] = []
            for try await transcript in group { all.append(transcript) }
            return all
        }
        #expect(transcripts.count == 100)
        for transcript in transcripts {
            #expect(transcript.commands == ["ANSWER", "GET DATA ciba/enter-ssn 5000 12", #"SET VARIABLE CIBA_STATUS "VERIFIED""#,
                                            #"STREAM FILE ciba/verified """#, "GOSUB sub s 1", "HANGUP"])
            #expect(transcript.variables["CIBA_STATUS"] == "VERIFIED")
            #expect(transcript.agiStatus == "HANGUP")
            #expect(transcript.closedByServer)
        }
    }
}

@Suite struct TypedCommandTests {
    @Test func sayGetOptionAndControlStreamFile() async throws {
        let observed = Mutex<[String]>([])
        var router = AGIRouter()
        router.register("x") { channel in
            var seen: [String] = []
            seen.append("number:\(try await channel.sayNumber(42, escapeDigits: "#").map(String.init) ?? "none")")
            seen.append("date:\(try await channel.sayDate(Date(timeIntervalSince1970: 0)).map(String.init) ?? "none")")
            let option = try await channel.getOption("beep", escapeDigits: "12", timeout: .seconds(3))
            seen.append("option:\(option.digit.map(String.init) ?? "none"):\(option.endpos)")
            let control = try await channel.controlStreamFile("demo-congrats", escapeDigits: "5", skip: .seconds(1), forward: "#")
            seen.append("control:\(control.digit.map(String.init) ?? "none"):\(control.endpos > 0)")
            try await channel.setCallerID("0701234567")
            seen.append("cid:\(try await channel.getVariable("CALLERID(num)") ?? "unset")")
            let result = seen
            observed.withLock { $0 = result }
        }
        let call = FakeCall(script: "x", keypresses: [
            FakeKeypress(at: .milliseconds(500), digits: "#", afterCommand: "SAY NUMBER"),
            FakeKeypress(at: .seconds(1), digits: "1", afterCommand: "GET OPTION"),
            FakeKeypress(at: .seconds(2), digits: "5", afterCommand: "CONTROL STREAM FILE"),
        ], timeScale: 0.05)
        let transcript = try await FakeAsterisk(call: call).place(through: router)
        #expect(observed.withLock { $0 } == ["number:#", "date:none", "option:1:3404", "control:5:true", "cid:0701234567"])
        #expect(transcript.commands == [
            ##"SAY NUMBER 42 "#""##, #"SAY DATE 0 """#, #"GET OPTION beep "12" 3000"#,
            ##"CONTROL STREAM FILE demo-congrats "5" 1000 "#""##, #"SET CALLERID "0701234567""#, "GET VARIABLE CALLERID(num)",
        ])
    }

    /// `CHANNEL(linkedid)` as Asterisk answers it: the call's linkedid when the channel is a
    /// later leg, else the channel's own uniqueid; an unset variable is still `200 result=0`.
    @Test func channelLinkedIDDefaultsToTheUniqueID() async throws {
        for linked in [nil, "1732227000.7"] as [String?] {
            let observed = Mutex<[String]>([])
            var router = AGIRouter()
            router.register("x") { channel in
                let linkedID = try await channel.getVariable("CHANNEL(linkedid)") ?? "unset"
                let unset = try await channel.getVariable("NOT_SET_ANYWHERE") ?? "unset"
                let result = [linkedID, unset, channel.environment.uniqueID]
                observed.withLock { $0 = result }
            }
            let call = FakeCall(script: "x", timeScale: 0.05, linkedID: linked)
            _ = try await FakeAsterisk(call: call).place(through: router)
            let seen = observed.withLock { $0 }
            #expect(seen.count == 3)
            #expect(seen.first == (linked ?? seen.last))
            #expect(seen.dropFirst().first == "unset")
        }
    }
}
