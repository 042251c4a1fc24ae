import Crypto
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Tenancy

/// Where checkpoints are written and with which key (HUB_AUDIT_…, deploy/env.example).
struct CheckpointSettings: Sendable {
    /// The Ed25519 signing key's file; no key, no checkpoint.
    var keyFile: String?
    var directory = "audit-checkpoints"
    /// Between two checkpoints written by the server; zero turns the server's off.
    var interval: Duration = .seconds(3600)
}

/// Takes a checkpoint: every chain's head read in one statement (one snapshot), signed,
/// written to a file of its own in the directory, and its tree head published to the
/// webhooks subscribed to `auditCheckpoint`.
struct CheckpointWriter: Sendable {
    let key: Curve25519.Signing.PrivateKey
    let directory: URL
    let logger: Logger

    init(key: Curve25519.Signing.PrivateKey, directory: String, logger: Logger) {
        self.key = key
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
        self.logger = logger
    }

    /// The checkpoint written, or nil when the heads' root is `unchanged` (nothing was
    /// logged since the last one: no new file, no message).
    @discardableResult
    func write(using client: PostgresClient, at date: Date = Date(), unlessRootIs unchanged: String? = nil)
        async throws -> Checkpoint?
    {
        // The connection is held for the two statements only: hashing, signing and writing
        // an 11 MB file (100,000 chains) hold no pooled connection.
        let heads = try await client.withConnectionOrUnavailable { connection in
            var heads: [Checkpoint.Head] = []
            let rows = try await connection.query("SELECT chain, seq, hash FROM audit_heads()", logger: logger)
            for try await (chain, seq, hash) in rows.decode((String, Int64, ByteBuffer).self) {
                heads.append(Checkpoint.Head(chain: chain, seq: seq, hash: Array(buffer: hash)))
            }
            return heads
        }
        let checkpoint = try Checkpoint(heads: heads, at: date, key: key)
        guard checkpoint.treeHead.root != unchanged else { return nil }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Written whole or not at all: a verifier never reads half a checkpoint.
        try Data(checkpoint.fileText.utf8).write(
            to: directory.appendingPathComponent(checkpoint.fileName), options: .atomic)
        let treeHead = String(decoding: try JSONEncoder().encode(checkpoint.treeHead), as: UTF8.self)
        try await client.withConnectionOrUnavailable { connection in
            try await connection.perform("SELECT audit_publish_checkpoint(\(treeHead)::jsonb)", logger: logger)
        }
        logger.info(
            "audit: checkpoint written",
            metadata: [
                "file": "\(checkpoint.fileName)", "chains": "\(checkpoint.treeHead.chains)",
                "size": "\(checkpoint.treeHead.size)",
            ])
        return checkpoint
    }
}

/// The server's checkpoints, every `interval` (`everyInterval`).
/// Several hub processes each write theirs: files and messages with the same root
/// if nothing happened in between, which costs a little disk and nothing else.
struct CheckpointService: Service {
    let client: PostgresClient
    let writer: CheckpointWriter
    let interval: Duration

    func run() async throws {
        var lastRoot: String?
        await everyInterval(interval) {
            do {
                let unchanged = lastRoot
                if let written = try await ConnectionWait.round({ [client, writer] in
                    try await writer.write(using: client, unlessRootIs: unchanged)
                }) {
                    lastRoot = written.treeHead.root
                }
            } catch {
                writer.logger.error("audit: checkpoint failed", metadata: ["error": "\(type(of: error))"])
            }
        }
    }
}
