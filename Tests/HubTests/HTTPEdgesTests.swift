import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Hub
@testable import Tenancy

@Suite struct HTTPEdgesTests {
    @Test func unknownRoutesAndWrongMethodsAreProblems() async throws {
        try await withApp { client in
            try await client.execute(uri: "/v1/nulle-part", method: .get).expectProblem(.notFound)
            try await client.execute(uri: "/nulle-part", method: .get).expectProblem(.notFound)
            let wrong = try await client.execute(uri: "/v1/me", method: .put)
            wrong.expectProblem(.methodNotAllowed)
            #expect(wrong.headers[.allow] == "GET, HEAD, OPTIONS")
            let sessions = try await client.execute(uri: "/v1/sessions", method: .put)
            sessions.expectProblem(.methodNotAllowed)
            #expect(sessions.headers[.allow] == "DELETE, GET, HEAD, OPTIONS, POST")
        }
    }

    @Test func healthAnswers() async throws {
        try await withApp { client in
            let live = try await client.execute(uri: "/health/live", method: .get)
            #expect(live.status == .ok)
            let ready = try await client.execute(uri: "/health/ready", method: .get)
            #expect(ready.status == .ok)
            #expect(ready.object["migrations"] as? String == "current")
        }
    }

    @Test func everyResponseCarriesARequestID() async throws {
        try await withApp { client in
            let answer = try await client.execute(uri: "/v1/me", method: .get)
            let id = try #require(answer.headers[.requestID])
            #expect(answer.object["requestId"] as? String == id)
        }
    }

    /// The document served is the contract: its paths and methods are exactly the routes.
    @Test func theOpenAPIDocumentDescribesEveryRouteAndNoOther() async throws {
        let routes = try await withRuntime { client in
            let router = Router(context: HubRequestContext.self)
            addRoutes(to: router, client: client, migrator: Migrator(migrations: []), session: SessionPolicy())
            return Set(router.routes.map { "\($0.method.rawValue) \(Self.openAPIPath($0.path.description))" })
        }

        try await withApp { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let documented = Set(
                paths.flatMap { path, operations in
                    operations.keys.filter { ["get", "post", "put", "patch", "delete"].contains($0) }
                        .map { "\($0.uppercased()) \(path)" }
                })
            #expect(documented == routes)
        }
    }

    /// `/v1/users/:userId` in the router is `/v1/users/{userId}` in OpenAPI.
    static func openAPIPath(_ routerPath: String) -> String {
        let path = routerPath.hasPrefix("/") ? routerPath : "/" + routerPath
        return path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
        }.joined(separator: "/")
    }
}
