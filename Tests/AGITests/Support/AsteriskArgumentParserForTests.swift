import AGITesting

/// The fake Asterisk's copy of res_agi.c's `parse_args()`, used to check that what we send
/// means what we intended.
enum AsteriskArgumentParserForTests {
    static func split(_ line: String) -> [String] { AsteriskArgumentParser.split(line) }
}
