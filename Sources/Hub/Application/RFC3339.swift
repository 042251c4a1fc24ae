import Foundation
import Tenancy

/// The instants of request bodies, read as RFC 3339 defines them (the OpenAPI document's
/// `date-time`): any offset from -23:59 to +23:59, a fraction of any length, `T` and `Z` in
/// either case, a leap second. Foundation's `.iso8601` refuses some of these, and names no
/// field when it does, so a partner whose valid instant was refused learnt nothing.
enum RFC3339 {
    /// The `debugDescription` of the decoding error, so the 400 can say what is expected.
    static let notADateTime = "RFC 3339 date-time expected"

    static func date(from text: String) -> Date? {
        let bytes = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Int? {
            range.upperBound <= bytes.count ? FixedDigits.number(bytes, range) : nil
        }
        func byte(_ index: Int, is characters: String) -> Bool {
            index < bytes.count && characters.utf8.contains(bytes[index])
        }
        guard let year = digits(0..<4), byte(4, is: "-"), let month = digits(5..<7), byte(7, is: "-"),
            let day = digits(8..<10), byte(10, is: "Tt"), let hour = digits(11..<13), byte(13, is: ":"),
            let minute = digits(14..<16), byte(16, is: ":"), let second = digits(17..<19),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second <= 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if byte(index, is: ".") {
            let start = index + 1
            index = start
            while byte(index, is: "0123456789") { index += 1 }
            guard index > start else { return nil }
            fraction = Double("0." + String(decoding: bytes[start..<index], as: UTF8.self)) ?? 0
        }
        let offsetSeconds: Int
        if byte(index, is: "Zz"), index + 1 == bytes.count {
            offsetSeconds = 0
        } else if byte(index, is: "+-"), index + 6 == bytes.count, byte(index + 3, is: ":"),
            let offsetHours = digits(index + 1..<index + 3), let offsetMinutes = digits(index + 4..<index + 6),
            offsetHours < 24, offsetMinutes < 60
        {
            offsetSeconds = (bytes[index] == UInt8(ascii: "-") ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        let seconds =
            daysSinceEpoch(year: year, month: month, day: day) * 86_400
            + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's `days_from_civil`).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension JSONDecoder.DateDecodingStrategy {
    static let rfc3339 = JSONDecoder.DateDecodingStrategy.custom { decoder in
        let container = try decoder.singleValueContainer()
        guard let date = RFC3339.date(from: try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: RFC3339.notADateTime)
        }
        return date
    }
}
