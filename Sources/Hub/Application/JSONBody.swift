import Foundation
import Hummingbird
import NIOCore

extension Request {
    /// Decodes the JSON body, turning every way it can be wrong into a French 400 that
    /// names the field (or 413 over the size limit), never a 500.
    func decodeJSON<T: Decodable>(as type: T.Type, context: some RequestContext) async throws -> T {
        try Self.decode(T.self, from: try await collectBody(context: context))
    }

    /// A body the operation lets its caller leave out: nil when the request carries none.
    func decodeOptionalJSON<T: Decodable>(as type: T.Type, context: some RequestContext) async throws -> T? {
        let buffer = try await collectBody(context: context)
        return buffer.readableBytes == 0 ? nil : try Self.decode(T.self, from: buffer)
    }

    private func collectBody(context: some RequestContext) async throws -> ByteBuffer {
        do {
            return try await body.collect(upTo: context.maxUploadSize)
        } catch is NIOTooManyBytesError {
            throw Problem.payloadTooLarge(limit: context.maxUploadSize)
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        let value: T
        do {
            value = try JSONDecoder.hub.decode(T.self, from: buffer)
        } catch let error as DecodingError {
            throw Problem(decoding: error)
        }
        if let known = T.self as? any ClosedJSONObject.Type,
            let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any],
            let unexpected = object.keys.sorted().first(where: { !known.fields.contains($0) })
        {
            throw Problem.badRequest("Le champ « \(unexpected) » n'est pas attendu.", field: unexpected)
        }
        return value
    }
}

extension Request {
    /// The path of the first string (or key) holding U+0000, if any. JSON can only carry it
    /// escaped, so a body without the six bytes `\u0000` is never parsed twice.
    static func fieldWithNullCharacter(in buffer: ByteBuffer) -> String? {
        let data = Data(buffer: buffer)
        guard data.range(of: Data(#"\u0000"#.utf8)) != nil,
            let root = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        else { return nil }
        func search(_ value: Any, _ path: String) -> String? {
            switch value {
            case let text as String:
                return text.contains("\0") ? path : nil
            case let object as [String: Any]:
                for key in object.keys.sorted() {
                    let inner = path.isEmpty ? key : "\(path).\(key)"
                    if key.contains("\0") { return inner }
                    if let found = search(object[key]!, inner) { return found }
                }
                return nil
            case let array as [Any]:
                for (index, element) in array.enumerated() {
                    if let found = search(element, "\(path)[\(index)]") { return found }
                }
                return nil
            default:
                return nil
            }
        }
        // `\\u0000` (an escaped backslash then "u0000") is no NUL: nothing found, nothing refused.
        return search(root, "").map { $0.isEmpty ? "body" : $0 }
    }
}

/// A request body whose unknown fields are refused rather than ignored: a misspelt
/// `boundbySecret` must not silently create a user without the secrecy binding.
protocol ClosedJSONObject: Decodable {
    static var fields: Set<String> { get }
}

extension Problem {
    init(decoding error: DecodingError) {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            self = .badRequest("Le champ « \(field) » est manquant.", field: field)
        case .valueNotFound(_, let context):
            let field = path(context.codingPath)
            self = .badRequest("Le champ « \(field) » ne peut pas être nul.", field: field)
        case .typeMismatch(_, let context) where !context.codingPath.isEmpty:
            let field = path(context.codingPath)
            self = .badRequest("Le champ « \(field) » n'a pas le type attendu.", field: field)
        case .dataCorrupted(let context) where context.debugDescription == RFC3339.notADateTime:
            let field = path(context.codingPath)
            self = .badRequest(
                "Le champ « \(field) » attend une date et une heure RFC 3339, par exemple 2025-03-14T09:30:00+01:00.",
                field: field)
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            let field = path(context.codingPath)
            self = .badRequest("La valeur du champ « \(field) » n'est pas reconnue.", field: field)
        default:
            self = .badRequest("Le corps de la requête n'est pas un objet JSON valide.")
        }
    }
}
