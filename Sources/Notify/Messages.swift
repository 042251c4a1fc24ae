import Foundation
import Tenancy

/// What leaves the hub, rendered from a topic, an opaque reference and a link only: the
/// templates cannot name a person because they are never given one (ACCESS.md R13).
public struct Notice: Sendable, Equatable {
    public let eventID: UUID
    public let topic: Topic
    public let reference: String
    public let occurredAt: Date
    /// Absolute: the deployment's public address and the event's API path (the webhook's link).
    public let link: String
    /// Absolute: the console's page of the event, where a person follows an e-mail's link.
    /// The invitation's is its link (the enrolment), as are events recorded without a page.
    public var page: String
    /// Why the recipient of an e-mail is told; nil for a webhook (an organisation's system).
    public var audience: Audience?
    /// The signed tree head an `auditCheckpoint` carries (no chain's name, no household).
    public var checkpoint: AuditTreeHead? = nil

    public init(
        eventID: UUID, topic: Topic, reference: String, occurredAt: Date, link: String, page: String? = nil,
        audience: Audience? = nil, checkpoint: AuditTreeHead? = nil
    ) {
        self.eventID = eventID
        self.topic = topic
        self.reference = reference
        self.occurredAt = occurredAt
        self.link = link
        self.page = page ?? link
        self.audience = audience
        self.checkpoint = checkpoint
    }

    /// The message's sentence for its recipient.
    public var title: String { topic.title(for: audience) }

    /// The e-mail's subject and plain-text body, in French.
    public var email: (subject: String, body: String) {
        if topic == .invitation {
            // To a person who may have no account yet: the link and nothing else — no name of
            // the inviter, no household.
            let body = """
                Bonjour,

                Une organisation partenaire vous invite à rejoindre le hub de coordination des \
                partenaires de l'accompagnement vers et dans le logement.

                Pour accepter, ouvrez ce lien dans les 72 heures ; il ne sert qu'une fois : \(link)
                Vous y choisirez vous-même votre mot de passe. Si vous avez déjà un compte, \
                connectez-vous : l'invitation vous y attend.

                Si vous n'attendiez pas cette invitation, ignorez ce message.
                """
            return ("[Hub partenaires] \(topic.title)", body)
        }
        let subject = "[Hub partenaires] \(title) — \(reference)"
        let body = """
            Bonjour,

            \(title).
            Référence : \(reference)

            Pour en savoir plus, connectez-vous au hub : \(page)

            Ce message ne contient volontairement aucune information nominative : les informations \
            sur le ménage se consultent dans le hub, selon vos droits d'accès.

            Vous pouvez choisir les notifications que vous recevez par e-mail dans vos préférences \
            (certaines, comme les accès d'urgence et les retraits de consentement, sont obligatoires).
            """
        return (subject, body)
    }

    /// The webhook's JSON body, with stable key order so that a receiver can log it as sent.
    public var webhookBody: [UInt8] {
        struct Payload: Encodable {
            /// Lower-case, as in the Hub-Event-Id header.
            let id: String
            let topic: String
            let reference: String
            let occurredAt: Date
            let link: String
            let checkpoint: AuditTreeHead?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let payload = Payload(
            id: eventID.uuidString.lowercased(), topic: topic.rawValue, reference: reference, occurredAt: occurredAt,
            link: link, checkpoint: checkpoint)
        // Encoding strings and numbers cannot fail.
        return Array(try! encoder.encode(payload))
    }
}
