/// Amounts as a French reader reads them: « 1 250,00 € ». The API carries decimal strings in
/// euros ("1250.00") and the database cents; a document prints neither.
public enum Euros {
    public static func french(cents: Int64) -> String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        var whole = String(magnitude / 100)
        var groups: [Substring] = []
        while whole.count > 3 {
            groups.insert(Substring(whole.suffix(3)), at: 0)
            whole.removeLast(3)
        }
        groups.insert(Substring(whole), at: 0)
        let fraction = magnitude % 100
        // U+202F, the narrow no-break space French typography puts between thousands and before €.
        return sign + groups.joined(separator: "\u{202F}") + "," + (fraction < 10 ? "0" : "") + "\(fraction)\u{202F}€"
    }

    /// From the API's decimal string; the text itself if it is not one.
    public static func french(_ decimal: String) -> String {
        cents(decimal).map { french(cents: $0) } ?? decimal
    }

    /// "1250.00", "1250.5" or "1250" in cents.
    public static func cents(_ decimal: String) -> Int64? {
        let parts = decimal.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int64(parts[0]), !parts[0].hasPrefix("+") else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            guard (1...2).contains(parts[1].count), parts[1].allSatisfy(\.isASCII), let digits = Int64(parts[1]),
                digits >= 0
            else { return nil }
            fraction = parts[1].count == 1 ? digits * 10 : digits
        }
        return whole * 100 + (parts[0].hasPrefix("-") ? -fraction : fraction)
    }

    /// The API's decimal string for cents: "1250.00".
    public static func decimal(cents: Int64) -> String {
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return (cents < 0 ? "-" : "") + "\(magnitude / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }
}
