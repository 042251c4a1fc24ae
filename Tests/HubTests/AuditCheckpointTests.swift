import Crypto
import Foundation
import PostgresNIO
import Testing

@testable import Hub
@testable import Tenancy

/// R11 against the database's owner and its superuser (issue 14): the log's heads are
/// checkpointed and signed outside the database, so that a chain cut, dropped or rewritten
/// and made consistent with itself again is still named. Each test works in a database of
/// its own (AuditChainTests' helpers).
@Suite struct AuditCheckpointTests {
    let chains = AuditChainTests()

    enum Tamperer: String, CaseIterable, Sendable {
        /// Not a superuser: switches the append-only trigger off on a table it owns.
        case owner
        /// Switches every trigger off for its session.
        case superuser
    }

    enum Tampering: String, CaseIterable, Sendable {
        /// The last 3 records of a chain deleted, its head moved back to the new last one.
        case cutTail
        /// A whole chain deleted, head included.
        case dropChain
        /// A record rewritten, every later hash recomputed, the head too.
        case rewrite
    }

    static func statements(_ tampering: Tampering) -> [String] {
        switch tampering {
        case .cutTail:
            [
                "DELETE FROM audit_log WHERE chain = 'household:a' AND seq > 2",
                """
                UPDATE audit_chains SET seq = 2,
                    hash = (SELECT hash FROM audit_log WHERE chain = 'household:a' AND seq = 2)
                WHERE chain = 'household:a'
                """,
            ]
        case .dropChain:
            [
                "DELETE FROM audit_log WHERE chain = 'household:b'",
                "DELETE FROM audit_chains WHERE chain = 'household:b'",
            ]
        case .rewrite:
            [
                """
                DO $$
                DECLARE
                    r audit_log;
                    previous bytea;
                BEGIN
                    SELECT hash INTO previous FROM audit_log WHERE chain = 'household:a' AND seq = 1;
                    FOR r IN SELECT * FROM audit_log WHERE chain = 'household:a' AND seq >= 2 ORDER BY seq LOOP
                        IF r.seq = 2 THEN r.action := 'rien'; END IF;
                        r.prev_hash := previous;
                        r.hash := sha256(previous || convert_to(audit_canonical(r), 'UTF8'));
                        UPDATE audit_log SET action = r.action, prev_hash = r.prev_hash, hash = r.hash WHERE id = r.id;
                        previous := r.hash;
                    END LOOP;
                    UPDATE audit_chains SET hash = previous WHERE chain = 'household:a';
                END $$
                """
            ]
        }
    }

    func tamper(_ tampering: Tampering, as tamperer: Tamperer, database: String, owner: PostgresClient) async throws {
        switch tamperer {
        case .superuser:
            for statement in Self.statements(tampering) { try await chains.tamper(database, statement) }
        case .owner:
            // What the fault-injection run did as hub_owner: the trigger off, the change, the trigger on.
            try await owner.withConnection { connection in
                let statements =
                    ["ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"] + Self.statements(tampering)
                    + ["ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"]
                for statement in statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: TestDatabase.logger)
                }
            }
        }
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hub-checkpoints-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test(arguments: Tamperer.allCases, Tampering.allCases)
    func tamperingWithWhatACheckpointCoversIsNamed(_ tamperer: Tamperer, _ tampering: Tampering) async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = Curve25519.Signing.PrivateKey()
        try await chains.withAuditDatabase { client, name in
            try await chains.append(["household:a"], count: 5, on: client)
            try await chains.append(["household:b"], count: 3, on: client)
            let writer = CheckpointWriter(key: key, directory: directory, logger: TestDatabase.logger)
            try await writer.write(using: client)
            // Written after the checkpoint: covered from the next one on, not yet.
            try await chains.append(["household:c"], count: 2, on: client)

            try await tamper(tampering, as: tamperer, database: name, owner: client)

            // The log alone is consistent with itself again (it is, after cutTail and
            // rewrite: the fault-injection run's finding).
            if tampering != .dropChain {
                let verified = try await client.withConnection {
                    try await AuditVerifier.verify(on: $0, logger: TestDatabase.logger)
                }
                #expect(verified == (tampering == .cutTail ? 7 : 10))
            }
            let checkpoints = try CheckpointVerifier.load(from: directory, publicKey: key.publicKey)
            #expect(checkpoints.count == 1)
            let at = checkpoints[0].treeHead.at
            let expected =
                switch tampering {
                case .cutTail:
                    "chaîne household:a tronquée : le point de contrôle du \(at) la couvre jusqu'au n° 5, le journal s'arrête au n° 2"
                case .dropChain:
                    "chaîne household:b supprimée : le point de contrôle du \(at) en couvrait 3 enregistrements"
                case .rewrite:
                    "chaîne household:a réécrite : l'enregistrement n° 5 ne correspond plus au point de contrôle du \(at)"
                }
            await #expect(throws: CheckpointVerifier.Failure(description: expected)) {
                _ = try await client.withConnection {
                    try await CheckpointVerifier.verify(checkpoints, on: $0, logger: TestDatabase.logger)
                }
            }
        }
    }

    @Test func anUntouchedLogMatchesEveryCheckpoint() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = Curve25519.Signing.PrivateKey()
        try await chains.withAuditDatabase { client, _ in
            let writer = CheckpointWriter(key: key, directory: directory, logger: TestDatabase.logger)
            try await chains.append(["household:a", "organisation:b"], count: 3, on: client)
            let first = try #require(try await writer.write(using: client, at: Date(timeIntervalSinceNow: -60)))
            // Nothing new: no second file.
            #expect(try await writer.write(using: client, unlessRootIs: first.treeHead.root) == nil)
            try await chains.append(["household:a"], count: 2, on: client)
            try await writer.write(using: client)
            let checkpoints = try CheckpointVerifier.load(from: directory, publicKey: key.publicKey)
            #expect(checkpoints.map(\.treeHead.size) == [6, 8])
            let report = try await client.withConnection {
                try await CheckpointVerifier.verify(checkpoints, on: $0, logger: TestDatabase.logger)
            }
            #expect(report == CheckpointVerifier.Report(checkpoints: 2, heads: 3))
        }
    }

    /// A checkpoint file whose signature, heads or key are not the hub's is refused.
    @Test func aForgedCheckpointIsRefused() throws {
        let key = Curve25519.Signing.PrivateKey()
        let heads = (1...3).map {
            Checkpoint.Head(chain: "household:\($0)", seq: Int64($0), hash: Array(SHA256.hash(data: [UInt8($0)])))
        }
        let checkpoint = try Checkpoint(heads: heads, at: Date(), key: key)
        let text = checkpoint.fileText
        #expect(try Checkpoint(fileText: text, publicKey: key.publicKey) == checkpoint)

        // The signature altered.
        let signature = checkpoint.treeHead.signature
        let flipped = (signature.first == "A" ? "B" : "A") + signature.dropFirst()
        #expect(throws: AuditTreeHead.Refusal.signature) {
            try Checkpoint(fileText: text.replacingOccurrences(of: signature, with: flipped), publicKey: key.publicKey)
        }
        // A head rewritten under the same signature.
        let head = "household:2\t2\t\(heads[1].hash.hex)"
        let rewritten = text.replacingOccurrences(of: head, with: "household:2\t2\t\(heads[0].hash.hex)")
        #expect(throws: AuditTreeHead.Refusal.root) {
            try Checkpoint(fileText: rewritten, publicKey: key.publicKey)
        }
        // A size raised under the same signature.
        #expect(throws: AuditTreeHead.Refusal.signature) {
            try Checkpoint(fileText: text.replacingOccurrences(of: "size 6\n", with: "size 7\n"), publicKey: key.publicKey)
        }
        // Signed by another key: refused by ours, whatever it says.
        let other = Curve25519.Signing.PrivateKey()
        let forged = try Checkpoint(heads: heads, at: Date(), key: other)
        #expect(throws: AuditTreeHead.Refusal.otherKey(forged.treeHead.keyId)) {
            try Checkpoint(fileText: forged.fileText, publicKey: key.publicKey)
        }
        // The root is RFC 6962's: one leaf is its own hash; an empty tree hashes nothing.
        #expect(Checkpoint.root(of: []) == Array(SHA256.hash(data: [UInt8]())))
    }
}
