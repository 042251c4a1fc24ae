import Foundation
import Hummingbird
import Logging
import Notify
import PostgresNIO
import Tenancy

/// The console (issue 20): French pages in the same application, on the API's sessions,
/// gates and audit. This file holds signing in and out and the home page; the household pages
/// are `HouseholdPages`. Its routes are not the API's: they stay out of `addRoutes` and of
/// the OpenAPI document.
struct ConsoleController: Sendable {
    let client: PostgresClient
    let signIn: SignIn
    let security: ConsoleSecurity
    let pages: ConsolePages
    /// What the organisation's pages pass to the API's controllers they act through.
    var emailConfigured = false
    var destinations = DestinationPolicy()
    /// What the indicators' dashboard passes to the API's report.
    var disclosure = DisclosurePolicy()

    func addRoutes(to router: Router<HubRequestContext>) {
        router.get("console.css", use: stylesheet)
        router.get("connexion", use: signInForm)
        router.post("connexion", use: signInSubmit)
        router.post("connexion/organisation", use: chooseOrganisation)
        router.get("deconnexion", use: signedOut)
        let cells = CellPages(client: client, pages: pages, publicURL: security.publicURL)
        cells.addFeedRoute(to: router)
        let signedIn = router.group()
            .add(middleware: ConsoleSessionMiddleware(signIn: signIn, security: security, pages: pages))
            .group(context: AuthenticatedContext.self)
        signedIn.get("/", use: home)
        signedIn.post("deconnexion", use: signOut)
        HouseholdPages(client: client, pages: pages).addRoutes(to: signedIn)
        cells.addRoutes(to: signedIn)
        ComitePages(client: client, pages: pages).addRoutes(to: signedIn)
        InboxPages(client: client, pages: pages).addRoutes(to: signedIn)
        IndicatorPages(client: client, pages: pages, policy: disclosure).addRoutes(to: signedIn)
        OrganisationPages(
            client: client, pages: pages, emailConfigured: emailConfigured, destinations: destinations
        ).addRoutes(to: signedIn)
    }

    /// The same for everyone: cached for an hour.
    @Sendable func stylesheet(_ request: Request, context: HubRequestContext) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: pages.stylesheet))
    }

    // MARK: Signing in

    struct SignInView {
        let csrf: String
        let email: String
        let error: String?
        let notice: String?
    }

    struct ChooseView {
        struct Membership {
            let organisationID: String
            let organisationName: String
        }
        let csrf: String
        let ticket: String
        let memberships: [Membership]
    }

    /// The form. Before a session exists, its CSRF token is a random value that the form and
    /// a cookie both carry (double submit), beside the Origin check.
    @Sendable func signInForm(_ request: Request, context: HubRequestContext) async throws -> Response {
        if let token = security.sessionToken(in: request),
            try await signIn.authenticate(token: token, logger: context.logger) != nil
        {
            return ConsolePages.redirect(to: "/")
        }
        return signInPage(request, email: "", error: nil, status: .ok)
    }

    private func signInPage(
        _ request: Request, email: String, error: String?, notice: String? = nil, status: HTTPResponse.Status
    ) -> Response {
        let name = security.signInCookieName
        // The browser's token again if it is one of ours (43 base64url characters), a new one
        // otherwise: a cookie's value is whatever the client sent.
        let sent = request.cookies[name]?.value ?? ""
        let ours =
            sent.utf8.count == 43
            && sent.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
        let token = ours ? sent : Credentials.newToken()
        var response = pages.page(
            "sign-in", SignInView(csrf: token, email: email, error: error, notice: notice), status: status)
        response.setCookie(security.cookie(name, token))
        return response
    }

    /// The sign-in form's checks: from one of the hub's pages, with the token of its cookie.
    private func checkSignInForm(_ request: Request, _ form: ConsoleForm) throws {
        try security.checkOrigin(request)
        guard let cookie = request.cookies[security.signInCookieName]?.value,
            ConsoleSecurity.csrfMatches(form["csrf"], cookie)
        else { throw ConsoleSecurity.csrfRefused }
    }

    @Sendable func signInSubmit(_ request: Request, context: HubRequestContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        try checkSignInForm(request, form)
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form["password"] ?? ""
        let refused = "Adresse e-mail ou mot de passe incorrects."
        // Sizes are checked before any work, as the API does: bcrypt on a megabyte is an attack.
        guard !email.isEmpty, !password.isEmpty, email.count <= 254, password.count <= 200 else {
            return signInPage(request, email: String(email.prefix(254)), error: refused, status: .unauthorized)
        }
        let outcome = try await signIn.attemptChoosingLater(
            email: email, password: password, address: context.clientAddress,
            clientDescription: ClientDescription.of(userAgent: request.headers[.userAgent]), logger: context.logger)
        switch outcome {
        case .refused:
            return signInPage(request, email: email, error: refused, status: .unauthorized)
        case .throttled(let retryAfter):
            throw Problem.tooManyRequests(retryAfter: retryAfter)
        case .chooseOrganisation(let ticket, let memberships):
            return pages.page(
                "choose-organisation",
                ChooseView(
                    csrf: form["csrf"] ?? "", ticket: ticket,
                    memberships: memberships.map {
                        .init(organisationID: $0.organisationID.lowercased, organisationName: $0.organisationName)
                    }))
        case .signedIn(let token):
            return try await signedIn(request, token: token, logger: context.logger)
        }
    }

    @Sendable func chooseOrganisation(_ request: Request, context: HubRequestContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm.read(&request, context: context)
        try checkSignInForm(request, form)
        guard let ticket = form["ticket"], (1...256).contains(ticket.count),
            let organisationID = form["organisationId"].flatMap(UUID.init(uuidString:))
        else {
            return signInPage(
                request, email: "", error: "Choisissez une organisation, après vous être connecté·e.",
                status: .unauthorized)
        }
        let outcome = try await signIn.choose(
            ticket: ticket, organisationID: organisationID,
            clientDescription: ClientDescription.of(userAgent: request.headers[.userAgent]), logger: context.logger)
        guard case .signedIn(let token, _) = outcome else {
            return signInPage(
                request, email: "",
                error:
                    "Le choix de l'organisation a expiré (cinq minutes) ou n'est pas valable : connectez-vous à nouveau.",
                status: .unauthorized)
        }
        return try await signedIn(request, token: token, logger: context.logger)
    }

    /// The session's cookie, the sign-in cookie gone, and on to the home page. A session this
    /// browser still held (signed in again from another tab) is closed: a shared office
    /// computer keeps no forgotten session behind.
    private func signedIn(_ request: Request, token: String, logger: Logger) async throws -> Response {
        if let previous = security.sessionToken(in: request), previous != token,
            let actor = try await signIn.authenticate(token: previous, logger: logger)
        {
            try await signIn.signOut(actor, logger: logger)
        }
        return ConsolePages.redirect(
            to: "/",
            cookies: [
                security.cookie(security.sessionCookieName, token),
                security.expiredCookie(security.signInCookieName),
            ])
    }

    // MARK: Signing out

    /// Revokes the session (the API's sign-out), forgets the cookie, and says so on a page
    /// of its own (post-redirect-get).
    @Sendable func signOut(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        try await signIn.signOut(context.actor, logger: context.logger)
        return ConsolePages.redirect(
            to: "/deconnexion", cookies: [security.expiredCookie(security.sessionCookieName)]
        )
    }

    @Sendable func signedOut(_ request: Request, context: HubRequestContext) async throws -> Response {
        signInPage(
            request, email: "", error: nil,
            notice: "Vous êtes déconnecté·e. Sur un poste partagé, fermez aussi le navigateur.", status: .ok)
    }

    // MARK: Home

    struct HomeView {
        let shell: Shell
        let userName: String
        let organisationName: String
        let rolesText: String
        let managesMembers: Bool
    }

    /// People who work on households go to their households, evaluators to their indicators;
    /// the others are told what their role gives them.
    @Sendable func home(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let actor = context.actor
        if AccessRules.worksOnHouseholds(actor) { return ConsolePages.redirect(to: "/menages") }
        // Aggregates are all an evaluator reads: their dashboard is their home.
        if AccessRules.readsAggregatesOnly(actor) { return ConsolePages.redirect(to: "/indicateurs") }
        let me = try await client.withActor(actor, logger: context.logger) { connection in
            try await Me.load(actor, on: connection, logger: context.logger)
        }
        return pages.page(
            "home",
            HomeView(
                shell: Shell(me, actor: actor, csrf: context.csrfToken ?? ""), userName: me.user.displayName,
                organisationName: me.organisation.name, rolesText: me.roles.map(\.label).joined(separator: ", "),
                managesMembers: AccessRules.mayManageMembers(actor)))
    }
}

/// The console's door: the session cookie gives the request its actor, as a bearer token
/// does on the API. No cookie: to the sign-in page. A cookie whose session ended (idle,
/// expired, revoked, membership disabled): a page that says so, and the cookie is cleared.
/// An unsafe request must come from the hub's origin and carry its session's CSRF token.
struct ConsoleSessionMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let signIn: SignIn
    let security: ConsoleSecurity
    let pages: ConsolePages

    struct EndedView {
        let notice: String
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var request = request
        let unsafe = ![.get, .head].contains(request.method)
        if unsafe { try security.checkOrigin(request) }
        guard let token = security.sessionToken(in: request) else {
            if unsafe { throw ConsoleSecurity.csrfRefused }
            return ConsolePages.redirect(to: "/connexion")
        }
        guard (1...256).contains(token.count),
            let actor = try await signIn.authenticate(token: token, logger: context.logger)
        else {
            let idle = FrenchText.count(Int(signIn.policy.idleTimeout.components.seconds / 60), "minute", "minutes")
            let lifetime = FrenchText.count(Int(signIn.policy.lifetime.components.seconds / 3600), "heure", "heures")
            var response = pages.page(
                "session-ended",
                EndedView(
                    notice: "Votre session a pris fin : elle se ferme après \(idle) sans activité, "
                        + "\(lifetime) après la connexion, ou quand elle est fermée depuis un autre poste. "
                        + "Ce que vous n'aviez pas enregistré ne l'a pas été."),
                status: .unauthorized)
            response.setCookie(security.expiredCookie(security.sessionCookieName))
            return response
        }
        let csrf = ConsoleSecurity.csrfToken(forSession: token)
        if unsafe {
            let form = try await ConsoleForm.read(&request, context: context)
            guard ConsoleSecurity.csrfMatches(form["csrf"], csrf) else { throw ConsoleSecurity.csrfRefused }
        }
        var context = context
        context.actor = actor
        context.csrfToken = csrf
        context.logger[metadataKey: "user_id"] = "\(actor.userID)"
        context.logger[metadataKey: "org_id"] = "\(actor.organisationID)"
        return try await next(request, context)
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
