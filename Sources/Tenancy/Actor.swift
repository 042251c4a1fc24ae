import Foundation

/// Who is acting in a request: a user, for one organisation (chosen at sign-in), with the
/// roles and secrecy binding of that membership (ACCESS.md §1).
public struct Actor: Sendable, Equatable {
    public let userID: UUID
    public let organisationID: UUID
    public let roles: Set<Role>
    public let boundBySecret: Bool
    public let sessionID: UUID
    public let sessionExpiresAt: Date

    public init(
        userID: UUID, organisationID: UUID, roles: Set<Role>, boundBySecret: Bool,
        sessionID: UUID, sessionExpiresAt: Date
    ) {
        self.userID = userID
        self.organisationID = organisationID
        self.roles = roles
        self.boundBySecret = boundBySecret
        self.sessionID = sessionID
        self.sessionExpiresAt = sessionExpiresAt
    }

    public func has(_ role: Role) -> Bool { roles.contains(role) }

    /// The roles as the `app.roles` setting spells them: sorted, comma-separated.
    var rolesSetting: String { roles.sorted().map(\.rawValue).joined(separator: ",") }
}
