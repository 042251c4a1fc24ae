import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Hub

/// Runs `body` against the real application (router, middleware, PostgreSQL).
func withApp(
    configure: (inout HubConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    var configuration = try TestDatabase.hubConfiguration()
    configure(&configuration)
    try await buildApplication(configuration).test(.router) { client in try await body(RecordingClient(inner: client)) }
}

func bearer(_ token: String) -> HTTPFields {
    [.authorization: "Bearer \(token)"]
}

func json(_ object: Any) -> ByteBuffer {
    ByteBuffer(data: try! JSONSerialization.data(withJSONObject: object))
}

extension TestResponse {
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }

    var items: [[String: Any]] { object["items"] as? [[String: Any]] ?? [] }

    /// Every error of the hub is problem+json with a French title and its status.
    func expectProblem(
        _ status: HTTPResponse.Status, field: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(self.status == status, sourceLocation: sourceLocation)
        #expect(headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
        let problem = object
        #expect(problem["status"] as? Int == Int(status.code), sourceLocation: sourceLocation)
        #expect((problem["title"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect((problem["detail"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect((problem["type"] as? String)?.hasPrefix("urn:hub:problem:") == true, sourceLocation: sourceLocation)
        #expect(problem["requestId"] is String, sourceLocation: sourceLocation)
        if let field {
            #expect(problem["field"] as? String == field, sourceLocation: sourceLocation)
        }
    }
}
