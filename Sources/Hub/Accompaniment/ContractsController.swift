import Foundation
import Hummingbird
import PostgresNIO
import Tenancy

/// The contrat d'accompagnement of a household (issue 5): read by everyone through the
/// door, recorded by the lead organisation's social workers and service heads.
struct ContractsController {
    let client: PostgresClient
    var gate: HouseholdGate { HouseholdGate(client: client) }

    func addRoutes(to group: RouterGroup<AuthenticatedContext>) {
        group.get("households/:householdId/contracts", use: list)
        group.post("households/:householdId/contracts", use: create)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> ItemList<Contract> {
        let id = try context.parameters.uuid("householdId")
        return try await gate.run(id, action: "contract.read", context: context) { connection, _, _ in
            let contracts = try await ContractStore.list(of: id, on: connection, logger: context.logger)
            return (ItemList(items: contracts), .disclosed([.partners]))
        }
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<Contract> {
        let id = try context.parameters.uuid("householdId")
        let body = try await request.decodeJSON(as: NewContractRequest.self, context: context)
        let days = try body.validated()
        let contract = try await gate.run(id, action: "contract.create", context: context) { connection, actor, facts in
            guard AccessRules.mayRecordPath(actor, facts) else {
                throw Problem.forbidden(
                    "Le contrat d'accompagnement est enregistré par les travailleurs sociaux de l'organisation référente."
                )
            }
            let programme = try await HouseholdStore.period(ofHousehold: id, on: connection, logger: context.logger)
            try days.signedOn.check(within: programme, field: "signedOn")
            let contract = try await ContractStore.create(
                body, days, household: id, by: actor, on: connection, logger: context.logger)
            return (contract, .changed())
        }
        return EditedResponse(status: .created, response: contract)
    }
}

extension Contract: ResponseEncodable {}
