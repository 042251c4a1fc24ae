/// Notify tells partners that something needs them: a transactional outbox, a dispatcher
/// service and its channels (inbox, signed webhooks, e-mail), carrying no secret
/// (ACCESS.md R13). The foundation issue only reserves the module; issue 4 builds it.
public enum Notify {}
