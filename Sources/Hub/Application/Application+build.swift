import Foundation
import Hummingbird
import Logging
import Notify
import PostgresNIO
import ServiceLifecycle
import Tenancy

/// The one application, used by `hub serve` and by the tests alike.
func buildApplication(_ configuration: HubConfiguration) throws -> some ApplicationProtocol {
    let logger = {
        var logger = Logger(label: "hub")
        logger.logLevel = configuration.logLevel
        return logger
    }()
    let client = configuration.database.makeClient(logger: logger)
    let migrator = Migrator(migrations: try Migration.load(from: configuration.migrationsDirectory))
    let router = buildRouter(
        client: client, migrator: migrator, session: configuration.session,
        destinations: configuration.notify.webhookPolicy, disclosure: configuration.disclosure,
        connectionWait: configuration.database.connectionWait, queryDeadline: configuration.database.queryDeadline,
        emailConfigured: configuration.notify.smtp != nil, publicURL: configuration.notify.publicURL)
    var services: [any Service] = [client]
    if configuration.dispatcherEnabled {
        services.append(Dispatcher(client: client, configuration: configuration.notify, logger: logger))
    }
    if let keyFile = configuration.checkpoints.keyFile, configuration.checkpoints.interval > .zero {
        let writer = CheckpointWriter(
            key: try CheckpointKey.load(from: keyFile), directory: configuration.checkpoints.directory, logger: logger)
        services.append(CheckpointService(client: client, writer: writer, interval: configuration.checkpoints.interval))
    } else {
        logger.warning("audit: no signing key (HUB_AUDIT_SIGNING_KEY_FILE): no checkpoint of the access log")
    }
    if configuration.disclosure.refreshInterval > .zero {
        services.append(
            IndicatorRefresher(client: client, interval: configuration.disclosure.refreshInterval, logger: logger))
    }

    var app = Application(
        responder: DeadlineResponder(
            inner: UnservedMethodResponder(inner: router.buildResponder()), deadline: configuration.requestDeadline),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hub"),
        services: services,
        logger: logger)
    app.beforeServerStarts {
        // Refuse to serve a database this binary does not match.
        let status = try await client.withConnection { try await migrator.status(on: $0, logger: logger) }
        try status.requireCurrent()
    }
    return app
}

func buildRouter(
    client: PostgresClient, migrator: Migrator, session: SessionPolicy, destinations: DestinationPolicy,
    disclosure: DisclosurePolicy, connectionWait: Duration, queryDeadline: Duration = .seconds(10),
    emailConfigured: Bool = false, publicURL: String = "http://127.0.0.1:8080"
) -> Router<HubRequestContext> {
    // HEAD is answered as GET without its body, by the same handler (and its audit).
    let router = Router(context: HubRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: NullCharacterMiddleware())
    router.add(middleware: ConnectionWaitMiddleware(limit: connectionWait, deadline: queryDeadline))
    addRoutes(
        to: router, client: client, migrator: migrator, session: session, destinations: destinations,
        disclosure: disclosure, emailConfigured: emailConfigured)
    if let pages = ConsolePages.shared {
        ConsoleController(
            client: client, signIn: SignIn(client: client, policy: session),
            security: ConsoleSecurity(publicURL: publicURL), pages: pages, emailConfigured: emailConfigured,
            destinations: destinations, disclosure: disclosure
        ).addRoutes(to: router)
    }
    addMethodNotAllowed(to: router)
    return router
}

/// Every route of the API, and nothing else: the OpenAPI test compares this list with
/// the document.
func addRoutes(
    to router: Router<HubRequestContext>, client: PostgresClient, migrator: Migrator, session: SessionPolicy,
    destinations: DestinationPolicy = DestinationPolicy(), disclosure: DisclosurePolicy = DisclosurePolicy(),
    emailConfigured: Bool = false, imports: Bool = true
) {
    let signIn = SignIn(client: client, policy: session)
    HealthController(client: client, migrator: migrator).addRoutes(to: router.group("health"))
    OpenAPIController().addRoutes(to: router)

    let sessions = SessionsController(signIn: signIn)
    sessions.addPublicRoutes(to: router.group("v1"))
    let invitations = InvitationsController(client: client, emailConfigured: emailConfigured)
    invitations.addPublicRoutes(to: router.group("v1"))
    let v1 = router.group("v1").add(middleware: AuthenticationMiddleware(signIn: signIn))
        .group(context: AuthenticatedContext.self)
    sessions.addRoutes(to: v1)
    MembersController(client: client).addRoutes(to: v1)
    invitations.addRoutes(to: v1)
    ProgrammesController(client: client).addRoutes(to: v1)
    HouseholdsController(client: client).addRoutes(to: v1)
    DiagnosticsController(client: client).addRoutes(to: v1)
    AccessLogController(client: client).addRoutes(to: v1)
    ContractsController(client: client).addRoutes(to: v1)
    SocialWorkController(client: client).addRoutes(to: v1)
    FlatsController(client: client).addRoutes(to: v1)
    HousingController(client: client).addRoutes(to: v1)
    PathController(client: client).addRoutes(to: v1)
    CellsController(client: client).addRoutes(to: v1)
    ComitesController(client: client).addRoutes(to: v1)
    IndicatorsController(client: client, policy: disclosure).addRoutes(to: v1)
    CollectiveSessionsController(client: client).addRoutes(to: v1)
    InboxController(client: client).addRoutes(to: v1)
    WebhooksController(client: client, destinations: destinations).addRoutes(to: v1)
    // The import calls the other routes in-process (`ImportAPI`), through a router without it.
    if imports {
        ImportController(client: client, api: ImportAPI(client: client, migrator: migrator, session: session))
            .addRoutes(to: v1)
    }
}

/// A known path with another method answers 405 with `Allow`, not the router's 404, and
/// OPTIONS answers 204 with the same `Allow`. TRACE stands for every method served nowhere
/// (`UnservedMethodResponder`).
func addMethodNotAllowed(to router: Router<HubRequestContext>) {
    let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .trace]
    let allowed = Dictionary(grouping: router.routes, by: { $0.path.description })
    for (_, routes) in allowed {
        let served = routes.map(\.method)
        let allow = served + (served.contains(.get) ? [.head, .options] : [.options])
        for method in methods where !allow.contains(method) {
            router.on(routes[0].path, method: method) { _, _ -> Response in
                throw Problem.methodNotAllowed(allow: allow)
            }
        }
        router.on(routes[0].path, method: .options) { _, _ -> Response in
            Response(status: .noContent, headers: [.allow: Problem.allowHeader(allow)])
        }
    }
}

/// A method the hub serves on no path (TRACE, QUERY, WebDAV's PROPFIND…) reaches the router
/// as TRACE, which `addMethodNotAllowed` answers on every known path with 405 and the path's
/// `Allow`; an unknown path stays a 404. The router matches methods one by one, before any of
/// its middleware runs, hence a responder around it.
struct UnservedMethodResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == HubRequestContext {
    typealias Context = HubRequestContext
    static var served: Set<HTTPRequest.Method> { [.get, .head, .post, .put, .patch, .delete, .options] }
    let inner: Inner

    func respond(to request: Request, context: Context) async throws -> Response {
        guard !Self.served.contains(request.method) else {
            return try await inner.respond(to: request, context: context)
        }
        var head = request.head
        head.method = .trace
        return try await inner.respond(to: Request(head: head, body: request.body), context: context)
    }
}
