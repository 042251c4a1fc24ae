import Foundation
import HTTPTypes
import Hummingbird

/// An error as the client reads it: `application/problem+json` (RFC 9457) with a French
/// title and detail. Every 4xx and 5xx of the hub is one of these.
struct Problem: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    /// Stable machine-readable kind, `urn:hub:problem:<code>`.
    let code: String
    let title: String
    let detail: String
    var field: String? = nil
    var headers: HTTPFields = [:]

    struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let requestId: String
        let field: String?
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(
            type: "urn:hub:problem:\(code)", title: title, status: status.code, detail: detail,
            requestId: context.id, field: field)
        var headers = headers
        headers[.contentType] = "application/problem+json"
        return Response(
            status: status, headers: headers,
            body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder.hub.encode(body))))
    }
}

extension Problem {
    static func badRequest(_ detail: String, field: String? = nil) -> Problem {
        Problem(status: .badRequest, code: "validation", title: "Requête invalide", detail: detail, field: field)
    }

    static func unprocessable(_ detail: String, field: String? = nil) -> Problem {
        Problem(
            status: .unprocessableContent, code: "unprocessable", title: "Données refusées", detail: detail,
            field: field)
    }

    static let unauthenticated = Problem(
        status: .unauthorized, code: "unauthenticated", title: "Authentification requise",
        detail: "Jeton d'accès absent, invalide ou expiré : reconnectez-vous.",
        headers: [.wwwAuthenticate: "Bearer"])

    static let signInRefused = Problem(
        status: .unauthorized, code: "unauthenticated", title: "Identifiants invalides",
        detail: "Adresse e-mail, mot de passe ou organisation incorrects.",
        headers: [.wwwAuthenticate: "Bearer"])

    static func forbidden(_ detail: String) -> Problem {
        Problem(status: .forbidden, code: "forbidden", title: "Accès refusé", detail: detail)
    }

    /// R7: what the reader may not see answers exactly like what does not exist.
    static let notFound = Problem(
        status: .notFound, code: "not-found", title: "Ressource introuvable",
        detail: "Aucune ressource ne correspond à cette adresse.")

    static func allowHeader(_ allow: [HTTPRequest.Method]) -> String {
        allow.map(\.rawValue).sorted().joined(separator: ", ")
    }

    static func methodNotAllowed(allow: [HTTPRequest.Method]) -> Problem {
        let allowed = allowHeader(allow)
        return Problem(
            status: .methodNotAllowed, code: "method-not-allowed", title: "Méthode non autorisée",
            detail: "Cette adresse accepte : \(allowed).", headers: [.allow: allowed])
    }

    static func conflict(_ detail: String) -> Problem {
        Problem(status: .conflict, code: "conflict", title: "Conflit", detail: detail)
    }

    static func payloadTooLarge(limit: Int) -> Problem {
        Problem(
            status: .contentTooLarge, code: "payload-too-large", title: "Requête trop volumineuse",
            detail: "Le corps de la requête dépasse la limite de \(limit / 1024) Kio.")
    }

    static func tooManyRequests(retryAfter: Duration) -> Problem {
        Problem(
            status: .tooManyRequests, code: "rate-limited", title: "Trop de tentatives",
            detail: "Trop de tentatives de connexion échouées. Réessayez plus tard.",
            headers: [.retryAfter: "\(retryAfter.components.seconds)"])
    }

    /// A 503 says when to try again: the database is restarting, or starting.
    static func unavailable(_ detail: String) -> Problem {
        Problem(
            status: .serviceUnavailable, code: "unavailable", title: "Service indisponible", detail: detail,
            headers: [.retryAfter: "2"])
    }

    static let databaseUnavailable = unavailable(
        "La base de données est momentanément injoignable. Réessayez dans quelques secondes.")

    /// PostgreSQL's text cannot hold U+0000, and no French text needs it.
    static func nullCharacter(field: String) -> Problem {
        badRequest("Le champ « \(field) » contient un caractère nul (U+0000), refusé.", field: field)
    }

    static let `internal` = Problem(
        status: .internalServerError, code: "internal", title: "Erreur interne",
        detail: "Une erreur inattendue s'est produite. Communiquez l'identifiant de requête au support.")

    /// The generic answer for a status Hummingbird itself produced.
    static func forStatus(_ status: HTTPResponse.Status) -> Problem {
        switch status {
        case .notFound: .notFound
        case .contentTooLarge: .payloadTooLarge(limit: HubRequestContext.bodyLimit)
        case .unauthorized: .unauthenticated
        case .badRequest: .badRequest("La requête est mal formée.")
        case .methodNotAllowed: .methodNotAllowed(allow: [])
        default:
            status.code >= 500
                ? .internal
                : Problem(
                    status: status, code: "http-\(status.code)", title: "Requête refusée", detail: status.reasonPhrase)
        }
    }
}
