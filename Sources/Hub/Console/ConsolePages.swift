import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import Tenancy

/// The console's templates (Resources/console/*.mustache, Hummingbird's swift-mustache),
/// read once per process, and its stylesheet.
struct ConsolePages: Sendable {
    let library: MustacheLibrary
    let stylesheet: ByteBuffer

    /// Nil only if the binary was built without its resources: the console's routes are then
    /// not served at all (`buildRouter`), and errors stay problem+json.
    static let shared: ConsolePages? = {
        do { return try load() } catch {
            Logger(label: "hub").critical("console: templates missing or invalid", metadata: ["error": "\(error)"])
            return nil
        }
    }()

    static func load() throws -> ConsolePages {
        guard let directory = Bundle.module.url(forResource: "console", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile)
        }
        // Before any template is parsed: the layout names it (`{{% CONTENT_TYPE: HUB_HTML }}`).
        MustacheContentTypes.register(ConsoleHTML(), named: "HUB_HTML")
        var library = MustacheLibrary()
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path)
        where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            try library.register(text, named: String(file.dropLast(".mustache".count)))
        }
        let css = try Data(contentsOf: directory.appendingPathComponent("console.css"))
        return ConsolePages(library: library, stylesheet: ByteBuffer(data: css))
    }

    /// A page: French HTML, never stored by a cache (the security headers' `no-store`), its
    /// referrer sent to its own origin only, so that its forms carry an Origin the hub checks.
    func page(_ template: String, _ view: Any, status: HTTPResponse.Status = .ok) -> Response {
        // A view that names its own fields is read as it is; any other is reflected once.
        let fields = view is MustacheParent ? view : Self.fields(of: view)
        guard let html = library.render(fields, withTemplate: template) else {
            Logger(label: "hub").error("console: no template", metadata: ["template": "\(template)"])
            return Response(status: .internalServerError, headers: [.contentType: "text/plain; charset=utf-8"])
        }
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .referrerPolicy: "same-origin"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A view as dictionaries and arrays, each value's fields reflected once. swift-mustache
    /// reads a Swift value's field through `Mirror` at every lookup, reflecting all its fields
    /// each time: that was 45 % of the hub's time on the household page (perf, release build),
    /// the page then serving a third of its route's requests. A nil field is left out, as
    /// Mustache reads a missing one.
    static func fields(of value: Any) -> Any {
        switch value {
        case is String, is Bool, is Int: return value
        case let optional as any OptionalField: return optional.wrapped.map(fields(of:)) as Any
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .struct?, .class?:
            var fields: [String: Any] = [:]
            for child in mirror.children {
                guard let label = child.label else { continue }
                if let optional = child.value as? any OptionalField {
                    if let wrapped = optional.wrapped { fields[label] = Self.fields(of: wrapped) }
                } else {
                    fields[label] = Self.fields(of: child.value)
                }
            }
            return fields
        case .collection?:
            return mirror.children.map { fields(of: $0.value) }
        default:
            return value
        }
    }

    /// A 303 to a page of the console (post-redirect-get).
    static func redirect(to location: String, cookies: [Cookie] = []) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    // MARK: Error pages

    struct ErrorView {
        let heading: String
        let detail: String
        let advice: String
        let link: String
        let linkText: String
        let status: Int
        let requestId: String
    }

    /// The French page of a problem. A household the reader may not see and one that does
    /// not exist give the same page (R7): its words come from the problem, which is the same.
    func errorPage(_ problem: Problem, requestID: String) -> Response {
        let (heading, advice): (String, String) =
            switch problem.status.code {
            case 401: ("Connexion requise", "Connectez-vous pour continuer.")
            case 403: ("Accès refusé", "Si vous pensez devoir y accéder, adressez-vous à votre responsable.")
            case 404:
                (
                    "Page introuvable",
                    "Vérifiez l'adresse, ou retrouvez le ménage depuis votre liste : un dossier que vous ne suivez pas n'y figure pas."
                )
            case 429: ("Trop de tentatives", "Patientez quelques minutes avant de réessayer.")
            case 400..<500: ("Demande refusée", "Revenez à la page précédente et corrigez votre saisie.")
            case 503: ("Service momentanément indisponible", "Réessayez dans quelques instants.")
            default:
                (
                    "Le service a rencontré un problème",
                    "Réessayez dans quelques instants. Si le problème persiste, transmettez l'identifiant ci-dessous au support."
                )
            }
        var response = page(
            "error",
            ErrorView(
                heading: heading, detail: problem.detail, advice: advice,
                link: problem.status == .unauthorized ? "/connexion" : "/",
                linkText: problem.status == .unauthorized ? "Se connecter" : "Revenir à l'accueil",
                status: problem.status.code, requestId: requestID),
            status: problem.status)
        for field in problem.headers where field.name != .wwwAuthenticate { response.headers.append(field) }
        return response
    }

    /// Whether an error should be answered as a page rather than problem+json: a browser
    /// (it asks for HTML) on a path that is not the API's.
    static func wantsPage(_ request: Request) -> Bool {
        let path = request.uri.path
        guard !path.hasPrefix("/v1/"), path != "/v1", !path.hasPrefix("/health"), path != "/openapi.json" else {
            return false
        }
        return request.headers[.accept]?.contains("text/html") == true
    }
}

/// HTML escaping in one pass over the text's bytes, for the console's templates: the same five
/// characters as swift-mustache's own escaping, which looks each character up in a dictionary
/// and was 8 % of the hub's time on the household page. Most values have none of them and are
/// returned as they are.
struct ConsoleHTML: MustacheContentType {
    private static let entities: [UInt8: [UInt8]] = [
        UInt8(ascii: "&"): Array("&amp;".utf8), UInt8(ascii: "<"): Array("&lt;".utf8),
        UInt8(ascii: ">"): Array("&gt;".utf8), UInt8(ascii: "\""): Array("&quot;".utf8),
        UInt8(ascii: "'"): Array("&#39;".utf8),
    ]

    private static func special(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
            || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }

    func escapeText(_ text: String) -> String {
        guard text.utf8.contains(where: Self.special) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            if Self.special(byte), let entity = Self.entities[byte] {
                bytes.append(contentsOf: entity)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// An optional field, unwrapped without a `Mirror` of its own (a cast is cheaper).
protocol OptionalField {
    var wrapped: Any? { get }
}

extension Optional: OptionalField {
    var wrapped: Any? { self.map { $0 as Any } }
}

/// What the layout shows of the signed-in person, the CSRF token its sign-out form carries,
/// and the menu's entries this person may follow (each page refuses the others anyway).
struct Shell: Sendable {
    let userName: String
    let organisationName: String
    let csrf: String
    let worksOnHouseholds: Bool
    /// Everybody but an aggregate-only reader (the evaluator) has an inbox.
    let readsMessages: Bool
    let managesMembers: Bool
    /// The evaluator, and a programme's members who follow households (R9).
    let readsIndicators: Bool
    /// Whether the layout shows a menu at all (stored: the templates read stored fields only).
    let hasMenu: Bool
    var onHouseholds = false
    var onCells = false
    var onMessages = false
    var onOrganisation = false
    var onIndicators = false

    init(_ me: Me, actor: Actor, csrf: String) {
        userName = me.user.displayName
        organisationName = me.organisation.name
        self.csrf = csrf
        worksOnHouseholds = AccessRules.worksOnHouseholds(actor)
        readsMessages = !AccessRules.readsAggregatesOnly(actor)
        managesMembers = AccessRules.mayManageMembers(actor)
        readsIndicators = AccessRules.readsAggregatesOnly(actor) || worksOnHouseholds
        hasMenu = worksOnHouseholds || readsMessages || managesMembers || readsIndicators
    }
}
