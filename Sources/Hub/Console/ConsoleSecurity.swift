import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Tenancy

/// How the console carries a session in a browser (issue 20): the API's own opaque session
/// token, in a cookie the page's scripts cannot read (HttpOnly), that other sites' links and
/// forms do not carry (SameSite=Lax), sent only over HTTPS (Secure) to this host alone
/// (`__Host-`). Every unsafe request must also come from the hub's own origin and carry the
/// form's CSRF token.
///
/// Secure cookies need HTTPS, with one exception the demo relies on: Chromium (156, checked
/// by the browser tests) and Firefox keep them on plain HTTP to loopback (127.0.0.1,
/// localhost). Served over plain HTTP elsewhere, the cookies lose Secure and their prefix.
struct ConsoleSecurity: Sendable {
    /// The hub's address as people reach it (`HUB_PUBLIC_URL`), e.g. `https://hub.example.fr`.
    let publicOrigin: String

    init(publicURL: String) {
        let url = URL(string: publicURL)
        let port = url?.port.map { ":\($0)" } ?? ""
        publicOrigin = "\(url?.scheme ?? "http")://\(url?.host ?? "127.0.0.1")\(port)".lowercased()
    }

    var servedOverHTTPS: Bool { publicOrigin.hasPrefix("https://") }

    /// Whether this request's cookies are Secure and `__Host-`: over HTTPS, or on loopback.
    func secure(_ request: Request) -> Bool {
        servedOverHTTPS || ["127.0.0.1", "localhost", "[::1]"].contains(Self.host(of: request))
    }

    func sessionCookieName(_ request: Request) -> String { secure(request) ? "__Host-hub_session" : "hub_session" }
    func signInCookieName(_ request: Request) -> String { secure(request) ? "__Host-hub_sign_in" : "hub_sign_in" }

    /// The session token a browser sent, if any.
    func sessionToken(in request: Request) -> String? {
        request.cookies[sessionCookieName(request)]?.value.nilIfEmpty
    }

    /// A cookie that lives as long as the browser window (no Max-Age: a shared office computer
    /// forgets it when closed); the session itself ends earlier if idle or expired.
    func cookie(_ name: String, _ value: String, request: Request) -> Cookie {
        Cookie(name: name, value: value, path: "/", secure: secure(request), httpOnly: true, sameSite: .lax)
    }

    func expiredCookie(_ name: String, request: Request) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure(request), httpOnly: true, sameSite: .lax)
    }

    /// An unsafe request comes from one of the hub's own pages: its Origin is the hub's (as
    /// configured, or as the request addressed it). A missing or `null` Origin is refused:
    /// the console's pages send their referrer to their own origin (`Referrer-Policy:
    /// same-origin`), so a browser always names it.
    func checkOrigin(_ request: Request) throws {
        let scheme = servedOverHTTPS ? "https" : "http"
        let own = [publicOrigin, request.head.authority.map { "\(scheme)://\($0)".lowercased() }].compactMap { $0 }
        guard let origin = request.headers[.origin]?.lowercased(), own.contains(origin) else {
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

    private static func host(of request: Request) -> String {
        guard let authority = request.head.authority?.lowercased() else { return "" }
        if authority.hasPrefix("[") { return String(authority.prefix { $0 != "]" }) + "]" }
        return String(authority.prefix { $0 != ":" })
    }
}

/// A form as browsers post it (`application/x-www-form-urlencoded`), read through
/// Hummingbird's decoder into its fields.
struct ConsoleForm: Sendable {
    let fields: [String: String]

    subscript(_ name: String) -> String? { fields[name] }

    static func read(_ request: Request, context: some RequestContext) async throws -> ConsoleForm {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw Problem.badRequest("Ce formulaire n'a pas été envoyé comme un formulaire de page.")
        }
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let text = String(buffer: body)
        guard !text.isEmpty else { return ConsoleForm(fields: [:]) }
        do {
            return ConsoleForm(fields: try URLEncodedFormDecoder().decode([String: String].self, from: text))
        } catch {
            throw Problem.badRequest("Ce formulaire est mal formé.")
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
