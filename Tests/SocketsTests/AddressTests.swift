import Testing
@testable import Sockets

@Suite struct SocketAddressParsingTests {
    @Test func parsesIPv4WithPort() throws {
        let address = try SocketAddress.parse("127.0.0.1:4573")
        #expect(address.host == "127.0.0.1")
        #expect(address.port == 4573)
        #expect(address.isLoopback)
        #expect(address.description == "127.0.0.1:4573")
    }

    @Test func parsesBracketedIPv6() throws {
        let address = try SocketAddress.parse("[::1]:4573")
        #expect(address.host == "::1")
        #expect(address.port == 4573)
        #expect(address.isLoopback)
        #expect(address.description == "[::1]:4573")
        let any = try SocketAddress.parse("[::]:0")
        #expect(any.host == "::")
        #expect(!any.isLoopback)
    }

    @Test func parsesWildcardAndLocalhost() throws {
        #expect(try SocketAddress.parse("0.0.0.0:0") == SocketAddress(ip: .v4(0, 0, 0, 0), port: 0))
        #expect(try SocketAddress.parse("localhost:80") == SocketAddress(ip: .v4(127, 0, 0, 1), port: 80))
        #expect(try SocketAddress.parse(" 10.1.2.3:65535 ").port == 65535)
    }

    @Test func v4MappedLoopbackIsLoopback() throws {
        #expect(try SocketAddress.parse("[::ffff:127.0.0.5]:1").isLoopback)
        #expect(try !SocketAddress.parse("[::ffff:10.0.0.5]:1").isLoopback)
        #expect(try !SocketAddress.parse("[::2]:1").isLoopback)
    }

    @Test(arguments: [
        "", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:abc",
        "256.0.0.1:80", "1.2.3:80", "::1:4573", "[::1]", "[::1]4573", "[::1:4573", "example.com:80",
        "[]:80", ":80", "127.0.0.1:80:80", "[127.0.0.1]:80x", "127.0.0.1: 80", "[::1]:+80", "[zz::1]:80",
    ])
    func rejectsBadInput(_ text: String) {
        do {
            let parsed = try SocketAddress.parse(text)
            Issue.record("accepted \(text) as \(parsed)")
        } catch let error as SocketError {
            #expect(error.kind == .invalidAddress)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}

@Suite struct CIDRBlockTests {
    func address(_ text: String) throws -> SocketAddress { try SocketAddress.parse(text) }

    @Test func ipv4PrefixMatches() throws {
        let block = try CIDRBlock(parsing: "10.0.0.0/8")
        #expect(block.contains(try address("10.255.1.2:5")))
        #expect(!block.contains(try address("11.0.0.1:5")))
        #expect(!block.contains(try address("9.255.255.255:5")))
        #expect(block.description == "10.0.0.0/8")
    }

    @Test func hostBitsAreCleared() throws {
        let block = try CIDRBlock(parsing: "192.168.7.200/24")
        #expect(block.description == "192.168.7.0/24")
        #expect(block.contains(try address("192.168.7.1:1")))
        #expect(!block.contains(try address("192.168.8.1:1")))
    }

    @Test func oddPrefixLengths() throws {
        let block = try CIDRBlock(parsing: "172.16.0.0/12")
        #expect(block.contains(try address("172.31.255.255:1")))
        #expect(!block.contains(try address("172.32.0.0:1")))
        let slash31 = try CIDRBlock(parsing: "192.0.2.6/31")
        #expect(slash31.contains(try address("192.0.2.7:1")))
        #expect(!slash31.contains(try address("192.0.2.8:1")))
    }

    @Test func zeroAndFullPrefixes() throws {
        let all = try CIDRBlock(parsing: "0.0.0.0/0")
        #expect(all.contains(try address("1.2.3.4:1")))
        #expect(all.contains(try address("255.255.255.255:1")))
        #expect(!all.contains(try address("[2001:db8::1]:1")))
        let one = try CIDRBlock(parsing: "192.0.2.7/32")
        #expect(one.contains(try address("192.0.2.7:1")))
        #expect(!one.contains(try address("192.0.2.6:1")))
        let bare = try CIDRBlock(parsing: "192.0.2.7")
        #expect(bare.prefixLength == 32)
        let allV6 = try CIDRBlock(parsing: "::/0")
        #expect(allV6.contains(try address("[2001:db8::1]:1")))
        let bareV6 = try CIDRBlock(parsing: "::1")
        #expect(bareV6.prefixLength == 128)
        #expect(bareV6.contains(try address("[::1]:9")))
        #expect(!bareV6.contains(try address("[::2]:9")))
    }

    @Test func ipv6PrefixMatches() throws {
        let block = try CIDRBlock(parsing: "2001:db8::/32")
        #expect(block.contains(try address("[2001:db8:ffff::1]:1")))
        #expect(!block.contains(try address("[2001:db9::1]:1")))
        #expect(!block.contains(try address("32.1.13.184:1")))  // same leading bytes, other family
        let odd = try CIDRBlock(parsing: "fd00::/7")
        #expect(odd.contains(try address("[fdff::1]:1")))
        #expect(odd.contains(try address("[fc00::1]:1")))
        #expect(!odd.contains(try address("[fe00::1]:1")))
    }

    @Test func prefixBoundariesAcrossTheHalves() throws {
        let one = try CIDRBlock(parsing: "128.0.0.0/1")
        #expect(one.contains(try address("200.1.1.1:1")))
        #expect(!one.contains(try address("127.255.255.255:1")))
        let half = try CIDRBlock(parsing: "2001:db8:0:1::/64")
        #expect(half.contains(try address("[2001:db8:0:1:ffff:ffff:ffff:ffff]:1")))
        #expect(!half.contains(try address("[2001:db8:0:2::]:1")))
        let sixtyFive = try CIDRBlock(parsing: "2001:db8::/65")
        #expect(sixtyFive.contains(try address("[2001:db8::7fff:ffff:ffff:ffff]:1")))
        #expect(!sixtyFive.contains(try address("[2001:db8::8000:0:0:0]:1")))
        let pair = try CIDRBlock(parsing: "::2/127")
        #expect(pair.contains(try address("[::3]:1")))
        #expect(!pair.contains(try address("[::4]:1")))
        // Families never mix, except mapped IPv4 peers against IPv4 blocks.
        #expect(!(try CIDRBlock(parsing: "0.0.0.0/0")).contains(try address("[::1]:1")))
        #expect((try CIDRBlock(parsing: "0.0.0.0/0")).contains(try address("[::ffff:1.2.3.4]:1")))
        #expect(!(try CIDRBlock(parsing: "::/0")).contains(try address("1.2.3.4:1")))
    }

    @Test func v4MappedPeersMatchIPv4Blocks() throws {
        let block = try CIDRBlock(parsing: "10.0.0.0/8")
        #expect(block.contains(try address("[::ffff:10.1.2.3]:4573")))
        #expect(!block.contains(try address("[::ffff:11.1.2.3]:4573")))
        // An IPv6 block written in mapped form matches mapped peers only.
        let mapped = try CIDRBlock(parsing: "::ffff:10.0.0.0/104")
        #expect(mapped.contains(try address("[::ffff:10.9.9.9]:1")))
    }

    @Test(arguments: ["", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "::/129",
                      "10.0.0/8", "host/8", "10.0.0.0/ 8", "10.0.0.0/1a"])
    func rejectsBadBlocks(_ text: String) {
        #expect(throws: SocketError.self) { try CIDRBlock(parsing: text) }
    }

    @Test func allowListPermitsAnyMatchingBlock() throws {
        let list = try AllowList(parsing: ["10.0.0.0/8", "::1"])
        #expect(list.permits(try address("10.2.3.4:1")))
        #expect(list.permits(try address("[::1]:1")))
        #expect(!list.permits(try address("127.0.0.1:1")))
        #expect(!AllowList([]).permits(try address("127.0.0.1:1")))
        #expect(AllowList.everyone.permits(try address("[2001:db8::1]:1")))
        #expect(AllowList.loopback.permits(try address("127.9.9.9:1")))
        #expect(throws: SocketError.self) { try AllowList(parsing: ["10.0.0.0/8", "bogus"]) }
    }
}
