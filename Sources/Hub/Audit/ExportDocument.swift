import Foundation
import Tenancy

/// The right-of-access export as a document the person can read (R12), in French.
enum ExportDocument {
    static func markdown(_ export: AccessLogController.Export) -> String {
        let h = export.household
        var lines: [String] = []
        lines.append("# Dossier du ménage \(h.reference)")
        lines.append("")
        lines.append("Document établi le \(day(export.generatedAt)) au titre du droit d'accès (RGPD, art. 15).")
        lines.append("")
        lines.append("## Le ménage")
        lines.append("")
        lines.append("- Statut de l'accompagnement : \(h.status)")
        lines.append("- Organisation référente : \(h.leadOrganisation.name)")
        lines.append("- Référent·e social·e : \(h.referentName ?? "non désigné·e")")
        lines.append("- Orienté par : \(h.orientedBy.name)")
        lines.append("- Situation actuelle : \(h.currentSituation)\(h.situationSince.map { " depuis le \($0)" } ?? "")")
        lines.append("- Public : \(h.public)")
        lines.append("- Famille monoparentale : \(h.singleParent ? "oui" : "non")")
        lines.append(
            "- Reconnaissance DALO : \(h.dalo.map { "le \($0.recognisedOn), département \($0.departement)" } ?? "non")")
        lines.append(
            "- Salarié d'une entreprise cotisant à Action Logement : \(h.actionLogementEmployee ? "oui" : "non")")
        lines.append("")
        lines.append("### Composition")
        lines.append("")
        for person in h.persons {
            lines.append("- \(person.firstName) \(person.lastName), né·e le \(person.birthDate) (\(person.relation))")
        }
        lines.append("")
        lines.append("## Organisations qui suivent le ménage")
        lines.append("")
        for member in export.careTeam {
            lines.append(
                "- \(member.organisation.name) depuis le \(day(member.addedAt))\(member.consentLevel.map { ", consentement : \($0)" } ?? ", sans consentement actif")"
            )
        }
        lines.append("")
        lines.append("## Consentements")
        lines.append("")
        for consent in export.consents {
            let state = consent.active ? "actif" : (consent.withdrawnAt.map { "retiré le \(day($0))" } ?? "expiré")
            lines.append(
                "- \(consent.recipientOrganisation.name), niveau \(consent.level), donné le \(day(consent.givenAt)), jusqu'au \(day(consent.expiresAt)) — \(state). Finalité : \(consent.purpose)"
            )
        }
        lines.append("")
        lines.append("## Diagnostic social partagé")
        for diagnostic in export.diagnostics {
            lines.append("")
            lines.append(
                "### Version \(diagnostic.version) (\(diagnostic.status == "validated" ? "validée" : "brouillon"))")
            lines.append("")
            lines.append("Référent·e : \(diagnostic.referentName) — \(diagnostic.authorOrganisation.name)")
            for section in diagnostic.sections {
                lines.append("")
                lines.append("#### \(section.title)")
                if let view = section.view {
                    lines.append("")
                    lines.append("Votre point de vue : \(view.value)")
                }
                for item in section.items where item.assessment != nil || item.comment != nil {
                    lines.append(
                        "- \(item.label) : \(item.assessment.map { label($0.value) } ?? "—")\(item.comment.map { ". \($0.value)" } ?? "")"
                    )
                }
            }
            if let preconisations = diagnostic.preconisations {
                lines.append("")
                lines.append("#### Préconisations")
                lines.append("")
                lines.append(preconisations.value)
            }
        }
        lines.append("")
        lines.append("## Notes")
        lines.append("")
        for note in export.notes {
            lines.append(
                "- \(day(note.writtenAt)), \(note.authorName) (\(note.authorOrganisation.name)) : \(note.body)")
        }
        lines.append("")
        lines.append("## Qui a consulté ce dossier")
        lines.append("")
        for access in export.accessLog {
            lines.append(
                "- \(day(access.at)) : \(access.userName ?? "—") (\(access.organisation ?? "—")), \(access.action), \(access.outcome)"
            )
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    static func label(_ assessment: String) -> String {
        switch Assessment(rawValue: assessment) {
        case .acquis: "acquis"
        case .enCours: "en cours d'acquisition"
        case .soutienNecessaire: "nécessite un soutien"
        case .nonEvalue, nil: "non évalué"
        }
    }

    static func day(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "fr_FR")
        formatter.timeZone = TimeZone(identifier: "Europe/Paris")
        formatter.dateFormat = "dd/MM/yyyy"
        return formatter.string(from: date)
    }
}
