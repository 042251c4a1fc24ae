import Foundation
import Hummingbird
import NIOCore

extension Request {
    /// Decodes the JSON body, turning every way it can be wrong into a French 400 that
    /// names the field (or 413 over the size limit), never a 500.
    func decodeJSON<T: Decodable>(as type: T.Type, context: HubRequestContext) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: context.maxUploadSize)
        } catch is NIOTooManyBytesError {
            throw Problem.payloadTooLarge(limit: context.maxUploadSize)
        }
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
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            let field = path(context.codingPath)
            self = .badRequest("La valeur du champ « \(field) » n'est pas reconnue.", field: field)
        default:
            self = .badRequest("Le corps de la requête n'est pas un objet JSON valide.")
        }
    }
}
