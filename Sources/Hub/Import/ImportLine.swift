import Crypto
import Foundation

/// One line of an import file (JSON Lines, `deploy/import-sample.jsonl`): one household and
/// its history. Each section is the body of the API call that records that fact, as the API
/// documents it, with the day it happened; the import makes those calls in the order of the
/// path (`Importer`). The OpenAPI document describes the line as `ImportLine`.
///
/// Sendable by hand: its sections are JSONSerialization's values, never changed once read,
/// and a line is read once, then written by the task that imports it.
struct ImportLine: @unchecked Sendable {
    /// The sections of a line, in the order their facts are recorded.
    static let fields: Set<String> = [
        "reference", "orientation", "decline", "acceptance", "careTeam", "consents", "diagnostics", "contract",
        "housing", "meetings", "aids", "end",
    ]
    /// The parts of a diagnostic, and of `housing` with the kind of value each holds.
    static let diagnosticFields: Set<String> = ["content", "validatedOn"]
    static let housingFields: [String: Kind] = [
        "flat": .object, "flatId": .text, "proposedOn": .text, "answer": .object, "calDecision": .object,
        "lease": .object, "entryInspectionOn": .text, "alerts": .objects,
    ]

    enum Kind {
        case object, objects, text

        func holds(_ value: Any) -> Bool {
            switch self {
            case .object: value is [String: Any]
            case .objects: value is [[String: Any]]
            case .text: value is String
            }
        }

        var french: String {
            switch self {
            case .object: "un objet"
            case .objects: "une liste d'objets"
            case .text: "une chaîne"
            }
        }
    }

    /// Longer lines are refused without being read further: the API's own body limit.
    static let maximumBytes = HubRequestContext.bodyLimit

    /// The importer's own reference of the household, unique per lead organisation.
    let reference: String
    let sections: [String: Any]
    /// SHA-256 of the line's content: a second import of it changes nothing.
    let digest: [UInt8]

    /// The line's structure checked; every refusal names its field, in French.
    init(_ bytes: some Collection<UInt8>) throws(ImportRefusals) {
        guard bytes.count <= Self.maximumBytes else {
            throw ImportRefusals(
                field: nil,
                "La ligne dépasse \(Self.maximumBytes / 1024) Kio : un ménage par ligne, sans les pièces jointes.")
        }
        let data = Data(bytes)
        guard String(validating: data, as: UTF8.self) != nil else {
            throw ImportRefusals(field: nil, "La ligne n'est pas du texte UTF-8 valide.")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ImportRefusals(
                field: nil, "La ligne n'est pas un objet JSON complet (tronquée, ou plusieurs ménages sur une ligne ?)."
            )
        }
        var refusals = ImportRefusals()
        refusals.addUnexpected(in: object, allowed: Self.fields)
        let reference = (object["reference"] as? String)?.trimmingCharacters(in: .whitespaces) ?? ""
        if !(1...100).contains(reference.length) {
            refusals.add(
                field: "reference", "La référence du ménage chez l'importateur est requise (100 caractères au plus).")
        } else if reference.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            refusals.add(field: "reference", "La référence ne peut pas contenir de caractère de contrôle.")
        }
        if !(object["orientation"] is [String: Any]) {
            refusals.add(field: "orientation", "L'orientation du ménage est requise : le corps de POST /v1/households.")
        }
        if object["decline"] != nil, object["acceptance"] != nil {
            refusals.add(field: "decline", "Un ménage est accepté ou refusé, pas les deux.")
        }
        for key in ["decline", "acceptance", "contract", "housing", "end"]
        where object[key] != nil && !(object[key] is [String: Any]) {
            refusals.add(field: key, "Le champ « \(key) » doit être un objet.")
        }
        for key in ["careTeam", "consents", "diagnostics", "meetings", "aids"] where object[key] != nil {
            if !(object[key] is [[String: Any]]) {
                refusals.add(field: key, "Le champ « \(key) » doit être une liste d'objets.")
            }
        }
        for (index, diagnostic) in (object["diagnostics"] as? [[String: Any]] ?? []).enumerated() {
            let field = "diagnostics[\(index)]"
            refusals.addUnexpected(in: diagnostic, allowed: Self.diagnosticFields, prefix: "\(field).")
            if !(diagnostic["content"] is [String: Any]) {
                refusals.add(
                    field: "\(field).content",
                    "Le contenu du diagnostic est requis : le corps de PUT …/diagnostics/{id}.")
            }
        }
        if let housing = object["housing"] as? [String: Any] {
            refusals.addUnexpected(in: housing, allowed: Set(Self.housingFields.keys), prefix: "housing.")
            for (key, value) in housing.sorted(by: { $0.key < $1.key }) {
                guard let kind = Self.housingFields[key], !kind.holds(value) else { continue }
                refusals.add(field: "housing.\(key)", "Le champ « \(key) » doit être \(kind.french).")
            }
        }
        guard refusals.isEmpty else { throw refusals }
        self.reference = reference
        self.sections = object
        // Of the content, not of its spelling: the same household exported again with its keys
        // in another order or other spaces is the same line.
        let canonical = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? data
        self.digest = Array(SHA256.hash(data: canonical))
    }

    func object(_ key: String) -> [String: Any]? { sections[key] as? [String: Any] }
    func list(_ key: String) -> [[String: Any]] { sections[key] as? [[String: Any]] ?? [] }
}

/// Why a line was not imported: each refusal names its field in the line (`acceptance.occurredOn`).
struct ImportRefusals: Error, Sendable, Encodable {
    struct Refusal: Sendable, Encodable {
        let field: String?
        let message: String
    }

    private(set) var refusals: [Refusal] = []

    init() {}
    init(field: String?, _ message: String) { add(field: field, message) }

    var isEmpty: Bool { refusals.isEmpty }
    mutating func add(field: String?, _ message: String) { refusals.append(Refusal(field: field, message: message)) }

    /// A refusal for each key of `object` not in `allowed`, named with `prefix`.
    mutating func addUnexpected(in object: [String: Any], allowed: Set<String>, prefix: String = "") {
        for key in object.keys.sorted() where !allowed.contains(key) {
            add(field: prefix + key, "Le champ « \(key) » n'est pas attendu.")
        }
    }
}

/// Reads a file as lines in bounded memory: a line longer than `ImportLine.maximumBytes` is
/// skipped to its end and handed on cut, so that its refusal says so; nothing else is kept.
struct LineReader {
    private let handle: FileHandle
    private var pending: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private(set) var number = 0

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImportFileError("Fichier illisible : \(path)")
        }
        self.handle = handle
    }

    /// The next line (without its end of line), or nil at the end of the file.
    mutating func next() throws -> [UInt8]? {
        var line: [UInt8] = []
        var cut = false
        while true {
            if position == pending.count {
                if atEnd { break }
                pending = Array(try handle.read(upToCount: 1 << 16) ?? Data())
                position = 0
                if pending.isEmpty {
                    atEnd = true
                    break
                }
            }
            let end = pending[position...].firstIndex(of: 0x0A)
            let chunk = pending[position..<(end ?? pending.count)]
            if line.count + chunk.count > ImportLine.maximumBytes {
                // Over the limit: keep one byte more than allowed, so that the line is refused.
                line.append(contentsOf: chunk.prefix(max(0, ImportLine.maximumBytes + 1 - line.count)))
                cut = true
            } else if !cut {
                line.append(contentsOf: chunk)
            }
            position = end.map { $0 + 1 } ?? pending.count
            if end != nil {
                number += 1
                return line.last == 0x0D ? Array(line.dropLast()) : line
            }
        }
        guard !line.isEmpty else { return nil }
        number += 1
        return line
    }
}

struct ImportFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
