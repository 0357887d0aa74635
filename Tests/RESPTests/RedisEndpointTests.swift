import Testing
@testable import RESP

@Suite("Redis URL")
struct RedisEndpointTests {
    @Test func fullURL() throws {
        let e = try RedisEndpoint.parse("rediss://app:s%40cret@redis.internal:6380/3")
        #expect(e == RedisEndpoint(host: "redis.internal", port: 6380, database: 3, username: "app", password: "s@cret", useTLS: true))
        #expect(e.description == "rediss://app:***@redis.internal:6380/3")
    }

    @Test func shortForms() throws {
        #expect(try RedisEndpoint.parse("redis://127.0.0.1") == RedisEndpoint(host: "127.0.0.1"))
        #expect(try RedisEndpoint.parse("redis://:pw@[::1]:7000/") == RedisEndpoint(host: "::1", port: 7000, password: "pw"))
        #expect(try RedisEndpoint.parse("redis://pw@localhost:6379/0").password == "pw")
        #expect(try RedisEndpoint.parse("redis://[::1]").server == "[::1]:6379")
    }

    @Test func badURLsSayWhatIsWrongAndNeverThePassword() {
        let cases = ["http://h:1", "redis://", "redis://:topsecret@h:0", "redis://:topsecret@h:99999", "redis://h:1/x",
                     "redis://h:1/1000001", "redis://h 1:2", "redis://h:1?db=2", "redis://[::1:5", "redis://:topsecret@h/bad/"]
        for text in cases {
            do {
                _ = try RedisEndpoint.parse(text)
                Issue.record("\(text) accepted")
            } catch {
                #expect(error.kind == .invalidConfiguration)
                #expect(!error.description.contains("topsecret"))
            }
        }
    }

    @Test func backoffDoublesUpToTheMaximum() {
        let b = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(1), jitter: 0.2)
        #expect(b.delay(afterFailures: 0, random: 0) == .zero)
        #expect(b.delay(afterFailures: 1, random: 0) == .milliseconds(100))
        #expect(b.delay(afterFailures: 3, random: 0) == .milliseconds(400))
        #expect(b.delay(afterFailures: 50, random: 0) == .seconds(1))
        #expect(b.delay(afterFailures: 1, random: 1) == .milliseconds(120))
        #expect(b.delay(afterFailures: 1, random: -1) == .milliseconds(80))
    }
}
