import Foundation
import Testing
@testable import AgentDesk

@Suite("Password hashes and the agents file")
struct PasswordAndAgentsFileTests {
    @Test("a hash verifies its password, not another, and survives its text form")
    func hashRoundTrip() async throws {
        // Every derivation runs on PasswordHasher's queue, as in the server: 600,000 iterations
        // must not hold a thread of the cooperative pool the other tests need.
        let hash = TestAgents.alice
        #expect(hash.iterations == 600_000)
        #expect(await PasswordHasher.verify(TestAgents.alicePassword, against: hash))
        #expect(await !PasswordHasher.verify(TestAgents.alicePassword + "x", against: hash))
        #expect(await !PasswordHasher.verify("", against: hash))
        let parsed = try #require(PasswordHash(parsing: hash.encoded))
        #expect(parsed == hash)
        #expect(!hash.description.contains(hash.encoded.split(separator: "$").last.map(String.init) ?? "?"))
        // A fresh hash (random salt) verifies too, and differs from another of the same password.
        let fresh = try await PasswordHasher.make(password: TestAgents.bobPassword)
        #expect(fresh.iterations == PasswordHash.minimumIterations)
        #expect(fresh != TestAgents.bob)
        #expect(await PasswordHasher.verify(TestAgents.bobPassword, against: fresh))
    }

    @Test("the kept test hashes are what OpenSSL derives (Python made them)")
    func keptHashesMatchOpenSSL() async throws {
        #expect(await PasswordHasher.verify(TestAgents.bobPassword, against: TestAgents.bob))
        #expect(await !PasswordHasher.verify(TestAgents.alicePassword, against: TestAgents.bob))
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
