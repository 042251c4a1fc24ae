import ArgumentParser
import Crypto
import Foundation
import Logging
import PostgresNIO
import Tenancy

/// `hub audit …`: verify the log (against the checkpoints kept outside it), take a checkpoint
/// now, make the signing key.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Journal d'accès.", subcommands: [Verify.self, TakeCheckpoint.self, Keygen.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Vérifie les chaînes d'empreintes du journal d'accès et nomme le premier enregistrement altéré ou manquant ; avec --checkpoints, aussi tout enregistrement couvert par un point de contrôle signé qui a été supprimé, tronqué ou réécrit."
        )

        @Option(help: "Dossier des points de contrôle (HUB_AUDIT_CHECKPOINT_DIR).")
        var checkpoints: String?

        @Option(help: "Clé publique de signature, en base64 (par défaut HUB_AUDIT_PUBLIC_KEY).")
        var publicKey: String?

        func run() async throws {
            let accepted: [Checkpoint]
            if let checkpoints {
                guard let text = publicKey ?? ProcessInfo.processInfo.environment["HUB_AUDIT_PUBLIC_KEY"] else {
                    throw ValidationError("--public-key (ou HUB_AUDIT_PUBLIC_KEY) est requis avec --checkpoints.")
                }
                do {
                    accepted = try CheckpointVerifier.load(from: checkpoints, publicKey: try CheckpointKey.publicKey(base64: text))
                } catch let failure as CheckpointVerifier.Failure {
                    print("Journal non vérifiable — \(failure)")
                    throw ExitCode(2)
                }
            } else {
                accepted = []
            }
            let outcome: Result<(Int, CheckpointVerifier.Report), any Error> = try await withOwnerClient { client in
                try await client.withConnection { connection in
                    do {
                        let report = try await CheckpointVerifier.verify(accepted, on: connection, logger: .cli)
                        return .success((try await AuditVerifier.verify(on: connection, logger: .cli), report))
                    } catch let failure as CheckpointVerifier.Failure {
                        return .failure(failure)
                    } catch let broken as AuditVerifier.Break {
                        return .failure(broken)
                    }
                }
            }
            switch outcome {
            case .success(let (count, report)):
                print(
                    "Journal intègre : \(count) enregistrements vérifiés"
                        + (checkpoints == nil
                            ? "." : ", \(report.heads) têtes de \(report.checkpoints) points de contrôle retrouvées."))
            case .failure(let failure):
                print("Journal altéré — \(failure)")
                throw ExitCode(2)
            }
        }
    }

    struct TakeCheckpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint",
            abstract:
                "Écrit maintenant un point de contrôle signé des têtes de chaîne (HUB_AUDIT_SIGNING_KEY_FILE, HUB_AUDIT_CHECKPOINT_DIR) et l'envoie aux webhooks abonnés."
        )

        func run() async throws {
            let settings = try HubConfiguration.checkpointSettings(ProcessInfo.processInfo.environment)
            guard let keyFile = settings.keyFile else {
                throw ValidationError("HUB_AUDIT_SIGNING_KEY_FILE est requis (hub audit keygen en crée une).")
            }
            let writer = CheckpointWriter(
                key: try CheckpointKey.load(from: keyFile), directory: settings.directory, logger: .cli)
            let started = ContinuousClock.now
            let written = try await withOwnerClient { try await writer.write(using: $0) }
            guard let written else { return }
            print(
                "Point de contrôle \(settings.directory)/\(written.fileName) : \(written.treeHead.chains) chaînes, "
                    + "\(written.treeHead.size) enregistrements, racine \(written.treeHead.root), "
                    + "en \(FrenchSeconds.format(started.duration(to: .now))).")
        }
    }

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Crée la clé Ed25519 qui signe les points de contrôle (mode 600) et affiche sa clé publique.")

        @Option(help: "Fichier à créer ; il ne doit pas exister.")
        var out: String

        func run() async throws {
            let key = try CheckpointKey.generate(at: out)
            print("Clé de signature écrite dans \(out).")
            print("Clé publique (à publier, HUB_AUDIT_PUBLIC_KEY) : \(key.publicKey.rawRepresentation.base64EncodedString())")
        }
    }
}
