import ArgumentParser
import Crypto
import Foundation
import Logging
import PostgresNIO

/// Recomputes every chain of the access log: each record's hash from its predecessor's and
/// its own content, sequence numbers without gaps, and each chain's head. The first record
/// that does not fit is named: altered (its content or hash changed) or missing (a gap, or
/// records cut off after the head).
struct AuditVerifier {
    struct Break: Error, Equatable, CustomStringConvertible {
        let chain: String
        let seq: Int64
        let id: Int64?
        let reason: String

        var description: String {
            "chaîne \(chain), enregistrement n° \(seq)\(id.map { " (id \($0))" } ?? "") : \(reason)"
        }
    }

    /// Returns the number of records verified, or throws the first break.
    static func verify(on connection: PostgresConnection, logger: Logger) async throws -> Int {
        var heads: [String: (Int64, Data)] = [:]
        for try await (chain, seq, hash) in try await connection.query(
            "SELECT chain, seq, hash FROM audit_chains", logger: logger
        ).decode((String, Int64, Data).self) {
            heads[chain] = (seq, hash)
        }
        let rows = try await connection.query(
            "SELECT a.id, a.chain, a.seq, a.prev_hash, a.hash, audit_canonical(a) FROM audit_log a ORDER BY a.chain, a.seq",
            logger: logger)
        var count = 0
        var chain: String?
        var expectedSeq: Int64 = 1
        var previous = Data()
        func closeChain() throws {
            guard let chain else { return }
            guard let head = heads.removeValue(forKey: chain) else {
                throw Break(chain: chain, seq: expectedSeq - 1, id: nil, reason: "tête de chaîne absente")
            }
            if head.0 != expectedSeq - 1 || head.1 != previous {
                throw Break(
                    chain: chain, seq: expectedSeq, id: nil, reason: "enregistrement manquant après le dernier lu")
            }
        }
        for try await (id, rowChain, seq, prevHash, hash, canonical) in rows.decode(
            (Int64, String, Int64, Data, Data, String).self)
        {
            if rowChain != chain {
                try closeChain()
                chain = rowChain
                expectedSeq = 1
                previous = Data()
            }
            if seq != expectedSeq {
                throw Break(chain: rowChain, seq: expectedSeq, id: nil, reason: "enregistrement manquant")
            }
            if prevHash != previous {
                throw Break(chain: rowChain, seq: seq, id: id, reason: "chaînage rompu (empreinte précédente modifiée)")
            }
            let computed = Data(SHA256.hash(data: previous + Data(canonical.utf8)))
            if computed != hash {
                throw Break(chain: rowChain, seq: seq, id: id, reason: "contenu ou empreinte modifié")
            }
            previous = hash
            expectedSeq = seq + 1
            count += 1
        }
        try closeChain()
        if let (orphan, head) = heads.first, head.0 > 0 {
            throw Break(chain: orphan, seq: 1, id: nil, reason: "enregistrements manquants (chaîne vide)")
        }
        return count
    }
}
