/// The rules of ACCESS.md as pure Swift, so that the HTTP answer can be decided and
/// tested without a database. The database policies enforce the same rules again.
public enum AccessRules {
    /// ACCESS.md §1: `orgAdmin` manages the users of their own organisation, and nothing else.
    public static func mayManageMembers(_ actor: Actor) -> Bool {
        actor.has(.orgAdmin)
    }
}
