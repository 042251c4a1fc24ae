import PostgresNIO

/// A type read from a query's row by column name (`try row["held_on"]`) rather than as a
/// positional tuple: a column added to or moved in the SELECT cannot shift the others, and
/// PostgresNIO decodes each column's own type (a `Day` from a `date`, a `Date` from a
/// `timestamptz`, a `Decodable` from a `jsonb`) with no text in between.
public protocol RowDecodable: Sendable {
    init(row: NamedRow) throws
}

/// One row of a result, its cells found by their column's name.
public struct NamedRow {
    let cells: PostgresRandomAccessRow

    public init(_ row: PostgresRow) { cells = row.makeRandomAccess() }

    /// The named column's value; a name the SELECT does not have is an error, never a crash
    /// (PostgresNIO's own subscript stops the process).
    public subscript<Value: PostgresDecodable>(column: String) -> Value {
        get throws {
            guard cells.contains(column) else { throw MissingColumn(name: column) }
            return try cells[column].decode(Value.self, context: .default)
        }
    }

    public struct MissingColumn: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "no column \(name) in the row" }
    }
}

extension PostgresRowSequence {
    /// Every row, each read as `Item`.
    public func collect<Item: RowDecodable>(_: Item.Type) async throws -> [Item] {
        var items: [Item] = []
        for try await row in self { items.append(try Item(row: NamedRow(row))) }
        return items
    }

    /// The first row read as `Item`, or nil when there is none.
    public func first<Item: RowDecodable>(_: Item.Type) async throws -> Item? {
        for try await row in self { return try Item(row: NamedRow(row)) }
        return nil
    }
}

extension NamedRow {
    /// A `jsonb` column read as `Value` by PostgresNIO's JSON decoder.
    public subscript<Value: Decodable & Sendable>(json column: String) -> Value {
        get throws { try (self[column] as JSONColumn<Value>).value }
    }
}

struct JSONColumn<Value: Decodable & Sendable>: Decodable, PostgresDecodable, Sendable {
    let value: Value
    init(from decoder: any Decoder) throws { value = try Value(from: decoder) }
}
