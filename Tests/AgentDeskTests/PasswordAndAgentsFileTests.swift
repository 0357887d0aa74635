import Foundation
import Testing
@testable import AgentDesk

@Suite("Password hashes and the agents file")
struct PasswordAndAgentsFileTests {
    @Test("a hash verifies its password, not another, and survives its text form")
    func hashRoundTrip() throws {
        let hash = TestAgents.alice
        #expect(hash.iterations == 600_000)
        #expect(hash.verify(TestAgents.alicePassword))
        #expect(!hash.verify(TestAgents.alicePassword + "x"))
        #expect(!hash.verify(""))
        let parsed = try #require(PasswordHash(parsing: hash.encoded))
        #expect(parsed == hash)
        #expect(parsed.verify(TestAgents.alicePassword))
        #expect(!hash.description.contains(hash.encoded.split(separator: "$").last.map(String.init) ?? "?"))
    }

    @Test("weak or malformed hashes are refused when read")
    func refusesWeakHashes() throws {
        let parts = TestAgents.alice.encoded.split(separator: "$").map(String.init)
        #expect(PasswordHash(parsing: "pbkdf2-sha256$1000$\(parts[2])$\(parts[3])") == nil)
        #expect(PasswordHash(parsing: "pbkdf2-sha1$600000$\(parts[2])$\(parts[3])") == nil)
        #expect(PasswordHash(parsing: "pbkdf2-sha256$600000$\(parts[2])") == nil)
        #expect(PasswordHash(parsing: "pbkdf2-sha256$600000$\(parts[2])$AAAA") == nil)
        #expect(PasswordHash(parsing: "pbkdf2-sha256$99999999999999999999$\(parts[2])$\(parts[3])") == nil)
    }

    @Test("the agents file round-trips, and a bad line names its number but not its content")
    func agentsFileFormat() throws {
        var file = AgentsFile()
        file.agents["alice"] = TestAgents.alice
        let made = try APIToken.make(label: "crm-sync", agent: "alice")
        file.tokens.append(made.entry)
        let parsed = try AgentsFile.parse(file.text)
        #expect(parsed == file)
        #expect(!file.text.contains(made.token))

        let weak = "agent alice pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
        #expect {
            try AgentsFile.parse("# comment\n" + weak)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("line 2") && !text.contains("AAAAAAAA")
        }
        #expect(throws: AgentsFileError.self) { try AgentsFile.parse("token t1 nobody sha256$" + String(repeating: "0", count: 64)) }
        #expect(throws: AgentsFileError.self) { try AgentsFile.parse("agent bad name x") }
        #expect(throws: AgentsFileError.self) { try AgentsFile.parse(file.text + file.text) }
    }

    @Test("written atomically with mode 0600")
    func writesPrivately() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("agents-\(UUID().uuidString)").path
        defer { unlink(path) }
        var file = AgentsFile()
        file.agents["bob"] = TestAgents.bob
        try file.write(path: path)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(try AgentsFile.read(path: path) == file)
    }
}
