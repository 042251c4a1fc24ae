import NIOCore
import Testing

@testable import Notify

@Suite struct DestinationTests {
    // MARK: URL parsing

    @Test(arguments: [
        ("https://example.org/hook", "https", "example.org", 443, "/hook"),
        ("http://example.org", "http", "example.org", 80, "/"),
        ("HTTPS://Example.ORG:8443/a/b?x=1&y=2", "https", "example.org", 8443, "/a/b?x=1&y=2"),
        ("https://example.org?x=1", "https", "example.org", 443, "/?x=1"),
        ("https://example.org/hook#fragment", "https", "example.org", 443, "/hook"),
        ("https://example.org#fragment", "https", "example.org", 443, "/"),
        ("http://127.0.0.1:8080/in", "http", "127.0.0.1", 8080, "/in"),
        ("http://[::1]:8080/in", "http", "::1", 8080, "/in"),
        ("https://[2001:DB8::1]/", "https", "2001:db8::1", 443, "/"),
        ("https://hooks.example.org./x", "https", "hooks.example.org.", 443, "/x"),
        ("https://example.org:/x", "https", "example.org", 443, "/x"),
        ("https://my_host.example.org/%7Euser", "https", "my_host.example.org", 443, "/%7Euser"),
    ])
    func parsesGoodURLs(text: String, scheme: String, host: String, port: Int, path: String) throws {
        let destination = try WebhookDestination(parsing: text)
        #expect(destination.scheme == scheme)
        #expect(destination.host == host)
        #expect(destination.port == port)
        #expect(destination.path == path)
    }

    @Test(arguments: [
        ("", DestinationError.invalidURL),
        ("example.org/hook", .invalidURL),
        ("//example.org/hook", .invalidURL),
        ("https:/example.org", .invalidURL),
        ("https:example.org", .invalidURL),
        ("https://", .invalidURL),
        ("https:///path", .invalidURL),
        ("https://user:pass@example.org/", .invalidURL),
        ("https://user@example.org/", .invalidURL),
        ("https://example.org@evil.test/", .invalidURL),
        ("https://example.org:0/", .invalidURL),
        ("https://example.org:65536/", .invalidURL),
        ("https://example.org:80a/", .invalidURL),
        ("https://example.org:-1/", .invalidURL),
        ("https://exa mple.org/", .invalidURL),
        ("https://example.org/a b", .invalidURL),
        ("https://example.org/\r\nX: y", .invalidURL),
        ("https://exämple.org/", .invalidURL),
        ("https://example.org/\"quoted\"", .invalidURL),
        ("https://example.org/a[1]", .invalidURL),
        ("https://[::1/", .invalidURL),
        ("https://[::1]x/", .invalidURL),
        ("https://[not-an-address]/", .invalidURL),
        ("https://[fe80::1%25eth0]/", .invalidURL),
        ("https://a..b/", .invalidURL),
        ("https://.example.org/", .invalidURL),
        ("ftp://example.org/", .unsupportedScheme),
        ("file:///etc/passwd", .unsupportedScheme),
        ("gopher://example.org/", .unsupportedScheme),
        ("javascript:alert(1)", .unsupportedScheme),
        ("1http://example.org/", .invalidURL),
    ])
    func rejectsBadURLs(text: String, expected: DestinationError) {
        #expect(throws: expected) { try WebhookDestination(parsing: text) }
    }

    @Test func rejectsOverlongURLs() throws {
        let base = "https://example.org/"
        let fits = base + String(repeating: "a", count: 2000 - base.count)
        #expect(try WebhookDestination(parsing: fits).path.count == 2000 - "https://example.org".count)
        #expect(throws: DestinationError.invalidURL) { try WebhookDestination(parsing: fits + "a") }
    }

    @Test func hostHeaderCarriesPortOnlyWhenNotDefault() throws {
        #expect(try WebhookDestination(parsing: "https://example.org/").hostHeader == "example.org")
        #expect(try WebhookDestination(parsing: "http://example.org:80/").hostHeader == "example.org")
        #expect(try WebhookDestination(parsing: "https://example.org:80/").hostHeader == "example.org:80")
        #expect(try WebhookDestination(parsing: "http://[::1]:8080/").hostHeader == "[::1]:8080")
        #expect(try WebhookDestination(parsing: "https://[::1]/").hostHeader == "[::1]")
    }

    // MARK: Classification

    @Test(arguments: [
        // IPv4
        ("8.8.8.8", AddressClass.publicAddress),
        ("93.184.216.34", .publicAddress),
        ("1.1.1.1", .publicAddress),
        ("11.0.0.1", .publicAddress),
        ("172.15.255.255", .publicAddress),
        ("172.32.0.0", .publicAddress),
        ("192.167.255.255", .publicAddress),
        ("100.63.255.255", .publicAddress),
        ("100.128.0.0", .publicAddress),
        ("169.253.255.255", .publicAddress),
        ("223.255.255.255", .publicAddress),
        ("127.0.0.1", .loopback),
        ("127.255.255.254", .loopback),
        ("10.0.0.1", .privateNetwork),
        ("10.255.255.255", .privateNetwork),
        ("172.16.0.1", .privateNetwork),
        ("172.31.255.255", .privateNetwork),
        ("192.168.1.1", .privateNetwork),
        ("100.64.0.1", .privateNetwork),
        ("100.127.255.255", .privateNetwork),
        ("169.254.169.254", .linkLocal),
        ("169.254.0.1", .linkLocal),
        ("0.0.0.0", .other),
        ("0.1.2.3", .other),
        ("224.0.0.1", .other),
        ("239.255.255.250", .other),
        ("240.0.0.1", .other),
        ("255.255.255.255", .other),
        // IPv6
        ("2606:4700:4700::1111", .publicAddress),
        ("2001:4860:4860::8888", .publicAddress),
        ("::1", .loopback),
        ("::", .other),
        ("::2", .other),
        ("fc00::1", .privateNetwork),
        ("fd12:3456:789a::1", .privateNetwork),
        ("fec0::1", .privateNetwork),
        ("fe80::1", .linkLocal),
        ("febf::1", .linkLocal),
        ("ff02::1", .other),
        ("ff05::2", .other),
        // IPv4 inside IPv6
        ("::ffff:127.0.0.1", .loopback),
        ("::ffff:10.0.0.1", .privateNetwork),
        ("::ffff:169.254.169.254", .linkLocal),
        ("::ffff:8.8.8.8", .publicAddress),
        ("::ffff:0.0.0.0", .other),
        ("64:ff9b::127.0.0.1", .loopback),
        ("64:ff9b::192.168.0.1", .privateNetwork),
        ("64:ff9b::8.8.8.8", .publicAddress),
    ])
    func classifies(address: String, expected: AddressClass) throws {
        let socketAddress = try SocketAddress(ipAddress: address, port: 443)
        #expect(AddressClass.classify(socketAddress) == expected)
    }

    @Test func unixSocketsAreNeverTargets() throws {
        #expect(AddressClass.classify(try SocketAddress(unixDomainSocketPath: "/tmp/hub.sock")) == .other)
    }

    // MARK: Policy

    @Test func defaultPolicyPermitsOnlyPublic() {
        let policy = DestinationPolicy()
        #expect(policy.permits(.publicAddress))
        #expect(!policy.permits(.loopback))
        #expect(!policy.permits(.privateNetwork))
        #expect(!policy.permits(.linkLocal))
        #expect(!policy.permits(.other))
    }

    @Test func loopbackFlagOpensLoopbackOnly() {
        let policy = DestinationPolicy(allowLoopback: true)
        #expect(policy.permits(.publicAddress))
        #expect(policy.permits(.loopback))
        #expect(!policy.permits(.privateNetwork))
        #expect(!policy.permits(.linkLocal))
        #expect(!policy.permits(.other))
    }

    @Test func privateFlagOpensPrivateAndLinkLocal() {
        let policy = DestinationPolicy(allowPrivate: true)
        #expect(policy.permits(.privateNetwork))
        #expect(policy.permits(.linkLocal))
        #expect(!policy.permits(.loopback))
        #expect(!policy.permits(.other))
        #expect(!DestinationPolicy(allowLoopback: true, allowPrivate: true).permits(.other))
    }

    // MARK: Resolution

    @Test(arguments: ["http://localhost:8080/hook", "http://127.0.0.1:8080/hook", "http://[::1]:8080/hook"])
    func loopbackIsRefusedByDefault(url: String) async throws {
        let destination = try WebhookDestination(parsing: url)
        await #expect(throws: DestinationError.forbiddenAddress) {
            try await DestinationPolicy().resolve(destination)
        }
        await #expect(throws: DestinationError.forbiddenAddress) {
            try await DestinationPolicy(allowPrivate: true).resolve(destination)
        }
    }

    @Test func loopbackIsAllowedWhenConfigured() async throws {
        let policy = DestinationPolicy(allowLoopback: true)
        let byNumber = try await policy.resolve(try WebhookDestination(parsing: "http://127.0.0.1:8080/hook"))
        #expect(byNumber.ipAddress == "127.0.0.1")
        #expect(byNumber.port == 8080)

        let byName = try await policy.resolve(try WebhookDestination(parsing: "https://localhost/hook"))
        #expect(AddressClass.classify(byName) == .loopback)
        #expect(byName.port == 443)

        let v6 = try await policy.resolve(try WebhookDestination(parsing: "http://[::1]:9000/"))
        #expect(v6.ipAddress == "::1")
        #expect(v6.port == 9000)
    }

    @Test func privateAddressIsRefusedEvenWithLoopbackAllowed() async throws {
        let destination = try WebhookDestination(parsing: "http://10.1.2.3/hook")
        await #expect(throws: DestinationError.forbiddenAddress) {
            try await DestinationPolicy(allowLoopback: true).resolve(destination)
        }
        let allowed = try await DestinationPolicy(allowPrivate: true).resolve(destination)
        #expect(allowed.ipAddress == "10.1.2.3")
        #expect(allowed.port == 80)
    }

    @Test func numericTricksAreClassifiedAfterResolution() async throws {
        // 2130706433 is 127.0.0.1 to getaddrinfo: the check must see the resolved address.
        let destination = try WebhookDestination(parsing: "http://2130706433/")
        await #expect(throws: DestinationError.forbiddenAddress) {
            try await DestinationPolicy().resolve(destination)
        }
        let mapped = try WebhookDestination(parsing: "http://[::ffff:127.0.0.1]/")
        await #expect(throws: DestinationError.forbiddenAddress) {
            try await DestinationPolicy().resolve(mapped)
        }
    }

    @Test func unspecifiedAddressIsNeverAllowed() async throws {
        let destination = try WebhookDestination(parsing: "http://0.0.0.0:8080/")
        await #expect(throws: DestinationError.forbiddenAddress) {
            try await DestinationPolicy(allowLoopback: true, allowPrivate: true).resolve(destination)
        }
    }

    @Test func unknownNamesAreUnresolvable() async throws {
        // .invalid never resolves (RFC 6761).
        let destination = try WebhookDestination(parsing: "https://no-such-host.invalid/hook")
        await #expect(throws: DestinationError.unresolvable) {
            try await DestinationPolicy().resolve(destination)
        }
    }
}
