import Foundation

/// Splits a migration file into statements. PostgresNIO speaks only the extended query
/// protocol, which takes one statement at a time; the split respects quotes, quoted
/// identifiers, dollar-quoted bodies (`$$ … $$`, `$tag$ … $tag$`) and comments.
enum SQLScript {
    static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var index = script.startIndex

        func peek(_ offset: Int = 0) -> Character? {
            script.index(index, offsetBy: offset, limitedBy: script.endIndex).flatMap {
                $0 < script.endIndex ? script[$0] : nil
            }
        }
        func take() {
            current.append(script[index])
            index = script.index(after: index)
        }
        func takeUntil(_ terminator: String) {
            while index < script.endIndex, !script[index...].hasPrefix(terminator) { take() }
            for _ in terminator where index < script.endIndex { take() }
        }

        while index < script.endIndex {
            let character = script[index]
            if character == "-", peek(1) == "-" {
                // A line comment is dropped: it would otherwise become an empty statement.
                while index < script.endIndex, script[index] != "\n" { index = script.index(after: index) }
            } else if character == "/", peek(1) == "*" {
                take()
                take()
                takeUntil("*/")
            } else if character == "'" || character == "\"" {
                take()
                takeUntil(String(character))
            } else if character == "$", let tag = dollarTag(in: script[index...]) {
                for _ in tag { take() }
                takeUntil(tag)
            } else if character == ";" {
                index = script.index(after: index)
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
            } else {
                take()
            }
        }
        let last = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { statements.append(last) }
        return statements
    }

    /// `$$` or `$name$` at the start of `text`, if it opens a dollar quote.
    static func dollarTag(in text: Substring) -> String? {
        var tag = "$"
        for character in text.dropFirst() {
            if character == "$" { return tag + "$" }
            guard character.isLetter || character == "_" || (character.isNumber && tag.count > 1) else { return nil }
            tag.append(character)
        }
        return nil
    }
}
