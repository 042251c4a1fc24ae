#!/usr/bin/python3
"""Writes an import file (JSON Lines, one household and its history per line) on stdout.

    python3 bench/import_file.py --households 30 > deploy/import-sample.jsonl     # the sample
    python3 bench/import_file.py --households 10000 > /tmp/caseload.jsonl         # bench/import.sh

The programme of the seeds (DOMAIN.md): two thirds hotel families followed by the Croix-Rouge,
one third young adults leaving the ASE, oriented over two years from 2024-01-08. One in ten is
declined; the others are accepted a week later (the importing user is their référent), get a
validated diagnostic, a contract, meetings every three weeks and, one in two, an FSL aid;
those oriented in 2024 end ten months after their acceptance. Deterministic: the same
arguments give the same file. `--counts` prints instead what the file holds, as the State's
indicators count it for each year (bench/import.sh compares them with the hub's).
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
        "reference": f"IMPORT-{i + 1:05d}",
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=30)
    parser.add_argument("--counts", action="store_true", help="print what the file holds, per year, as JSON")
    args = parser.parse_args()
    counts = {}
    out = sys.stdout
    for i in range(args.households):
        line, oriented, accepted, ended = household(i, args.households)
        if args.counts:
            for year in (2024, 2025):
                c = counts.setdefault(year, {"oriented": 0, "accepted": 0, "ended": 0, "followed": 0})
                c["oriented"] += oriented.year == year
                c["accepted"] += accepted is not None and accepted.year == year
                c["ended"] += ended is not None and ended.year == year
                c["followed"] += accepted is not None and accepted.year <= year and (ended is None or ended.year >= year)
        else:
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    if args.counts:
        json.dump(counts, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
