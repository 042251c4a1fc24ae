import Crypto
import Foundation

/// The signed part of an access-log checkpoint, and all that leaves for partners (by webhook):
/// like Certificate Transparency's signed tree head, it names no chain — chains are named by
/// household, and a list of heads would tell every tenant every household's activity.
public struct AuditTreeHead: Codable, Equatable, Sendable {
    public static let version = "hub-audit-checkpoint/v1"

    /// ISO 8601, UTC, to the second.
    public let at: String
    /// Records covered: the sum of the chains' head sequence numbers.
    public let size: Int64
    public let chains: Int
    /// The Merkle root over the heads (RFC 6962 tree hash), in hex.
    public let root: String
    /// The first 8 bytes of the SHA-256 of the public key, in hex.
    public let keyId: String
    /// Base64 Ed25519 signature of `signedText`.
    public var signature: String

    public init(at: String, size: Int64, chains: Int, root: String, keyId: String, signature: String) {
        self.at = at
        self.size = size
        self.chains = chains
        self.root = root
        self.keyId = keyId
        self.signature = signature
    }

    /// What the key signs; a receiver rebuilds it from the fields it received.
    public var signedText: String { "\(Self.version)\n\(at)\n\(size)\n\(chains)\n\(root)\n" }

    public static func keyID(of key: Curve25519.Signing.PublicKey) -> String {
        Array(SHA256.hash(data: key.rawRepresentation).prefix(8)).hex
    }

    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case signature
        case otherKey(String)
        case root

        public var description: String {
            switch self {
            case .malformed(let what): "fichier illisible (\(what))"
            case .signature: "signature invalide (modifié après signature)"
            case .otherKey(let id): "signé par une autre clé (\(id))"
            case .root: "les têtes de chaîne ne correspondent pas à la racine signée"
            }
        }
    }

    /// The key, then the signature.
    public func check(with publicKey: Curve25519.Signing.PublicKey) throws {
        guard keyId == Self.keyID(of: publicKey) else { throw Refusal.otherKey(keyId) }
        guard let signature = Data(base64Encoded: signature),
            publicKey.isValidSignature(signature, for: Data(signedText.utf8))
        else { throw Refusal.signature }
    }
}
