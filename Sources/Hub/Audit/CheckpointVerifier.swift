import Crypto
import Foundation
import Logging
import PostgresNIO
import Tenancy

/// Checks the log against the checkpoints kept outside it: each checkpoint file is refused
/// unless the public key verifies its signature and its heads give its signed root; then
/// every head any checkpoint recorded must still be in the log, with the same hash. A
/// chain is thus named as dropped, cut or rewritten even when it is consistent with itself
/// (the owner cut it and moved its head; a superuser rewrote it and rehashed it).
enum CheckpointVerifier {
    struct Failure: Error, Equatable, CustomStringConvertible {
        let description: String
    }

    struct Report: Equatable {
        /// Checkpoint files read and accepted.
        let checkpoints: Int
        /// Distinct heads they recorded, all found in the log.
        let heads: Int
    }

    /// The checkpoints of `directory`, oldest first, each checked against `publicKey`.
    static func load(from directory: String, publicKey: Curve25519.Signing.PublicKey) throws -> [Checkpoint] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasPrefix("checkpoint-") && $0.hasSuffix(".txt") }.sorted()
        return try names.map { name in
            let text = try String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)
            do {
                return try Checkpoint(fileText: text, publicKey: publicKey)
            } catch let refusal as AuditTreeHead.Refusal {
                throw Failure(description: "point de contrôle \(name) refusé : \(refusal)")
            }
        }
    }

    static func verify(_ checkpoints: [Checkpoint], on connection: PostgresConnection, logger: Logger) async throws
        -> Report
    {
        // Every distinct (chain, seq, hash) recorded, with the last checkpoint that recorded it.
        var recorded: [String: (head: Checkpoint.Head, at: String)] = [:]
        for checkpoint in checkpoints {
            for head in checkpoint.heads {
                recorded["\(head.chain)\t\(head.seq)"] = (head, checkpoint.treeHead.at)
            }
        }
        let heads = recorded.values.sorted {
            ($0.head.chain, $0.head.seq) < ($1.head.chain, $1.head.seq)
        }
        // By batches, each one query joined on the log's (chain, seq) key.
        for start in stride(from: 0, to: heads.count, by: 10_000) {
            let batch = heads[start..<min(start + 10_000, heads.count)]
            let rows = try await connection.query(
                """
                SELECT c.chain, c.seq, a.hash, (SELECT max(l.seq) FROM audit_log l WHERE l.chain = c.chain)
                FROM unnest(\(batch.map(\.head.chain)), \(batch.map(\.head.seq)),
                            \(batch.map { ByteBuffer(bytes: $0.head.hash) })) AS c (chain, seq, hash)
                LEFT JOIN audit_log a ON a.chain = c.chain AND a.seq = c.seq
                WHERE a.hash IS DISTINCT FROM c.hash
                ORDER BY c.chain, c.seq LIMIT 1
                """, logger: logger)
            for try await (chain, seq, found, last) in rows.decode((String, Int64, ByteBuffer?, Int64?).self) {
                let at = recorded["\(chain)\t\(seq)"]!.at
                let failure =
                    switch (found, last) {
                    case (nil, nil):
                        "chaîne \(chain) supprimée : le point de contrôle du \(at) en couvrait \(seq) enregistrements"
                    case (nil, let last?):
                        "chaîne \(chain) tronquée : le point de contrôle du \(at) la couvre jusqu'au n° \(seq), "
                            + "le journal s'arrête au n° \(last)"
                    case (.some, _):
                        "chaîne \(chain) réécrite : l'enregistrement n° \(seq) ne correspond plus "
                            + "au point de contrôle du \(at)"
                    }
                throw Failure(description: failure)
            }
        }
        return Report(checkpoints: checkpoints.count, heads: heads.count)
    }
}
