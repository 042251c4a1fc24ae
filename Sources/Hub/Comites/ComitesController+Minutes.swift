import Foundation
import Hummingbird
import Notify
import PostgresNIO
import Tenancy

/// The minutes: read as the reader may, validated, diffused, corrected by errata.
extension ComitesController {
    func loadMinutes(
        _ id: UUID, cell: CoordinationCell, version: Int?, on connection: PostgresConnection,
        context: AuthenticatedContext
    ) async throws -> Minutes {
        guard let comite = try await ComiteStore.find(id, on: connection, logger: context.logger) else {
            throw Problem.notFound
        }
        let items = try await AgendaStore.items(of: id, on: connection, logger: context.logger)
        let decisions = try await ComiteMeetingStore.decisions(of: id, on: connection, logger: context.logger)
        let actions = Dictionary(
            grouping: try await ComiteMeetingStore.actions(of: id, on: connection, logger: context.logger),
            by: \.itemId)
        let shownVersion = version ?? comite.minutesVersion
        return Minutes(
            comite: comite, cellName: cell.name, version: shownVersion, draft: comite.minutesVersion == 0,
            attendance: try await ComiteMeetingStore.attendance(of: id, on: connection, logger: context.logger),
            items: items.map {
                Minutes.Item(
                    id: $0.id, householdId: $0.householdId, reference: $0.reference, householdName: $0.householdName,
                    position: $0.position,
                    reasons: $0.reasons, decision: decisions[$0.id], actions: actions[$0.id] ?? [])
            },
            errata: try await ErrataStore.errata(
                of: id, upTo: shownVersion, on: connection, logger: context.logger))
    }

    /// The compte-rendu as the reader may read it: JSON, Markdown or printable HTML; a
    /// `version` before the latest leaves out the later errata.
    @Sendable func minutes(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("comiteId")
        let query = request.uri.queryParameters
        let format = query["format"].map(String.init) ?? "json"
        guard ["json", "markdown", "html"].contains(format) else {
            throw Problem.badRequest("Le paramètre « format » vaut json, markdown ou html.", field: "format")
        }
        let version = try query["version"].map { raw in
            // The bound is the column's (integer), and the document's.
            guard let number = Int32(String(raw)), number > 0 else {
                throw Problem.badRequest("Le paramètre « version » est un entier de 1 à 2147483647.", field: "version")
            }
            return Int(number)
        }
        let minutes = try await readMinutes(id, version: version, context: context)
        let name = "compte-rendu-\(minutes.comite.reference)-v\(minutes.version)"
        switch format {
        case "markdown":
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/markdown; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"\(name).md\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: MinutesDocument.markdown(minutes))))
        case "html":
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: MinutesDocument.html(minutes))))
        default:
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder.hub.encode(minutes))))
        }
    }

    /// The minutes as the reader may read them, in one `comite.minutes.read` record.
    func readMinutes(_ id: UUID, version: Int? = nil, context: AuthenticatedContext) async throws -> Minutes {
        try await gate.run(id, action: "comite.minutes.read", context: context) { connection, _, comite, cell in
            guard [.held, .minutesValidated, .minutesDiffused].contains(comite.stage) else {
                throw Problem.conflict("Le compte-rendu est rédigé une fois le comité tenu.")
            }
            if let version, version > comite.minutesVersion {
                throw Problem.notFound
            }
            let minutes = try await loadMinutes(id, cell: cell, version: version, on: connection, context: context)
            return (minutes, .disclosed(minutes.items.map(\.householdId), minutes.levels))
        }
    }

    @Sendable func validate(_ request: Request, context: AuthenticatedContext) async throws -> Comite {
        try await validate(try context.parameters.uuid("comiteId"), context: context)
    }

    func validate(_ id: UUID, context: AuthenticatedContext) async throws -> Comite {
        try await gate.run(id, action: "comite.minutes.validate", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.require(.held, to: "valider le compte-rendu")
            try await ComiteStore.advance(comite, on: connection, logger: context.logger)
            guard let shown = try await ComiteStore.find(id, on: connection, logger: context.logger) else {
                throw Problem.internal
            }
            return (shown, .changed())
        }
    }

    @Sendable func diffuse(_ request: Request, context: AuthenticatedContext) async throws -> Comite {
        try await diffuse(try context.parameters.uuid("comiteId"), context: context)
    }

    func diffuse(_ id: UUID, context: AuthenticatedContext) async throws -> Comite {
        try await gate.run(id, action: "comite.minutes.diffuse", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.require(.minutesValidated, to: "diffuser le compte-rendu")
            try await ComiteStore.advance(comite, on: connection, logger: context.logger)
            try await ComiteStore.invite(
                .minutesDiffused, comite: id, reference: comite.reference, cell: cell, by: actor, on: connection,
                logger: context.logger)
            guard let shown = try await ComiteStore.find(id, on: connection, logger: context.logger) else {
                throw Problem.internal
            }
            return (shown, .changed())
        }
    }

    /// After diffusion, a correction is an erratum: a new version of the minutes, diffused.
    @Sendable func addErratum(_ request: Request, context: AuthenticatedContext) async throws
        -> EditedResponse<Erratum>
    {
        let id = try context.parameters.uuid("comiteId")
        let body = try await request.decodeJSON(as: NewErratumRequest.self, context: context)
        return EditedResponse(status: .created, response: try await addErratum(to: id, body, context: context))
    }

    func addErratum(to id: UUID, _ body: NewErratumRequest, context: AuthenticatedContext) async throws -> Erratum {
        guard let text = try optionalText(body.body, limit: 20000, field: "body") else {
            throw Problem.unprocessable("L'erratum dit ce qu'il corrige.", field: "body")
        }
        return try await gate.run(id, action: "comite.erratum", facilitatorOnly: true, context: context) {
            connection, actor, comite, cell in
            try comite.require(.minutesDiffused, to: "corriger le compte-rendu par un erratum")
            let chosen = try level(body.level, default: .partners, field: "level")
            try checkWritable(chosen, veille: cell.isVeille, bound: actor.boundBySecret, field: "level")
            try check(
                body.itemId != nil || chosen == .partners, field: "level",
                "Un erratum qui ne porte sur aucun point est de niveau « partners » : tous les membres le lisent.")
            var item: AgendaItem?
            if let itemID = body.itemId {
                item = try await AgendaStore.items(of: id, only: itemID, on: connection, logger: context.logger).first
                try check(item != nil, field: "itemId", "Ce point n'est pas à l'ordre du jour de ce comité.")
            }
            let erratumID = try await ErrataStore.addErratum(
                body: text, level: chosen, item: item, comite: comite, by: actor, on: connection,
                logger: context.logger)
            try await ComiteStore.invite(
                .minutesDiffused, comite: id, reference: comite.reference, cell: cell, by: actor, on: connection,
                logger: context.logger)
            guard
                let shown = try await ErrataStore.errata(
                    of: id, upTo: comite.minutesVersion + 1, on: connection, logger: context.logger
                ).first(where: { $0.id == erratumID })
            else { throw Problem.internal }
            return (shown, .changed(item.map { [$0.householdId] } ?? [], [chosen]))
        }
    }
}
