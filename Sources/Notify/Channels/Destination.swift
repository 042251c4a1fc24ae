import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which kinds of network a webhook may reach. The default reaches the public internet only:
/// a partner-supplied URL must not be a way into the hub's own network (SSRF).
public struct DestinationPolicy: Sendable {
    public var allowLoopback: Bool
    public var allowPrivate: Bool

    public init(allowLoopback: Bool = false, allowPrivate: Bool = false) {
        self.allowLoopback = allowLoopback
        self.allowPrivate = allowPrivate
    }

    public func permits(_ addressClass: AddressClass) -> Bool {
        switch addressClass {
        case .publicAddress: true
        case .loopback: allowLoopback
        case .privateNetwork, .linkLocal: allowPrivate
        case .other: false
        }
    }

    /// Resolves `destination` and checks every address the name has, not only the first: a name
    /// with one public and one private record could otherwise reach the private one. The caller
    /// connects to the returned address rather than the name, so no second lookup can rebind it.
    public func resolve(_ destination: WebhookDestination) async throws(DestinationError) -> SocketAddress {
        let host = destination.host
        let addresses: [SocketAddress]
        do {
            // getaddrinfo blocks: keep it off the event loops and the cooperative pool.
            addresses = try await NIOThreadPool.singleton.runIfActive { try Self.lookUp(host) }
        } catch {
            throw .unresolvable
        }
        guard var first = addresses.first else { throw .unresolvable }
        for address in addresses where !permits(AddressClass.classify(address)) {
            throw .forbiddenAddress
        }
        first.port = destination.port
        return first
    }

    /// Every TCP address of `host`, in the resolver's preferred order.
    static func lookUp(_ host: String) throws(DestinationError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        // No AI_ADDRCONFIG: every record must be seen to be checked.
        var info: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &info) == 0, let head = info else { throw .unresolvable }
        defer { freeaddrinfo(head) }

        var result: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = head
        while let entry = cursor {
            defer { cursor = entry.pointee.ai_next }
            guard let raw = entry.pointee.ai_addr else { continue }
            switch entry.pointee.ai_family {
            case AF_INET:
                let address = UnsafeRawPointer(raw).loadUnaligned(as: sockaddr_in.self)
                result.append(SocketAddress(address, host: host))
            case AF_INET6:
                let address = UnsafeRawPointer(raw).loadUnaligned(as: sockaddr_in6.self)
                result.append(SocketAddress(address, host: host))
            default:
                continue
            }
        }
        // getaddrinfo lists one entry per socket type even with hints on some systems.
        var unique: [SocketAddress] = []
        for address in result where !unique.contains(address) { unique.append(address) }
        return unique
    }
}

public enum DestinationError: Error, Sendable, Equatable {
    case invalidURL, unsupportedScheme, unresolvable, forbiddenAddress
}

/// A parsed webhook URL: only what a POST needs, nothing that could carry credentials.
public struct WebhookDestination: Sendable, Equatable {
    /// "http" or "https".
    public let scheme: String
    /// Lower-cased name or IP literal; IPv6 without brackets.
    public let host: String
    public let port: Int
    /// Path and query, "/" if empty; the fragment is never sent.
    public let path: String

    static let maximumLength = 2000

    public init(parsing text: String) throws(DestinationError) {
        guard !text.isEmpty, text.utf8.count <= Self.maximumLength else { throw .invalidURL }
        // RFC 3986 characters only: spaces, controls, quotes and raw Unicode must come percent-encoded.
        guard text.utf8.allSatisfy(Self.isURICharacter) else { throw .invalidURL }

        guard let colon = text.firstIndex(of: ":") else { throw .invalidURL }
        let scheme = text[..<colon].lowercased()
        guard let initial = scheme.first, initial.isLetter,
            scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." })
        else { throw .invalidURL }
        guard scheme == "http" || scheme == "https" else { throw .unsupportedScheme }

        let rest = text[text.index(after: colon)...]
        guard rest.hasPrefix("//") else { throw .invalidURL }
        let afterSlashes = rest.dropFirst(2)
        let authorityEnd =
            afterSlashes.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterSlashes.endIndex
        let authority = afterSlashes[..<authorityEnd]
        // Userinfo would put credentials in logs and invites "https://trusted@evil" confusion.
        guard !authority.contains("@") else { throw .invalidURL }

        let hostPart: Substring
        let portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let tail = authority[authority.index(after: close)...]
            if tail.isEmpty {
                portPart = nil
            } else if tail.hasPrefix(":") {
                portPart = tail.dropFirst()
            } else {
                throw .invalidURL
            }
            // Zone identifiers ("%25eth0") only make sense for link-local targets: refuse them.
            guard Self.isIPv6Literal(String(hostPart)) else { throw .invalidURL }
        } else if let portColon = authority.firstIndex(of: ":") {
            hostPart = authority[..<portColon]
            portPart = authority[authority.index(after: portColon)...]
        } else {
            hostPart = authority
            portPart = nil
        }

        let host = hostPart.lowercased()
        if !authority.hasPrefix("[") {
            guard Self.isValidHostName(host) else { throw .invalidURL }
        }

        let defaultPort = scheme == "https" ? 443 : 80
        let port: Int
        if let portPart, !portPart.isEmpty {
            guard portPart.count <= 5, portPart.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int(portPart), (1...65535).contains(value)
            else { throw .invalidURL }
            port = value
        } else {
            port = defaultPort
        }

        var path = afterSlashes[authorityEnd...]
        if let hash = path.firstIndex(of: "#") { path = path[..<hash] }
        // Brackets belong to IPv6 hosts only; HTTP request targets may not carry them.
        guard !path.contains("[") && !path.contains("]") else { throw .invalidURL }

        self.scheme = scheme
        self.host = host
        self.port = port
        if path.isEmpty {
            self.path = "/"
        } else if path.hasPrefix("?") {
            self.path = "/" + path
        } else {
            self.path = String(path)
        }
    }

    /// Whether `host` is an IP literal (so it must not be sent as a TLS server name).
    var hostIsIPLiteral: Bool {
        Self.isIPv6Literal(host) || Self.isIPv4Literal(host)
    }

    /// The Host header value: the port only when it is not the scheme's default.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        let defaultPort = scheme == "https" ? 443 : 80
        return port == defaultPort ? name : "\(name):\(port)"
    }

    static func isURICharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "-._~:/?#[]@!$&'()*+,;=%".utf8.contains(byte)
        }
    }

    static func isIPv6Literal(_ text: String) -> Bool {
        var storage = in6_addr()
        return inet_pton(AF_INET6, text, &storage) == 1
    }

    static func isIPv4Literal(_ text: String) -> Bool {
        var storage = in_addr()
        return inet_pton(AF_INET, text, &storage) == 1
    }

    static func isValidHostName(_ host: String) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 254 else { return false }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        for (index, label) in labels.enumerated() {
            // A single trailing dot (fully-qualified name) is the only empty label allowed.
            if label.isEmpty {
                guard index == labels.count - 1, index > 0 else { return false }
                continue
            }
            guard label.utf8.count <= 63,
                label.utf8.allSatisfy({
                    ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F
                })
            else { return false }
        }
        return true
    }
}

/// What a resolved address would reach, for the SSRF policy.
public enum AddressClass: Sendable, Equatable {
    case publicAddress, loopback, privateNetwork, linkLocal
    /// Unspecified, multicast, broadcast, reserved: never a webhook target.
    case other

    public static func classify(_ address: SocketAddress) -> AddressClass {
        switch address {
        case .v4(let v4):
            return classify(ipv4: UInt32(bigEndian: v4.address.sin_addr.s_addr))
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            return classify(ipv6: bytes)
        case .unixDomainSocket:
            return .other
        }
    }

    /// `value` in host byte order.
    static func classify(ipv4 value: UInt32) -> AddressClass {
        func within(_ network: UInt32, _ prefix: UInt32) -> Bool {
            let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
            return value & mask == network
        }
        if within(0x7F00_0000, 8) { return .loopback }
        if within(0x0A00_0000, 8) || within(0xAC10_0000, 12) || within(0xC0A8_0000, 16)
            || within(0x6440_0000, 10)
        {
            return .privateNetwork
        }
        if within(0xA9FE_0000, 16) { return .linkLocal }
        // 0/8 "this network", 224/4 multicast, 240/4 reserved (255.255.255.255 included).
        if within(0x0000_0000, 8) || within(0xE000_0000, 4) || within(0xF000_0000, 4) { return .other }
        return .publicAddress
    }

    static func classify(ipv6 bytes: [UInt8]) -> AddressClass {
        precondition(bytes.count == 16)
        func embeddedIPv4() -> UInt32 {
            bytes[12...15].reduce(0) { $0 << 8 | UInt32($1) }
        }
        let firstTenZero = bytes[0..<10].allSatisfy { $0 == 0 }
        // ::ffff:a.b.c.d reaches the IPv4 host itself.
        if firstTenZero && bytes[10] == 0xFF && bytes[11] == 0xFF { return classify(ipv4: embeddedIPv4()) }
        // 64:ff9b::/96 is NAT64: the gateway forwards to the embedded IPv4 address.
        if bytes[0..<12].elementsEqual([0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]) {
            return classify(ipv4: embeddedIPv4())
        }
        if firstTenZero && bytes[10] == 0 && bytes[11] == 0 {
            if bytes[12...14].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return .loopback }
            // :: itself and the deprecated IPv4-compatible ::/96 block.
            return .other
        }
        if bytes[0] & 0xFE == 0xFC { return .privateNetwork }  // fc00::/7 unique local
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return .linkLocal }  // fe80::/10
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0xC0 { return .privateNetwork }  // fec0::/10 old site-local
        if bytes[0] == 0xFF { return .other }  // multicast
        return .publicAddress
    }
}
