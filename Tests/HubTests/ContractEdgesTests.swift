import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Hub
@testable import Tenancy

/// Requests the OpenAPI document calls valid are served, and those it calls invalid are
/// refused with the status it names: the cases schemathesis found between the two (issue 16).
@Suite struct ContractEdgesTests {
    @Test func everyRFC3339InstantIsReadAndAWrongOneNamesItsField() async throws {
        #expect(RFC3339.date(from: "2025-03-04T09:30:00Z") == Date(timeIntervalSince1970: 1_741_080_600))
        #expect(RFC3339.date(from: "2025-03-04t10:30:00.250+01:00") == Date(timeIntervalSince1970: 1_741_080_600.25))
        #expect(RFC3339.date(from: "2025-03-05T07:28:00+21:58") == Date(timeIntervalSince1970: 1_741_080_600))
        #expect(RFC3339.date(from: "2024-02-29T00:00:00-00:30") != nil)
        for wrong in [
            "2025-02-29T00:00:00Z", "2025-03-04T24:00:00Z", "2025-03-04T09:30:00", "2025-03-04 09:30:00Z",
            "2025-03-04T09:30:00.Z", "2025-03-04T09:30:00+1:00", "2025-03-04T09:30:00+24:00", "2025-03-04",
        ] {
            #expect(RFC3339.date(from: wrong) == nil, "\(wrong)")
        }
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let uri = "/v1/households/\(world.household)/meetings"
            for startsAt in ["2025-03-05T07:28:00+21:58", "2025-03-04t09:30:00.123456z"] {
                let answer = try await client.execute(
                    uri: uri, method: .post, headers: world.headers(.leadBound),
                    body: json(SocialWorkTests.meeting(startsAt: startsAt)))
                #expect(answer.status == .created, "\(startsAt): \(answer.object)")
            }
            try await client.execute(
                uri: uri, method: .post, headers: world.headers(.leadBound),
                body: json(SocialWorkTests.meeting(startsAt: "2025-03-04T09:30"))
            ).expectProblem(.badRequest, field: "startsAt")
        }
    }

    @Test func anEmptyCursorIsRefusedAsTheDocumentSays() async throws {
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            for list in ["/v1/households", "/v1/programmes", "/v1/inbox"] {
                try await client.execute(uri: "\(list)?cursor=", method: .get, headers: world.headers(.leadBound))
                    .expectProblem(.badRequest, field: "cursor")
            }
        }
    }

    /// TRACE, QUERY, WebDAV's PROPFIND: a method the hub serves nowhere gets 405 with the
    /// path's `Allow` where the path exists, and 404 where it does not.
    @Test func aMethodServedNowhereIs405OnAKnownPath() async throws {
        try await withApp { client in
            for name in ["TRACE", "QUERY", "PROPFIND"] {
                let method = try #require(HTTPRequest.Method(name))
                let known = try await client.execute(uri: "/v1/households/\(UUID())/timeline", method: method)
                known.expectProblem(.methodNotAllowed)
                #expect(known.headers[.allow] == "GET, HEAD, OPTIONS", "\(name)")
                let health = try await client.execute(uri: "/health/live", method: method)
                health.expectProblem(.methodNotAllowed)
                try await client.execute(uri: "/v1/nulle-part", method: method).expectProblem(.notFound)
            }
        }
    }

    /// An integer the document leaves unbounded is one the server must take at any size;
    /// schemathesis sent `version=510264036943516938702684160` and got a 400 the document did
    /// not promise. Every integer parameter names its bounds, and the server keeps them.
    @Test func everyIntegerParameterIsBoundedAndTheBoundIsServed() async throws {
        try await withApp { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let shared = (document["components"] as? [String: Any])?["parameters"] as? [String: [String: Any]] ?? [:]
            for (path, operations) in paths {
                for case (let method, let operation as [String: Any]) in operations {
                    for case var parameter as [String: Any] in operation["parameters"] as? [Any] ?? [] {
                        if let reference = parameter["$ref"] as? String {
                            parameter = try #require(shared[String(reference.split(separator: "/").last!)])
                        }
                        let schema = parameter["schema"] as? [String: Any] ?? [:]
                        guard "\(schema["type"] ?? "")".contains("integer") else { continue }
                        #expect(
                            schema["minimum"] != nil && schema["maximum"] != nil,
                            "\(method) \(path) \(parameter["name"] ?? "")")
                    }
                }
            }

            let world = try await HouseholdWorld.make(client)
            let minutes = "/v1/comites/\(UUID())/minutes?version="
            try await client.execute(uri: minutes + "2147483647", method: .get, headers: world.headers(.leadBound))
                .expectProblem(.notFound)
            for outside in ["2147483648", "510264036943516938702684160", "0"] {
                try await client.execute(uri: minutes + outside, method: .get, headers: world.headers(.leadBound))
                    .expectProblem(.badRequest, field: "version")
            }
        }
    }

    /// The hub refuses a body over 64 KiB before reading it, on every route: every operation
    /// that takes a body says so (six did not, among them the optional bodies of issue 18).
    @Test func everyOperationWithABodyDocumentsItsSizeLimit() async throws {
        try await withApp { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var bodies = 0
            for (path, operations) in paths {
                for case (let method, let operation as [String: Any]) in operations
                where operation["requestBody"] != nil {
                    let responses = operation["responses"] as? [String: Any] ?? [:]
                    #expect(responses["413"] != nil, "\(method) \(path)")
                    bodies += 1
                }
            }
            #expect(bodies > 40)
        }
    }

    /// A length is counted in code points, as PostgreSQL's `length()` and JSON Schema's
    /// `maxLength` count it: schemathesis sent a commune of 210 code points that made fewer than
    /// 100 characters for Swift's `count`, and the database's CHECK answered it with a 500.
    @Test func aTextsLengthIsCountedAsTheDatabaseAndTheDocumentCountIt() async throws {
        #expect("o\u{0332}\u{0333}".length == 3 && "o\u{0332}\u{0333}".count == 1)
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            var flat = PathTests.flat()
            flat["commune"] = String(repeating: "o\u{0332}\u{0333}", count: 50)
            try await client.execute(
                uri: "/v1/flats", method: .post, headers: world.headers(.housingOfficer), body: json(flat)
            ).expectProblem(.unprocessableContent, field: "commune")
            try await client.execute(
                uri: "/v1/households/\(world.household)/notes", method: .post, headers: world.headers(.leadBound),
                body: json(["body": String(repeating: "e\u{0301}\u{0302}", count: 7000), "level": "partners"])
            ).expectProblem(.unprocessableContent, field: "body")
        }
    }

    /// If-Match as RFC 9110 reads it: `*` matches the current draft, a list matches when one
    /// of its strong tags does, and a value that is no list of tags is a 400.
    @Test func ifMatchIsReadAsHTTPSaysIt() async throws {
        #expect(IfMatch("*") == .anyCurrent)
        #expect(IfMatch(#" "a", W/"b" ,"c""#) == .tags(["\"a\"", "\"c\""]))
        #expect(IfMatch(#""""#) == .tags(["\"\""]))
        for malformed in ["abc", #""a" "b""#, #""sans fin"#, #""a","#, ""] {
            #expect(IfMatch(malformed) == nil, "\(malformed)")
        }
        try await withApp { client in
            let world = try await HouseholdWorld.make(client)
            let lead = world.headers(.leadBound)
            let uri = "/v1/households/\(world.household)"
            let draft = try await client.execute(uri: "\(uri)/diagnostics", method: .post, headers: lead)
            let draftURI = "\(uri)/diagnostics/\(draft.object["id"] as! String)"
            let body = json(["referentName": "R", "items": [["code": "PL-1", "assessment": "acquis"]]])
            try await client.execute(uri: draftURI, method: .put, headers: lead + [.ifMatch: "abc"], body: body)
                .expectProblem(.badRequest, field: "If-Match")
            let etag = try #require(draft.headers[.eTag])
            try await client.execute(uri: draftURI, method: .put, headers: lead + [.ifMatch: "W/\(etag)"], body: body)
                .expectProblem(.preconditionFailed)
            let listed = try await client.execute(
                uri: draftURI, method: .put, headers: lead + [.ifMatch: "\"autre\", \(etag)"], body: body)
            #expect(listed.status == .ok)
            let any = try await client.execute(uri: draftURI, method: .put, headers: lead + [.ifMatch: "*"], body: body)
            #expect(any.status == .ok)
            try await client.execute(uri: draftURI, method: .put, headers: lead + [.ifMatch: etag], body: body)
                .expectProblem(.preconditionFailed)
        }
    }
}
