import Crypto
import Foundation
import Tenancy

/// A signed checkpoint of the access log (ACCESS.md R11): every chain's head at one moment,
/// and over them a tree head — the number of records covered, the number of chains and a
/// Merkle root (RFC 6962's tree hash, as Certificate Transparency signs its logs) — signed
/// with an Ed25519 key the database never holds.
///
/// The database's owner can switch the log's triggers off, and a superuser can rewrite a
/// chain and rehash it: `hub audit verify` alone then finds a log consistent with itself.
/// A checkpoint kept outside the database (a file, and the signed root that partners receive
/// by webhook) still holds the heads as they were; any record it covers that was cut,
/// dropped or rewritten no longer matches it, and nobody without the key can sign a new one.
struct Checkpoint: Equatable, Sendable {
    struct Head: Equatable, Sendable {
        let chain: String
        let seq: Int64
        let hash: [UInt8]
    }

    typealias TreeHead = AuditTreeHead
    typealias Refusal = AuditTreeHead.Refusal

    let treeHead: TreeHead
    /// Sorted by the chain's UTF-8 bytes.
    let heads: [Head]

    /// Signs `heads` taken at `date`.
    init(heads: [Head], at date: Date, key: Curve25519.Signing.PrivateKey) throws {
        let sorted = heads.sorted { $0.chain.utf8.lexicographicallyPrecedes($1.chain.utf8) }
        var head = TreeHead(
            at: Self.format(date), size: sorted.reduce(0) { $0 + $1.seq }, chains: sorted.count,
            root: Self.root(of: sorted).hex, keyId: TreeHead.keyID(of: key.publicKey), signature: "")
        head.signature = try key.signature(for: Data(head.signedText.utf8)).base64EncodedString()
        self.treeHead = head
        self.heads = sorted
    }

    private init(treeHead: TreeHead, heads: [Head]) {
        self.treeHead = treeHead
        self.heads = heads
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    // MARK: The tree

    /// RFC 6962 §2.1: leaves hashed with a 0x00 prefix, nodes with 0x01, split at the largest
    /// power of two below the count. A leaf is the chain's name, a zero byte, its sequence
    /// number (8 bytes, big-endian) and its head hash.
    static func root(of heads: [Head]) -> [UInt8] {
        let leaves = heads.map { head -> [UInt8] in
            var leaf: [UInt8] = [0x00]
            leaf += Array(head.chain.utf8)
            leaf.append(0x00)
            leaf += withUnsafeBytes(of: head.seq.bigEndian) { Array($0) }
            leaf += head.hash
            return Array(SHA256.hash(data: leaf))
        }
        return treeHash(leaves[...])
    }

    private static func treeHash(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        switch leaves.count {
        case 0: return Array(SHA256.hash(data: [UInt8]()))
        case 1: return leaves.first!
        default:
            var split = 1
            while split * 2 < leaves.count { split *= 2 }
            let left = treeHash(leaves.prefix(split))
            let right = treeHash(leaves.dropFirst(split))
            return Array(SHA256.hash(data: [0x01] + left + right))
        }
    }

    // MARK: The file

    /// A text file: the tree head, a blank line, then one head a line (chain, sequence
    /// number, hash in hex, separated by tabs).
    var fileText: String {
        var text = "\(TreeHead.version)\nat \(treeHead.at)\nsize \(treeHead.size)\nchains \(treeHead.chains)\n"
        text += "root \(treeHead.root)\nkey \(treeHead.keyId)\nsignature \(treeHead.signature)\n\n"
        for head in heads { text += "\(head.chain)\t\(head.seq)\t\(head.hash.hex)\n" }
        return text
    }

    var fileName: String {
        "checkpoint-\(treeHead.at.replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")).txt"
    }

    /// Reads a checkpoint file and checks it against the public key: the signature, the
    /// key, and the root and counts recomputed from the heads it lists.
    init(fileText text: String, publicKey: Curve25519.Signing.PublicKey) throws {
        let parts = text.components(separatedBy: "\n\n")
        guard parts.count == 2 else { throw Refusal.malformed("en-tête") }
        var fields: [String: String] = [:]
        let header = parts[0].split(separator: "\n")
        guard header.first == Substring(TreeHead.version) else { throw Refusal.malformed("version") }
        for line in header.dropFirst() {
            guard let space = line.firstIndex(of: " ") else { throw Refusal.malformed("en-tête") }
            fields[String(line[..<space])] = String(line[line.index(after: space)...])
        }
        guard let at = fields["at"], let size = fields["size"].flatMap({ Int64($0) }),
            let chains = fields["chains"].flatMap({ Int($0) }), let root = fields["root"], let keyId = fields["key"],
            let signature = fields["signature"]
        else { throw Refusal.malformed("en-tête") }
        let treeHead = TreeHead(at: at, size: size, chains: chains, root: root, keyId: keyId, signature: signature)
        try treeHead.check(with: publicKey)
        var heads: [Head] = []
        for line in parts[1].split(separator: "\n") {
            let columns = line.split(separator: "\t")
            guard columns.count == 3, let seq = Int64(columns[1]), let hash = [UInt8](hex: String(columns[2])) else {
                throw Refusal.malformed("tête de chaîne")
            }
            heads.append(Head(chain: String(columns[0]), seq: seq, hash: hash))
        }
        guard heads.count == chains, heads.reduce(0, { $0 + $1.seq }) == size, Self.root(of: heads).hex == root
        else { throw Refusal.root }
        self.init(treeHead: treeHead, heads: heads)
    }
}

/// The signing key: 32 raw bytes in base64, one line, in a file only the hub's system user
/// reads (HUB_AUDIT_SIGNING_KEY_FILE). The database never sees it.
enum CheckpointKey {
    static func load(from path: String) throws -> Curve25519.Signing.PrivateKey {
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let raw = Data(base64Encoded: text) else { throw ConfigurationError.invalid("HUB_AUDIT_SIGNING_KEY_FILE") }
        return try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
    }

    static func publicKey(base64 text: String) throws -> Curve25519.Signing.PublicKey {
        guard let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ConfigurationError.invalid("HUB_AUDIT_PUBLIC_KEY")
        }
        return try Curve25519.Signing.PublicKey(rawRepresentation: raw)
    }

    /// A new key, written with mode 0600; refuses to overwrite one.
    static func generate(at path: String) throws -> Curve25519.Signing.PrivateKey {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw ConfigurationError.invalid("HUB_AUDIT_SIGNING_KEY_FILE (le fichier existe déjà)")
        }
        let key = Curve25519.Signing.PrivateKey()
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data((key.rawRepresentation.base64EncodedString() + "\n").utf8),
                attributes: [.posixPermissions: 0o600])
        else { throw ConfigurationError.invalid("HUB_AUDIT_SIGNING_KEY_FILE (écriture impossible)") }
        return key
    }
}
