import Foundation
import NIOCore
import PostgresNIO

/// A calendar day, as the facts of the path are dated (DOMAIN.md, "Time"): no hour, no time
/// zone. Kept as a count of days, as PostgreSQL keeps a `date`, so that a column decodes as
/// one integer (no text to parse), and days compare and subtract as integers. Written
/// AAAA-MM-JJ in JSON and SQL, JJ/MM/AAAA in French documents.
public struct Day: Hashable, Comparable, Sendable {
    /// Days since 1970-01-01.
    public let daysSinceEpoch: Int

    public init(daysSinceEpoch: Int) { self.daysSinceEpoch = daysSinceEpoch }

    /// A day of the Gregorian calendar; nil for a month or a day that does not exist.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        let days = Self.days(year: year, month: month, day: day)
        let back = Self.civil(days)
        guard back.year == year, back.month == month, back.day == day else { return nil }
        daysSinceEpoch = days
    }

    /// The API's form, AAAA-MM-JJ, read by hand (see `FixedDigits`): an agenda's rules and the
    /// indicators read thousands of days per request.
    public init?(iso text: some StringProtocol) {
        var text = String(text)
        let parsed: Day? = text.withUTF8 { bytes in
            guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
                let year = FixedDigits.number(bytes, 0..<4), let month = FixedDigits.number(bytes, 5..<7),
                let day = FixedDigits.number(bytes, 8..<10)
            else { return nil }
            return Day(year: year, month: month, day: day)
        }
        guard let parsed else { return nil }
        self = parsed
    }

    /// The day (in UTC, as every day of the path) that holds this instant.
    public init(_ date: Date) {
        daysSinceEpoch = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    public static func today(at now: Date = Date()) -> Day { Day(now) }

    /// Its first instant, midnight UTC.
    public var date: Date { Date(timeIntervalSince1970: Double(daysSinceEpoch) * 86_400) }

    public var parts: (year: Int, month: Int, day: Int) { Self.civil(daysSinceEpoch) }

    public var iso: String {
        let (year, month, day) = parts
        return "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))"
    }

    /// The months' French names, January first.
    public static let frenchMonths = [
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
        "décembre",
    ]

    /// 01/09/2025.
    public var french: String {
        let (year, month, day) = parts
        return "\(Self.pad(day, 2))/\(Self.pad(month, 2))/\(Self.pad(year, 4))"
    }

    public func adding(days: Int) -> Day { Day(daysSinceEpoch: daysSinceEpoch + days) }

    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    // Howard Hinnant's days_from_civil and civil_from_days (public domain): exact for every
    // Gregorian day, with no Calendar and no allocation.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Day: CustomStringConvertible {
    public var description: String { iso }
}

extension Day: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let day = Day(iso: try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "Date attendue au format AAAA-MM-JJ.")
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso)
    }
}

/// A `date` column, in PostgreSQL's binary form: days since 2000-01-01 as a 32-bit integer.
extension Day: PostgresNonThrowingEncodable, PostgresDecodable, PostgresArrayEncodable, PostgresArrayDecodable {
    static let postgresEpoch = 10_957  // 2000-01-01, in days since 1970-01-01

    public static var psqlType: PostgresDataType { .date }
    public static var psqlFormat: PostgresFormat { .binary }
    public static var psqlArrayType: PostgresDataType { .dateArray }

    public func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        byteBuffer.writeInteger(Int32(daysSinceEpoch - Self.postgresEpoch))
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat,
        context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        switch (format, type) {
        case (.binary, .date):
            guard buffer.readableBytes == 4, let days = buffer.readInteger(as: Int32.self) else {
                throw PostgresDecodingError.Code.failure
            }
            self.init(daysSinceEpoch: Int(days) + Self.postgresEpoch)
        case (.text, .date):
            guard let text = buffer.readString(length: buffer.readableBytes), let day = Day(iso: text) else {
                throw PostgresDecodingError.Code.failure
            }
            self = day
        default:
            throw PostgresDecodingError.Code.typeMismatch
        }
    }
}

/// Days, months and years written in the API's fixed forms, read by hand: a regex literal is
/// compiled again at every call, and the agenda's rules and the indicators read thousands of
/// them per request (bench: 73 % and 75 % of those requests' CPU when they used one).
public enum FixedDigits {
    /// The decimal number in `bytes[range]`, or nil if any byte there is not a digit.
    @inlinable
    public static func number<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, _ range: Range<Int>) -> Int?
    where Bytes.Index == Int {
        var value = 0
        for byte in bytes[range] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
