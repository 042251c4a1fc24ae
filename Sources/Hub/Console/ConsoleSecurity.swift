import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Tenancy

/// How the console carries a session in a browser (issue 20): the API's own opaque session
/// token, in a cookie the page's scripts cannot read (HttpOnly), that other sites' links and
/// forms do not carry (SameSite=Lax), sent only over HTTPS (Secure) to this host alone
/// (`__Host-`). Every unsafe request must also come from the hub's own origin and carry the
/// form's CSRF token.
///
/// Secure cookies need HTTPS, with one exception the demo relies on: Chromium (156, checked
/// by the browser tests) keeps them on plain HTTP to loopback (127.0.0.1, localhost). A hub
/// whose public address is plain HTTP elsewhere gives cookies without Secure and prefix.
struct ConsoleSecurity: Sendable {
    /// The origins whose forms are the hub's own: the origin of its address as people reach
    /// it (`HUB_PUBLIC_URL`, e.g. `https://hub.example.fr`), and on loopback the same port
    /// under loopback's other names (a demo opened at localhost rather than 127.0.0.1).
    let ownOrigins: Set<String>
    /// Secure and `__Host-` cookies: over HTTPS, or on loopback. Decided from the public
    /// address alone, never from a request's Host header, which a proxy may rewrite.
    let secure: Bool
    /// The hub's address as people reach it, without a trailing slash: the links a page
    /// gives to be used elsewhere (a calendar's address).
    let publicURL: String

    init(publicURL: String) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        let url = URL(string: publicURL)
        let scheme = url?.scheme?.lowercased() ?? "http"
        let host = url?.host?.lowercased() ?? "127.0.0.1"
        let port = url?.port.map { ":\($0)" } ?? ""
        let publicOrigin = "\(scheme)://\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host)\(port)"
        let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"]
        if loopback.contains(host) {
            ownOrigins = Set(["127.0.0.1", "localhost", "[::1]"].map { "\(scheme)://\($0)\(port)" })
        } else {
            ownOrigins = [publicOrigin]
        }
        secure = scheme == "https" || loopback.contains(host)
    }

    var sessionCookieName: String { secure ? "__Host-hub_session" : "hub_session" }
    var signInCookieName: String { secure ? "__Host-hub_sign_in" : "hub_sign_in" }

    /// The session token a browser sent, if any.
    func sessionToken(in request: Request) -> String? {
        request.cookies[sessionCookieName]?.value.nilIfEmpty
    }

    /// A cookie that lives as long as the browser window (no Max-Age: a shared office computer
    /// forgets it when closed); the session itself ends earlier if idle or expired.
    func cookie(_ name: String, _ value: String) -> Cookie {
        Cookie(name: name, value: value, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    func expiredCookie(_ name: String) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// An unsafe request comes from one of the hub's own pages: its Origin is the hub's
    /// (`ownOrigins`). A missing or `null` Origin is refused:
    /// the console's pages send their referrer to their own origin (`Referrer-Policy:
    /// same-origin`), so a browser always names it.
    func checkOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin]?.lowercased(), ownOrigins.contains(origin) else {
            throw Problem.forbidden(
                "Ce formulaire ne vient pas d'une page du hub : il n'a pas été pris en compte. Rechargez la page et recommencez."
            )
        }
    }

    /// The CSRF token of a session: derived from its secret token, so that only a page served
    /// to that session's browser knows it, and any hub process can check it without storing it.
    static func csrfToken(forSession token: String) -> String {
        let key = SymmetricKey(data: Data(token.utf8))
        return Array(HMAC<SHA256>.authenticationCode(for: Data("console-csrf".utf8), using: key)).hex
    }

    /// Compares a form's token in constant time.
    static func csrfMatches(_ given: String?, _ expected: String) -> Bool {
        guard let given, given.utf8.count == expected.utf8.count else { return false }
        return zip(given.utf8, expected.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static var csrfRefused: Problem {
        Problem.forbidden(
            "Ce formulaire a expiré ou ne vient pas d'une page du hub : il n'a pas été pris en compte. Rechargez la page et recommencez."
        )
    }
}

/// A form as browsers post it (`application/x-www-form-urlencoded`), read through
/// Hummingbird's decoder into its fields.
struct ConsoleForm: Sendable {
    let fields: [String: String]

    subscript(_ name: String) -> String? { fields[name] }

    /// Reads the body once and leaves it buffered in `request`, so that a later reader (the
    /// handler after `ConsoleSessionMiddleware`) finds it again. A NUL character (U+0000) is
    /// refused as the API refuses it in JSON: PostgreSQL's text cannot hold one.
    static func read(_ request: inout Request, context: some RequestContext) async throws -> ConsoleForm {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw Problem.badRequest("Ce formulaire n'a pas été envoyé comme un formulaire de page.")
        }
        let text: String
        do {
            text = String(buffer: try await request.collectBody(upTo: context.maxUploadSize))
        } catch is NIOTooManyBytesError {
            throw Problem.payloadTooLarge(limit: context.maxUploadSize)
        }
        guard !text.isEmpty else { return ConsoleForm(fields: [:]) }
        let fields: [String: String]
        do {
            fields = try URLEncodedFormDecoder().decode([String: String].self, from: text)
        } catch {
            throw Problem.badRequest("Ce formulaire est mal formé.")
        }
        if let field = fields.first(where: { $0.key.contains("\0") || $0.value.contains("\0") }) {
            throw Problem.nullCharacter(field: field.key.replacingOccurrences(of: "\0", with: ""))
        }
        return ConsoleForm(fields: fields)
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
