import Foundation

/// "1,03 s": a duration as a French sentence says it.
enum FrenchSeconds {
    static func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.2f s", seconds).replacingOccurrences(of: ".", with: ",")
    }
}

