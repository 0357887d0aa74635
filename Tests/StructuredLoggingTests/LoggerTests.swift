import Testing
@testable import StructuredLogging

@Suite struct LoggerTests {
    @Test func formatsKeyValueLinesWithQuoting() {
        let memory = InMemoryLogHandler()
        let log = Logger(handler: memory, level: .info).with("session", "7")
        log.info("agi.command", ["name": "GET DATA", "empty": "", "plain": "x"])
        log.debug("hidden")
        #expect(memory.records.count == 1)
        let line = memory.lines[0]
        #expect(line.contains(" level=info event=agi.command session=7 name=\"GET DATA\" empty=\"\" plain=x"))
        #expect(memory.records[0]["name"] == "GET DATA")
    }

    @Test func escapesControlCharactersSoALineStaysOneLine() {
        #expect(LogRecord.quote("a\nb") == "\"a\\nb\"")
        #expect(LogRecord.quote("say \"hi\"") == "\"say \\\"hi\\\"\"")
        #expect(LogRecord.quote("\u{01}") == "\"\\x01\"")
    }

    @Test func isEnabledAsksTheHandlerSoDroppedLinesAreNeverBuilt() {
        let memory = InMemoryLogHandler()
        let level = LogLevelSwitch(.warning)
        let log = Logger(handler: ThresholdLogHandler(memory, threshold: level), level: .trace)
        #expect(!log.isEnabled(.info))
        #expect(log.isEnabled(.warning))
        log.info("dropped")
        log.warning("kept")
        level.level = .debug   // SIGHUP: the same logger follows the switch
        #expect(log.isEnabled(.debug))
        #expect(!log.isEnabled(.trace))
        log.debug("kept.too")
        #expect(memory.records.map(\.event) == ["kept", "kept.too"])
        #expect(!Logger(handler: NullLogHandler(), level: .trace).isEnabled(.error))
        #expect(!Logger(handler: memory, level: .info).isEnabled(.debug))
        let both = MultiplexLogHandler([ThresholdLogHandler(NullLogHandler(), threshold: LogLevelSwitch(.trace)),
                                        ThresholdLogHandler(memory, threshold: LogLevelSwitch(.error))])
        #expect(!Logger(handler: both, level: .trace).isEnabled(.warning))
        #expect(Logger(handler: both, level: .trace).isEnabled(.error))
    }

    @Test func levelParsing() {
        #expect(LogLevel(name: "WARN") == .warning)
        #expect(LogLevel(name: "nope") == nil)
        #expect(LogLevel.debug < LogLevel.info)
    }
}
