import Foundation

extension String {
    /// User-written text made inert inside a Markdown document (minutes, right-of-access
    /// export): HTML becomes entities, so a renderer shows `<script>` instead of running
    /// it; the punctuation that makes links, images, emphasis, code and tables is
    /// backslash-escaped; line breaks become spaces and a leading `#`, `>`, `-`, `+` or `=`
    /// is escaped, so that a writer can start no heading, quote or list of their own. A
    /// reader of the raw file still reads the text as written.
    var markdownSafe: String {
        var escaped = ""
        escaped.reserveCapacity(utf8.count)
        for character in self {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\\", "`", "*", "_", "[", "]", "|", "~": escaped += "\\\(character)"
            case "\n", "\r", "\r\n", "\t": escaped += " "
            default: escaped.append(character)
            }
        }
        if let first = escaped.first, "#-+=".contains(first) || escaped.hasPrefix("&gt;") {
            escaped = "\\" + escaped
        }
        return escaped
    }
}
