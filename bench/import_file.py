#!/usr/bin/python3
"""Writes an import file (JSON Lines, one household and its history per line) on stdout.

    python3 bench/import_file.py --households 30 > deploy/import-sample.jsonl     # the sample
    python3 bench/import_file.py --households 10000 > /tmp/caseload.jsonl         # bench/import.sh

The programme of the seeds (DOMAIN.md): two thirds hotel families followed by the Croix-Rouge,
one third young adults leaving the ASE, oriented over two years from 2024-01-08. One in ten is
declined; the others are accepted a week later (the importing user is their référent), get a
validated diagnostic, a contract, meetings every three weeks and, one in two, an FSL aid;
those oriented in 2024 end ten months after their acceptance. Deterministic: the same
arguments give the same file.

    python3 bench/import_file.py --count FILE --year 2024

reads an import file (this one's or any other) and prints, as JSON, what it holds for that
year as the State's indicators define it (DOMAIN.md): bench/import.sh compares it with the
hub's report after the import.
"""

import argparse
import datetime
import json
import sys

START = datetime.date(2024, 1, 8)
SPREAD_DAYS = 700
FIRST_NAMES = ["Awa", "Fatou", "Mariam", "Inès", "Sarah", "Aïcha", "Nadia", "Léa", "Yasmine", "Kadiatou"]
CHILD_NAMES = ["Moussa", "Ibrahim", "Lina", "Adam", "Nour", "Sofia", "Ilyes", "Maïssa"]
LAST_NAMES = ["Diallo", "Traoré", "Benali", "Martin", "Nguyen", "Camara", "Haddad", "Petit", "Keita", "Moreau"]
OUTCOMES = ["voluntaryDeparture", "other"]
PREFIX = "IMPORT"


def day(d):
    return d.isoformat()


def household(i, n):
    hotel = i % 3 != 2
    oriented = START + datetime.timedelta(days=(i * SPREAD_DAYS) // max(n, 1))
    applicant_born = datetime.date(1985 + i % 10, 1 + i % 12, 1 + i % 27) if hotel else \
        datetime.date(2004 + i % 3, 1 + i % 12, 1 + i % 27)
    last = LAST_NAMES[i % len(LAST_NAMES)]
    persons = [{"firstName": FIRST_NAMES[i % len(FIRST_NAMES)], "lastName": last,
                "birthDate": day(applicant_born), "relation": "applicant"}]
    if hotel:
        for k in range(1 + i % 3):
            persons.append({"firstName": CHILD_NAMES[(i + k) % len(CHILD_NAMES)], "lastName": last,
                            "birthDate": day(datetime.date(2012 + k + i % 5, 1 + (i + k) % 12, 1 + k)),
                            "relation": "child"})
    line = {
        "reference": f"{PREFIX}-{i + 1:05d}",
        "orientation": {
            "orientedOn": day(oriented),
            "persons": persons,
            "singleParent": hotel and i % 2 == 0,
            "currentSituation": "hotel" if hotel else "socialResidence",
            "situationSince": day(oriented - datetime.timedelta(days=400 + 30 * (i % 40))),
            "public": "hotelFamily" if hotel else "youngAdultLeavingAse",
            "dalo": {"recognisedOn": day(oriented - datetime.timedelta(days=200)), "departement": "91"}
            if i % 2 == 0 else None,
            "actionLogementEmployee": i % 5 == 1,
            "resourcesCategory": "minimaSociaux" if hotel else "transferIncome",
            # The consent the household gave at its orientation, for as long as it agreed.
            "consent": {
                "level": "secret", "purpose": "Accompagnement vers et dans le logement",
                "obtainedHow": "writtenSigned",
                "informed": {"categories": True, "professionals": True, "medium": True, "protection": True},
                "givenOn": day(oriented), "expiresAt": "2028-12-31T00:00:00Z",
            },
        },
    }
    if line["orientation"]["dalo"] is None:
        del line["orientation"]["dalo"]
    if i % 10 == 9:
        line["decline"] = {"reason": "Hors critères du programme", "occurredOn": day(oriented + datetime.timedelta(days=5))}
        return line, oriented, None, None
    accepted = oriented + datetime.timedelta(days=7)
    line["acceptance"] = {"occurredOn": day(accepted)}
    line["diagnostics"] = [{
        "content": {
            "referentName": "Référente ALFI",
            "items": [
                {"code": "PL-1", "assessment": "acquis", "comment": "Titre de séjour valide."},
                {"code": "SL-7", "assessment": "enCours", "comment": "Budget travaillé en entretien."},
                {"code": "SH-1", "assessment": "soutienNecessaire", "comment": "Premier logement autonome."},
            ],
            "views": [{"section": "SL", "text": "Je veux un logement pour que les enfants aient leur chambre."}],
            "preconisations": {"text": "Accompagnement vers et dans le logement, rendez-vous tous les quinze jours."},
        },
        "validatedOn": day(accepted + datetime.timedelta(days=14)),
    }]
    signed = accepted + datetime.timedelta(days=14)
    line["contract"] = {
        "kind": "avdl", "objectives": ["SL", "SH"], "startsOn": day(signed),
        "plannedEndOn": day(signed + datetime.timedelta(days=365)), "signedOn": day(signed),
        "signatories": {"household": True, "operator": True, "departement": False},
    }
    ended = accepted + datetime.timedelta(days=300) if oriented.year == 2024 else None
    last_day = ended or datetime.date(2025, 12, 31)
    meetings = []
    when = accepted + datetime.timedelta(days=3)
    while when < last_day and len(meetings) < 12:
        meetings.append({"kind": "homeVisit" if len(meetings) % 2 else "office",
                         "status": "missed" if len(meetings) % 7 == 6 else "held",
                         "startsAt": f"{day(when)}T09:30:00Z", "durationMinutes": 60})
        when += datetime.timedelta(days=21)
    line["meetings"] = meetings
    if i % 2 == 0:
        requested = accepted + datetime.timedelta(days=30)
        line["aids"] = [{"kind": "fslAccess", "amount": "850.00", "status": "granted",
                         "requestedOn": day(requested), "decidedOn": day(requested + datetime.timedelta(days=20))}]
    if ended:
        line["end"] = {"outcome": OUTCOMES[i % len(OUTCOMES)], "endedOn": day(ended)}
    return line, oriented, accepted, ended


def count(path, year):
    """The indicators a file's facts give for `year`: a fact counts in the year of its day;
    a household is followed when its accompaniment (acceptance to end) overlaps the year."""
    def in_year(text):
        return text is not None and text[:4] == str(year)
    counts = {"oriented": 0, "accepted": 0, "followed": 0, "ended": 0, "priorHotelStay": 0,
              "daloFollowed": 0, "actionLogementFollowed": 0}
    with open(path, encoding="utf-8") as f:
        for text in f:
            if not text.strip():
                continue
            line = json.loads(text)
            orientation = line["orientation"]
            accepted = (line.get("acceptance") or {}).get("occurredOn")
            ended = (line.get("end") or {}).get("endedOn")
            counts["oriented"] += in_year(orientation["orientedOn"])
            counts["accepted"] += in_year(accepted)
            counts["ended"] += in_year(ended)
            counts["priorHotelStay"] += orientation["currentSituation"] == "hotel" and in_year(orientation["orientedOn"])
            followed = accepted is not None and accepted[:4] <= str(year) and (ended is None or ended[:4] >= str(year))
            counts["followed"] += followed
            counts["daloFollowed"] += followed and "dalo" in orientation
            counts["actionLogementFollowed"] += followed and orientation["actionLogementEmployee"]
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=30)
    parser.add_argument("--count", metavar="FILE", help="count what FILE holds instead of writing a file")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--prefix", default="IMPORT", help="the references' prefix (unique per lead organisation)")
    args = parser.parse_args()
    global PREFIX
    PREFIX = args.prefix
    if args.count:
        json.dump(count(args.count, args.year), sys.stdout, sort_keys=True)
        sys.stdout.write("\n")
        return
    for i in range(args.households):
        line = household(i, args.households)[0]
        sys.stdout.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
