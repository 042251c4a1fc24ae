import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import Tenancy

/// Operator commands: the platform operator creates organisations, programmes and users
/// from the command line (ACCESS.md §1), as the owner role.

struct OrganisationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "organisation", abstract: "Gère les organisations.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Crée une organisation (sans effet si le nom existe).")

        @Option(help: "Nom de l'organisation.") var name: String
        @Option(help: "Nature : \(OrganisationKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        var kind: OrganisationKind

        func run() async throws {
            let id = try await withOwnerClient { client in
                try await client.withConnection {
                    try await Operator.createOrganisation(name: name, kind: kind, on: $0, logger: .cli)
                }
            }
            print(id.uuidString.lowercased())
        }
    }
}

struct ProgrammeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "programme", abstract: "Gère les programmes (dispositifs).",
        subcommands: [Create.self, Threshold.self, Pool.self])

    /// A regroupement (sql/0027): programmes whose indicators are read together, declared
    /// together and once — a pool that changed would give a programme away by difference.
    struct Pool: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "regroupement",
            abstract:
                "Déclare un regroupement de programmes dont les indicateurs se lisent ensemble (GET /v1/indicators?programmes=…). Ses programmes sont donnés tous ensemble, une fois pour toutes, et un programme n'appartient qu'à un regroupement."
        )

        @Option(help: "Nom du regroupement (ex. « Île-de-France »).") var name: String
        @Option(parsing: .upToNextOption, help: "Noms ou identifiants des programmes (au moins 2).")
        var programme: [String] = []

        func validate() throws {
            guard Set(programme).count >= 2 else { throw ValidationError("Un regroupement a au moins 2 programmes.") }
            guard (1...200).contains(name.count) else { throw ValidationError("Le nom a de 1 à 200 caractères.") }
        }

        func run() async throws {
            try await withOwnerClient { client in
                try await client.transaction(logger: .cli) { connection in
                    do {
                        try await Operator.declarePool(
                            name, programmes: Array(Set(programme)), on: connection, logger: .cli)
                    } catch let refusal as Operator.PoolRefusal {
                        throw ValidationError(refusal.description)
                    }
                }
            }
            print("Regroupement « \(name) » : \(Set(programme).count) programmes.")
        }
    }

    /// R9's threshold for one programme: a small programme's operator may publish from 3
    /// households, a sensitive one may ask for more.
    struct Threshold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seuil",
            abstract:
                "Fixe le seuil de diffusion des indicateurs d'un programme (de \(DisclosureControl.thresholds.lowerBound) à \(DisclosureControl.thresholds.upperBound) ménages), ou le rend au seuil du déploiement."
        )

        @Option(help: "Nom ou identifiant du programme.") var programme: String
        @Option(help: "Seuil en nombre de ménages.") var value: Int?
        @Flag(help: "Revenir au seuil du déploiement (HUB_DISCLOSURE_THRESHOLD).") var deploymentDefault = false

        func validate() throws {
            guard (value == nil) != deploymentDefault else {
                throw ValidationError("Donnez --value ou --deployment-default, l'un des deux.")
            }
            if let value, !DisclosureControl.thresholds.contains(value) {
                throw ValidationError(
                    "Le seuil est de \(DisclosureControl.thresholds.lowerBound) à \(DisclosureControl.thresholds.upperBound) ménages."
                )
            }
        }

        func run() async throws {
            let found = try await withOwnerClient { client in
                try await client.withConnection { connection in
                    try await Operator.setDisclosureThreshold(
                        value, programme: programme, on: connection, logger: .cli)
                }
            }
            guard found else { throw ValidationError("Programme « \(programme) » introuvable.") }
            print(value.map { "Seuil du programme : \($0) ménages." } ?? "Seuil du programme : celui du déploiement.")
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Crée un programme avec ses partenaires (sans effet si le nom existe, sinon ajoute les partenaires).")

        @Option(help: "Nom du programme.") var name: String
        @Option(help: "Début, AAAA-MM-JJ.") var startsOn: String
        @Option(help: "Fin, AAAA-MM-JJ.") var endsOn: String
        @Option(help: "Budget annuel en euros, décimal exact (ex. 65000.00).") var budget: String
        @Option(help: "Nombre de ménages visés par an.") var targetHouseholds: Int
        @Option(
            parsing: .upToNextOption,
            help:
                "Partenaires « organisation=part » (nom ou identifiant ; parts : \(ProgrammePart.allCases.map(\.rawValue).joined(separator: ", ")))."
        )
        var partner: [String] = []

        func validate() throws {
            guard budget.wholeMatch(of: /[0-9]{1,10}(\.[0-9]{1,2})?/) != nil else {
                throw ValidationError("--budget doit être un montant décimal en euros, par exemple 65000.00.")
            }
            for date in [startsOn, endsOn] where date.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) == nil {
                throw ValidationError("Les dates s'écrivent AAAA-MM-JJ.")
            }
        }

        func run() async throws {
            let id = try await withOwnerClient { client in
                try await client.transaction(logger: .cli) { connection in
                    var partners: [(UUID, ProgrammePart)] = []
                    for entry in partner {
                        let pieces = entry.split(separator: "=", maxSplits: 1).map(String.init)
                        guard pieces.count == 2, let part = ProgrammePart(rawValue: pieces[1]) else {
                            throw ValidationError("Partenaire « \(entry) » : attendu organisation=part.")
                        }
                        partners.append((try await organisationID(pieces[0], on: connection), part))
                    }
                    return try await Operator.createProgramme(
                        name: name, startsOn: startsOn, endsOn: endsOn, yearlyBudgetEuros: budget,
                        targetHouseholds: targetHouseholds, partners: partners, on: connection, logger: .cli)
                }
            }
            print(id.uuidString.lowercased())
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Gère les utilisateurs.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Crée un utilisateur et ses appartenances. Le mot de passe est lu sur l'entrée standard.")

        @Option(help: "Adresse e-mail.") var email: String
        @Option(help: "Nom affiché.") var name: String
        @Option(
            parsing: .upToNextOption,
            help:
                "Appartenances « organisation:rôle,rôle[:secret] » ; « secret » si la personne est tenue au secret professionnel. Rôles : \(Role.allCases.map(\.rawValue).joined(separator: ", "))."
        )
        var membership: [String]

        func run() async throws {
            // Read from stdin, never from an argument: arguments show in `ps` and shell history.
            guard let password = readLine(strippingNewline: true),
                password.count >= Credentials.minimumPasswordLength
            else {
                throw ValidationError(
                    "Mot de passe attendu sur l'entrée standard (\(Credentials.minimumPasswordLength) caractères au moins)."
                )
            }
            let hash = try await Credentials.hashPassword(password)
            let id = try await withOwnerClient { client in
                try await client.transaction(logger: .cli) { connection in
                    var grants: [Operator.MembershipGrant] = []
                    for entry in membership {
                        let pieces = entry.split(separator: ":").map(String.init)
                        let roles =
                            pieces.count >= 2
                            ? pieces[1].split(separator: ",").compactMap { Role(rawValue: String($0)) } : []
                        guard (2...3).contains(pieces.count), !roles.isEmpty,
                            pieces.count == 2 || pieces[2] == "secret"
                        else {
                            throw ValidationError(
                                "Appartenance « \(entry) » : attendu organisation:rôle,rôle[:secret].")
                        }
                        grants.append(
                            .init(
                                organisationID: try await organisationID(pieces[0], on: connection), roles: Set(roles),
                                boundBySecret: pieces.count == 3))
                    }
                    return try await Operator.createUser(
                        email: email, displayName: name, passwordHash: hash, memberships: grants, on: connection,
                        logger: .cli)
                }
            }
            print(id.uuidString.lowercased())
        }
    }
}

extension OrganisationKind: ExpressibleByArgument {}

/// An organisation named by its identifier or its exact name.
func organisationID(_ reference: String, on connection: PostgresConnection) async throws -> UUID {
    let rows = try await connection.query(
        "SELECT id FROM organisations WHERE id::text = \(reference.lowercased()) OR name = \(reference)", logger: .cli)
    for try await id in rows.decode(UUID.self) { return id }
    throw ValidationError("Organisation inconnue : \(reference).")
}
