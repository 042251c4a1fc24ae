import Foundation
import Tenancy

/// The right-of-access export as a document the person can read (R12), in French.
enum ExportDocument {
    static func markdown(_ export: AccessLogController.Export) -> String {
        let h = export.household
        func on(_ day: Day) -> String { day.french }
        var lines: [String] = []
        lines.append("# Dossier du ménage \(h.reference)")
        lines.append("")
        lines.append("Document établi le \(day(export.generatedAt)) au titre du droit d'accès (RGPD, art. 15).")
        lines.append("")
        lines.append("## Le ménage")
        lines.append("")
        lines.append("- Statut de l'accompagnement : \(PathState(rawValue: h.status)?.label ?? h.status)")
        lines.append("- Organisation référente : \(h.leadOrganisation.name.markdownSafe)")
        lines.append("- Référent·e social·e : \(h.referentName?.markdownSafe ?? "non désigné·e")")
        lines.append("- Orienté par : \(h.orientedBy.name.markdownSafe)")
        lines.append(
            "- Situation actuelle : \(HouseholdVocabulary.situations[h.currentSituation])\(h.situationSince.map { " depuis le \(on($0))" } ?? "")"
        )
        lines.append("- Public : \(HouseholdVocabulary.publics[h.public])")
        lines.append("- Famille monoparentale : \(h.singleParent ? "oui" : "non")")
        lines.append(
            "- Reconnaissance DALO : \(h.dalo.map { "le \(on($0.recognisedOn)), département \($0.departement)" } ?? "non")"
        )
        lines.append(
            "- Salarié d'une entreprise cotisant à Action Logement : \(h.actionLogementEmployee ? "oui" : "non")")
        lines.append("")
        lines.append("### Composition")
        lines.append("")
        for person in h.persons {
            lines.append(
                "- \(person.firstName.markdownSafe) \(person.lastName.markdownSafe), né·e le \(on(person.birthDate)) (\(HouseholdVocabulary.relations[person.relation]))"
            )
        }
        lines.append("")
        lines.append("## Organisations qui suivent le ménage")
        lines.append("")
        for member in export.careTeam {
            lines.append(
                "- \(member.organisation.name.markdownSafe) depuis le \(day(member.addedAt))\(member.consentLevel.map { ", consentement : \(Level(rawValue: $0)?.label ?? $0)" } ?? ", sans consentement actif")"
            )
        }
        lines.append("")
        lines.append("## Consentements")
        lines.append("")
        for consent in export.consents {
            let state = consent.active ? "actif" : (consent.withdrawnAt.map { "retiré le \(day($0))" } ?? "expiré")
            lines.append(
                "- \(consent.recipientOrganisation.name.markdownSafe), niveau \(Level(rawValue: consent.level)?.label ?? consent.level), donné le \(day(consent.givenAt)), jusqu'au \(day(consent.expiresAt)) — \(state). Finalité : \(consent.purpose.markdownSafe)"
            )
        }
        lines.append("")
        lines.append("## Diagnostic social partagé")
        for diagnostic in export.diagnostics {
            lines.append("")
            lines.append(
                "### Version \(diagnostic.version) (\(diagnostic.status == "validated" ? "validée" : "brouillon"))")
            lines.append("")
            lines.append(
                "Référent·e : \(diagnostic.referentName.markdownSafe) — \(diagnostic.authorOrganisation.name.markdownSafe)"
            )
            for section in diagnostic.sections {
                lines.append("")
                lines.append("#### \(section.title)")
                if let view = section.view {
                    lines.append("")
                    lines.append("Votre point de vue : \(view.value.markdownSafe)")
                }
                for item in section.items where item.assessment != nil || item.comment != nil {
                    lines.append(
                        "- \(item.label) : \(item.assessment.map { Assessment(rawValue: $0.value)?.label ?? $0.value } ?? "—")\(item.comment.map { ". \($0.value.markdownSafe)" } ?? "")"
                    )
                }
            }
            if let preconisations = diagnostic.preconisations {
                lines.append("")
                lines.append("#### Préconisations")
                lines.append("")
                lines.append(preconisations.value.markdownSafe)
            }
        }
        lines.append("")
        lines.append("## Notes")
        lines.append("")
        for note in export.notes {
            lines.append(
                "- \(day(note.writtenAt)), \(note.authorName.markdownSafe) (\(note.authorOrganisation.name.markdownSafe)) : \(note.body.markdownSafe)"
            )
        }
        lines.append(contentsOf: path(export))
        lines.append("")
        lines.append("## Qui a consulté ce dossier")
        lines.append("")
        for access in export.accessLog {
            lines.append(
                "- \(day(access.at)) : \(access.userName?.markdownSafe ?? "—") (\(access.organisation?.markdownSafe ?? "—")), \(AuditActionLabels.actions[access.action]), \(HouseholdVocabulary.accessOutcomes[access.outcome])"
            )
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// The path's sections: its steps, contracts, flats proposed and the CAL's decisions, the
    /// lease, alerts, meetings, aid and the outcome.
    static func path(_ export: AccessLogController.Export) -> [String] {
        var lines: [String] = []
        func section(_ title: String, _ items: [String]) {
            lines.append("")
            lines.append("## \(title)")
            lines.append("")
            lines.append(contentsOf: items.isEmpty ? ["Aucun élément."] : items.map { "- \($0.markdownSafe)" })
        }
        func on(_ day: Day) -> String { day.french }
        let gridSections = FrenchLabels.vocabularies["gridSection"] ?? [:]
        section(
            "Étapes du parcours",
            export.path.filter { $0.kind == "pathTransition" }.map {
                "\(on($0.on)) : \(($0.details["to"]).flatMap(PathState.init(rawValue:))?.label ?? "—")"
            })
        section(
            "Contrats d'accompagnement",
            export.contracts.map {
                "\(ContractKind(rawValue: $0.kind)?.label ?? $0.kind), signé le \(on($0.signedOn)), du \(on($0.startsOn)) au \(on($0.plannedEndOn)) ; objectifs : \($0.objectives.map { gridSections[$0] ?? $0 }.joined(separator: ", "))"
            })
        section(
            "Logements proposés et décisions de la CAL",
            export.proposals.map { p in
                let answer = p.answer.map {
                    $0.answer == "accepted"
                        ? ", accepté par le ménage"
                        : ", refusé par le ménage (\($0.refusalReason.map { HouseholdVocabulary.proposalRefusalReasons[$0] } ?? "—"))"
                }
                return
                    "\(on(p.proposedOn)) : \(p.flat.type) à \(p.flat.commune), loyer \(Euros.french(p.flat.rent)) + \(Euros.french(p.flat.charges)) de charges\(answer ?? "")"
            }
                + export.calDecisions.map {
                    "\(on($0.decidedOn)) : décision de la CAL, \(CALDecisionKind(rawValue: $0.decision)?.label ?? $0.decision)\($0.refusalReason.map { " (\(HouseholdVocabulary.calRefusalReasons[$0]))" } ?? "")\($0.condition.map { ", condition : \($0)" } ?? "")"
                })
        section(
            "Bail",
            export.leases.map {
                "\(HouseholdVocabulary.leaseKinds[$0.kind]) signé le \(on($0.signedOn))\($0.referentAttended ? " en présence du référent" : "")\($0.entryInspectionOn.map { ", état des lieux d'entrée le \(on($0))" } ?? "")\($0.slidOn.map { ", passé au nom du ménage le \(on($0))" } ?? "")"
            })
        section(
            "Alertes du bailleur",
            export.alerts.map {
                "\(on($0.reportedOn)) : \(HouseholdVocabulary.alertKinds[$0.kind])\($0.arrears.map { ", \(Euros.french($0.amount)) sur \($0.months) mois" } ?? "")\($0.resolution.map { " — résolue le \(on($0.resolvedOn)) : \($0.text)" } ?? "")"
            })
        section(
            "Rendez-vous",
            export.meetings.map {
                "\(day($0.startsAt)) : \(HouseholdVocabulary.meetingKinds[$0.kind]), \(HouseholdVocabulary.meetingStatuses[$0.status])\($0.durationMinutes.map { ", \($0) min" } ?? "")\($0.note.map { ". \($0.body)" } ?? "")"
            })
        section(
            "Aides",
            export.aids.map {
                "\(on($0.requestedOn)) : \(HouseholdVocabulary.aidKinds[$0.kind]), \(Euros.french($0.amount)), \(HouseholdVocabulary.aidStatuses[$0.status])"
            })
        section(
            "Sortie",
            export.outcomes.map {
                "\(on($0.endedOn)) : \(HouseholdVocabulary.outcomes[$0.kind])\($0.inFlatAt6Months.map { $0 ? ", dans le logement à 6 mois" : ", plus dans le logement à 6 mois" } ?? "")\($0.inFlatAt12Months.map { $0 ? ", dans le logement à 12 mois" : ", plus dans le logement à 12 mois" } ?? "")\($0.satisfaction.flatMap(SatisfactionAnswer.init(rawValue:)).map { ", satisfaction : \($0.label)" } ?? "")"
            })
        section(
            "Comités de suivi",
            export.comites.map { record in
                let decision = record.decision.map { decision in
                    "décision : \(MinutesDocument.decisionLabel(decision))\(decision.discussion.map { ". \($0.body)" } ?? "")"
                }
                let actions = record.actions.map { "action : \($0.description), échéance le \(on($0.dueOn))" }
                return
                    (["Comité du \(on(record.heldOn)) (\(record.reference))"] + record.reasons.map(\.detail)
                    + [decision].compactMap { $0 } + actions).joined(separator: " ; ")
            }
                + export.comiteRequests.map { "Demande d'examen en comité du \(day($0.requestedAt)) : \($0.reason)" })
        return lines
    }

    static func day(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "fr_FR")
        formatter.timeZone = TimeZone(identifier: "Europe/Paris")
        formatter.dateFormat = "dd/MM/yyyy"
        return formatter.string(from: date)
    }
}
