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

        var outcome = SignInOutcome.refused
        if let (userID, _) = stored, matches {
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
            if opened != nil, let actor = try await authenticate(token: token, logger: logger) {
                outcome = .signedIn(token: token, actor: actor)
            }
        }
        let succeeded = if case .signedIn = outcome { true } else { false }
        if succeeded {
            try await client.withConnectionOrUnavailable { connection in
                try await connection.perform(
                    "SELECT auth_finish_attempt(\(attemptID), true)", logger: logger)
            }
        }
        // The e-mail is logged to follow attacks on an account; the password never is.
        logger.info("sign-in", metadata: ["email": "\(email)", "address": "\(address)", "succeeded": "\(succeeded)"])
        return outcome
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
