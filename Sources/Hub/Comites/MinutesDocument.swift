import Foundation
import Tenancy

/// The minutes as printable documents, in French.
enum MinutesDocument {
    static func markdown(_ minutes: Minutes) -> String {
        var lines: [String] = []
        let c = minutes.comite
        lines.append("# Compte-rendu d'étape — \(minutes.cellName.markdownSafe)")
        lines.append("")
        lines.append("Comité \(kind(c)) du \(day(c.heldOn)), référence \(c.reference).")
        lines.append(
            minutes.draft
                ? "Projet de compte-rendu, non validé." : "Version \(minutes.version), \(status(c)).")
        if let reason = c.reason { lines.append("Motif de la séance : \(reason.markdownSafe)") }
        lines.append("")
        lines.append("## Présents et excusés")
        lines.append("")
        for attendee in minutes.attendance {
            lines.append("- \(attendee.name.markdownSafe) : \(attendee.present ? "présent·e" : "absent·e")")
        }
        lines.append("")
        lines.append("## Situations examinées")
        for item in minutes.items {
            lines.append("")
            lines.append("### \(item.position). \(situation(item).markdownSafe)")
            lines.append("")
            for reason in item.reasons { lines.append("- Motif : \(reason.detail.markdownSafe)") }
            if let decision = item.decision {
                lines.append("")
                if let discussion = decision.discussion {
                    lines.append("Discussion (\(discussion.level.label)) : \(discussion.body.markdownSafe)")
                    lines.append("")
                }
                lines.append(
                    "**Décision : \(decisionLabel(decision))**\(decision.detail.map { " — \($0.markdownSafe)" } ?? "")")
                if let outcome = decision.outcome { lines.append(contentsOf: ["", exit(outcome).markdownSafe]) }
                for objection in decision.objections {
                    lines.append(
                        "- Objection de \(objection.organisationName.markdownSafe) : \(objection.reason.markdownSafe)")
                }
            } else {
                lines.append("")
                lines.append("Pas de décision enregistrée.")
            }
            if !item.actions.isEmpty {
                lines.append("")
                lines.append("Actions :")
                for action in item.actions {
                    lines.append(
                        "- \(action.description.markdownSafe) — \(owner(action).markdownSafe), échéance le \(day(action.dueOn))"
                    )
                }
            }
        }
        if !minutes.errata.isEmpty {
            lines.append("")
            lines.append("## Errata")
            lines.append("")
            for erratum in minutes.errata {
                lines.append("- Version \(erratum.version) : \(erratum.body.markdownSafe)")
            }
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// A standalone page that prints as it shows; every text is escaped.
    static func html(_ minutes: Minutes) -> String {
        let c = minutes.comite
        var body = ""
        body += "<h1>Compte-rendu d'étape — \(escape(minutes.cellName))</h1>\n"
        body += "<p>Comité \(kind(c)) du \(day(c.heldOn)), référence \(escape(c.reference)).<br>"
        body += minutes.draft ? "Projet de compte-rendu, non validé." : "Version \(minutes.version), \(status(c))."
        body += "</p>\n"
        if let reason = c.reason { body += "<p>Motif de la séance : \(escape(reason))</p>\n" }
        body += "<h2>Présents et excusés</h2>\n<ul>\n"
        for attendee in minutes.attendance {
            body += "<li>\(escape(attendee.name)) : \(attendee.present ? "présent·e" : "absent·e")</li>\n"
        }
        body += "</ul>\n<h2>Situations examinées</h2>\n"
        for item in minutes.items {
            body += "<section>\n<h3>\(item.position). \(escape(situation(item)))</h3>\n<ul>\n"
            for reason in item.reasons { body += "<li>Motif : \(escape(reason.detail))</li>\n" }
            body += "</ul>\n"
            if let decision = item.decision {
                if let discussion = decision.discussion {
                    body += "<p>Discussion (\(discussion.level.label)) : \(escape(discussion.body))</p>\n"
                }
                body += "<p><strong>Décision : \(decisionLabel(decision))</strong>"
                body += decision.detail.map { " — \(escape($0))" } ?? ""
                body += "</p>\n"
                if let outcome = decision.outcome { body += "<p>\(escape(exit(outcome)))</p>\n" }
                if !decision.objections.isEmpty {
                    body += "<ul>\n"
                    for objection in decision.objections {
                        body +=
                            "<li>Objection de \(escape(objection.organisationName)) : \(escape(objection.reason))</li>\n"
                    }
                    body += "</ul>\n"
                }
            } else {
                body += "<p>Pas de décision enregistrée.</p>\n"
            }
            if !item.actions.isEmpty {
                body += "<p>Actions :</p>\n<ul>\n"
                for action in item.actions {
                    body +=
                        "<li>\(escape(action.description)) — \(escape(owner(action))), "
                    body += "échéance le \(day(action.dueOn))</li>\n"
                }
                body += "</ul>\n"
            }
            body += "</section>\n"
        }
        if !minutes.errata.isEmpty {
            body += "<h2>Errata</h2>\n<ul>\n"
            for erratum in minutes.errata {
                body += "<li>Version \(erratum.version) : \(escape(erratum.body))</li>\n"
            }
            body += "</ul>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="fr">
            <head>
            <meta charset="utf-8">
            <title>Compte-rendu d'étape — \(escape(minutes.cellName)) — \(day(c.heldOn))</title>
            <style>
            body { font-family: serif; max-width: 48em; margin: 2em auto; line-height: 1.4; }
            section { break-inside: avoid; }
            @media print { body { margin: 0; } }
            </style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }

    static func day(_ day: Day) -> String { day.french }

    /// The situation as its reader may name it: the applicant and the reference, or the
    /// reference alone.
    static func situation(_ item: Minutes.Item) -> String {
        item.householdName.map { "\($0) (\(item.reference))" } ?? "Ménage \(item.reference)"
    }

    /// Who answers for an action: the person and their organisation, or the organisation.
    static func owner(_ action: ComiteAction) -> String {
        switch (action.ownerName, action.ownerOrganisationName) {
        case (let person?, let organisation?): "\(person) (\(organisation))"
        case (let person?, nil): person
        case (nil, let organisation?): organisation
        case (nil, nil): "organisation responsable"
        }
    }

    static func exit(_ outcome: ItemDecision.Outcome) -> String {
        "Sortie : \(outcome.label), le \(day(outcome.endedOn))."
    }

    static func kind(_ comite: Comite) -> String { ComiteVocabulary.comiteKinds[comite.kind] }

    static func status(_ comite: Comite) -> String { comite.stage.label }

    static func decisionLabel(_ decision: ItemDecision) -> String {
        let label = ComiteDecisionKind(rawValue: decision.decision)?.label ?? decision.decision
        return decision.adopted ? label : "\(label) — non adoptée (objection d'un partenaire)"
    }
}
