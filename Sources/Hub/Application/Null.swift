/// An optional that the JSON writes as `null` when absent instead of leaving its key out,
/// so that a document's shape never depends on the data (the OpenAPI document lists every
/// key as required). Synthesised encoding calls the wrapper, which always writes a value.
@propertyWrapper
struct Null<Value: Encodable & Sendable>: Encodable, Sendable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value = wrappedValue { try container.encode(value) } else { try container.encodeNil() }
    }
}
