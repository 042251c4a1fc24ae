import Foundation
import Logging
import PostgresNIO

/// How sign-in defends itself and how long a session lives (issue 2): repeated failures
/// are first slowed, then refused, per account and per client address.
public struct SessionPolicy: Sendable {
    public var idleTimeout: Duration = .seconds(30 * 60)
    public var lifetime: Duration = .seconds(12 * 3600)
    /// Failures counted over this window.
    public var failureWindow: Duration = .seconds(15 * 60)
    /// From this many failures of an account, each attempt waits `baseDelay`, doubling.
    public var slowAfter = 3
    public var baseDelay: Duration = .milliseconds(500)
    public var maximumDelay: Duration = .seconds(8)
    /// From this many failures, attempts are refused (429) until the window has passed.
    public var refuseAccountAfter = 10
    /// An address tries many accounts: a higher bar, since offices share addresses.
    public var refuseAddressAfter = 50

    public init() {}

    /// The wait before answering an account's next attempt: `baseDelay`, doubling with
    /// each further failure, up to `maximumDelay`.
    func delay(afterFailures failures: Int) -> Duration {
        let doublings = min(max(failures - slowAfter, 0), 10)
        return min(baseDelay * (1 << doublings), maximumDelay)
    }
}

public enum SignInOutcome: Sendable {
    case signedIn(token: String, actor: Actor)
    /// Wrong e-mail, wrong password, or no active membership in that organisation: one
    /// answer for all three, so that nothing tells which it was.
    case refused
    case throttled(retryAfter: Duration)
}

/// An organisation a person may act for, offered at the console's sign-in.
public struct MembershipChoice: Sendable {
    public let organisationID: UUID
    public let organisationName: String
}

public enum ConsoleSignInOutcome: Sendable {
    case signedIn(token: String)
    /// The password is right and the person has several memberships: the ticket, a secret
    /// to hand back with the chosen organisation (`SignIn.choose`).
    case chooseOrganisation(ticket: String, memberships: [MembershipChoice])
    case refused
    case throttled(retryAfter: Duration)
}

public struct SignIn: Sendable {
    public let client: PostgresClient
    public let policy: SessionPolicy

    public init(client: PostgresClient, policy: SessionPolicy) {
        self.client = client
        self.policy = policy
    }

    /// `clientDescription` is a coarse description of the client the session is opened from
    /// ("Firefox sur Linux"), shown to its owner in their list of sessions.
    public func attempt(
        email: String, password: String, organisationID: UUID, address: String, clientDescription: String = "inconnu",
        logger: Logger
    ) async throws -> SignInOutcome {
        switch try await checkPassword(email: email, password: password, address: address, logger: logger) {
        case .throttled(let retryAfter): return .throttled(retryAfter: retryAfter)
        case .refused: return .refused
        case .verified(let userID, let attemptID):
            let outcome = try await open(
                userID: userID, organisationID: organisationID, clientDescription: clientDescription, logger: logger)
            try await finish(attemptID, email: email, address: address, succeeded: outcome != nil, logger: logger)
            return outcome.map { .signedIn(token: $0.token, actor: $0.actor) } ?? .refused
        }
    }

    /// The console's sign-in (issue 20): the password first, then the organisation. A person
    /// with one membership is signed in at once; with several, they get a ticket to choose
    /// (`choose`), valid five minutes and once.
    public func attemptChoosingLater(
        email: String, password: String, address: String, clientDescription: String, logger: Logger
    ) async throws -> ConsoleSignInOutcome {
        switch try await checkPassword(email: email, password: password, address: address, logger: logger) {
        case .throttled(let retryAfter): return .throttled(retryAfter: retryAfter)
        case .refused: return .refused
        case .verified(let userID, let attemptID):
            let memberships = try await client.withConnectionOrUnavailable { connection in
                var memberships: [MembershipChoice] = []
                let rows = try await connection.query(
                    "SELECT organisation_id, organisation_name FROM auth_memberships(\(userID))", logger: logger)
                for try await (id, name) in rows.decode((UUID, String).self) {
                    memberships.append(MembershipChoice(organisationID: id, organisationName: name))
                }
                return memberships
            }
            var outcome = ConsoleSignInOutcome.refused
            if memberships.count == 1 {
                if let opened = try await open(
                    userID: userID, organisationID: memberships[0].organisationID,
                    clientDescription: clientDescription, logger: logger)
                {
                    outcome = .signedIn(token: opened.token)
                }
            } else if memberships.count > 1 {
                let ticket = Credentials.newToken()
                try await client.withConnectionOrUnavailable { connection in
                    try await connection.perform(
                        """
                        SELECT auth_open_ticket(\(userID), \(Credentials.tokenHash(ticket)),
                                                \(Self.ticketLifetime.wholeSeconds) * interval '1 second')
                        """, logger: logger)
                }
                outcome = .chooseOrganisation(ticket: ticket, memberships: memberships)
            }
            let succeeded = if case .refused = outcome { false } else { true }
            try await finish(attemptID, email: email, address: address, succeeded: succeeded, logger: logger)
            return outcome
        }
    }

    /// How long a person has to choose their organisation once their password is checked.
    public static let ticketLifetime: Duration = .seconds(5 * 60)

    /// The second step of `attemptChoosingLater`: the ticket is spent whatever the answer.
    /// An unknown, spent or expired ticket, or an organisation the person is not a member of,
    /// is refused alike.
    public func choose(ticket: String, organisationID: UUID, clientDescription: String, logger: Logger) async throws
        -> SignInOutcome
    {
        let userID = try await client.withConnectionOrUnavailable { connection in
            try await connection.query(
                "SELECT user_id FROM auth_take_ticket(\(Credentials.tokenHash(ticket)))", logger: logger
            ).decode(UUID?.self).first { _ in true }
        }
        guard let userID = userID ?? nil,
            let opened = try await open(
                userID: userID, organisationID: organisationID, clientDescription: clientDescription, logger: logger)
        else { return .refused }
        return .signedIn(token: opened.token, actor: opened.actor)
    }

    private enum PasswordCheck {
        case verified(userID: UUID, attemptID: Int64)
        case refused
        case throttled(retryAfter: Duration)
    }

    /// Counts the attempt, slows or refuses repeated failures, and checks the password. A
    /// refused attempt stays counted as a failure; a verified one is finished by `finish`.
    private func checkPassword(email: String, password: String, address: String, logger: Logger) async throws
        -> PasswordCheck
    {
        let email = email.lowercased()
        let window = policy.failureWindow.wholeSeconds
        // Counted and recorded in one atomic step (sql/0010): the attempt stands as a failure
        // from here on, so parallel attempts see each other.
        let (attemptID, accountFailures, addressFailures) =
            try await client.withConnectionOrUnavailable { connection in
                try await connection.query(
                    """
                    SELECT attempt_id, account_failures, address_failures
                    FROM auth_begin_attempt(\(email), \(address), \(window) * interval '1 second',
                                            \(policy.refuseAccountAfter)::integer, \(policy.refuseAddressAfter)::integer)
                    """, logger: logger
                ).decode((Int64?, Int, Int).self).first { _ in true }
            } ?? (nil, 0, 0)

        guard let attemptID else {
            logger.warning(
                "sign-in refused: too many failures",
                metadata: ["account_failures": "\(accountFailures)", "address_failures": "\(addressFailures)"])
            return .throttled(retryAfter: policy.failureWindow)
        }
        if accountFailures >= policy.slowAfter {
            try await Task.sleep(for: policy.delay(afterFailures: accountFailures))
        }

        let stored = try await client.withConnectionOrUnavailable { connection in
            try await connection.query(
                "SELECT user_id, password_hash FROM auth_password_hash(\(email))", logger: logger
            ).decode((UUID, String).self).first { _ in true }
        }
        let matches = try await Credentials.verifyPassword(password, hash: stored?.1 ?? Credentials.decoyHash)
        guard let (userID, _) = stored, matches else {
            try await finish(attemptID, email: email, address: address, succeeded: false, logger: logger)
            return .refused
        }
        return .verified(userID: userID, attemptID: attemptID)
    }

    private func finish(_ attemptID: Int64, email: String, address: String, succeeded: Bool, logger: Logger)
        async throws
    {
        if succeeded {
            try await client.withConnectionOrUnavailable { connection in
                try await connection.perform("SELECT auth_finish_attempt(\(attemptID), true)", logger: logger)
            }
        }
        // The e-mail is logged to follow attacks on an account; the password never is.
        logger.info(
            "sign-in",
            metadata: ["email": "\(email.lowercased())", "address": "\(address)", "succeeded": "\(succeeded)"])
    }

    /// A session for an active membership, or nil.
    private func open(userID: UUID, organisationID: UUID, clientDescription: String, logger: Logger) async throws
        -> (token: String, actor: Actor)?
    {
        let token = Credentials.newToken()
        let opened = try await client.withConnectionOrUnavailable { connection in
            try await connection.query(
                """
                SELECT session_id, expires_at FROM auth_open_session(
                    \(userID), \(organisationID), \(Credentials.tokenHash(token)),
                    \(policy.lifetime.wholeSeconds) * interval '1 second', \(clientDescription))
                """, logger: logger
            ).decode((UUID, Date).self).first { _ in true }
        }
        guard opened != nil, let actor = try await authenticate(token: token, logger: logger) else { return nil }
        return (token, actor)
    }

    /// The actor behind a bearer token, or nil if the token is unknown, revoked, idle,
    /// expired, or its membership disabled.
    public func authenticate(token: String, logger: Logger) async throws -> Actor? {
        try await client.withConnectionOrUnavailable { connection in
            let rows = try await connection.query(
                """
                SELECT session_id, user_id, organisation_id, roles, bound_by_secret, expires_at
                FROM auth_session(\(Credentials.tokenHash(token)), \(policy.idleTimeout.wholeSeconds) * interval '1 second')
                """, logger: logger)
            for try await (sessionID, userID, organisationID, roles, bound, expiresAt)
                in rows.decode((UUID, UUID, UUID, [String], Bool, Date).self)
            {
                return Actor(
                    userID: userID, organisationID: organisationID,
                    roles: Set(roles.compactMap(Role.init(rawValue:))),
                    boundBySecret: bound, sessionID: sessionID, sessionExpiresAt: expiresAt)
            }
            return nil
        }
    }

    /// Signing out revokes the session the request came with.
    public func signOut(_ actor: Actor, logger: Logger) async throws {
        _ = try await client.withActor(actor, logger: logger) { connection in
            try await Members.revokeSessions(
                of: actor.userID, only: actor.sessionID, organisationID: actor.organisationID, on: connection,
                logger: logger)
        }
    }
}

extension Duration {
    var wholeSeconds: Int { Int(components.seconds) }
}
