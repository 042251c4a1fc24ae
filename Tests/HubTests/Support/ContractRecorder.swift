import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// Every answer the test suite receives, written one JSON line each to the file named by
/// HUB_CONTRACT_RECORD (deploy/test.sh), for Tests/contract/check_answers.py to check against
/// the OpenAPI document after `swift test` (issue 16): the contract is checked on what the
/// server really answers, in every situation the tests create, not only on route paths.
actor ContractRecorder {
    static let shared = ContractRecorder(path: ProcessInfo.processInfo.environment["HUB_CONTRACT_RECORD"])

    private let file: FileHandle?

    init(path: String?) {
        guard let path else {
            file = nil
            return
        }
        FileManager.default.createFile(atPath: path, contents: nil)
        file = FileHandle(forWritingAtPath: path)
    }

    var isRecording: Bool { file != nil }

    func record(method: HTTPRequest.Method, uri: String, response: TestResponse) {
        guard let file else { return }
        let line: [String: Any] = [
            "method": method.rawValue.lowercased(),
            "path": String(uri.split(separator: "?", maxSplits: 1).first ?? ""),
            "status": Int(response.status.code),
            "contentType": response.headers[.contentType] ?? "",
            "body": String(decoding: response.body.readableBytesView, as: UTF8.self),
        ]
        guard var data = try? JSONSerialization.data(withJSONObject: line) else { return }
        data.append(0x0A)
        file.write(data)
    }
}

/// The app's test client, recording each answer.
struct RecordingClient: TestClientProtocol {
    let inner: any TestClientProtocol
    var port: Int? { inner.port }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?)
        async throws -> TestResponse
    {
        let response = try await inner.executeRequest(uri: uri, method: method, headers: headers, body: body)
        await ContractRecorder.shared.record(method: method, uri: uri, response: response)
        return response
    }
}
