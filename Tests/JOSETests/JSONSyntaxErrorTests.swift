import Testing
@testable import JOSE

@Suite("JSON syntax errors with line and column")
struct JSONSyntaxErrorTests {
    func located(_ text: String) -> JSONSyntaxError? {
        do {
            _ = try JSONValue.parseLocated(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func trailingCommaInAnObjectIsRejectedAtTheBrace() throws {
        let error = try #require(located("{\n  \"a\": 1,\n  \"b\": 2,\n}\n"))
        #expect(error.reason == "trailing comma before '}'")
        #expect(error.line == 4)
        #expect(error.column == 1)
        #expect(error.description == "line 4, column 1: trailing comma before '}'")
        // The position-free JOSE API rejects it too, with the same rule.
        #expect(throws: JOSEError(.malformed, "invalid JSON: trailing comma before '}'")) { try JSONValue.parse("{\"a\":1,}") }
    }

    @Test func trailingCommaInAnArrayIsRejected() throws {
        let error = try #require(located("[1, 2, ]"))
        #expect(error.reason == "trailing comma before ']'")
        #expect((error.line, error.column) == (1, 8))
        #expect(throws: JOSEError.self) { try JSONValue.parse("[1,]") }
    }

    @Test func columnsCountCharactersNotBytes() throws {
        // "ö" is two bytes; the missing ':' is the 9th character of line 2.
        let error = try #require(located("{\n  \"höst\" 1}"))
        #expect(error.reason == "expected ':'")
        #expect((error.line, error.column) == (2, 10))
        #expect(error.offset == 12)
    }

    @Test func duplicateKeyPointsAtTheSecondName() throws {
        let error = try #require(located("{\"a\": 1,\n \"a\": 2}"))
        #expect(error.reason == "duplicate member name")
        #expect((error.line, error.column) == (2, 2))
    }

    @Test func earlyEndAndTrailingGarbageAndBadUTF8() throws {
        let end = try #require(located("{\"listen\": "))
        #expect(end.reason == "unexpected end")
        #expect(end.column == 12)
        let garbage = try #require(located("{}\n\nx"))
        #expect(garbage.reason == "trailing characters after JSON value")
        #expect((garbage.line, garbage.column) == (3, 1))
        do {
            _ = try JSONValue.parseLocated([0x7B, 0x0A, 0x22, 0xFF, 0x22, 0x7D])
            Issue.record("invalid UTF-8 accepted")
        } catch {
            #expect(error.reason == "JSON is not valid UTF-8")
            #expect((error.line, error.column, error.offset) == (2, 2, 3))
        }
    }

    @Test func sameValuesAsParse() throws {
        let text = #"{"a": [1, 2.5, true, null, "x\u00e9"], "b": {}}"#
        #expect(try JSONValue.parseLocated(Array(text.utf8)) == (try JSONValue.parse(text)))
    }
}
