#!/usr/bin/python3
"""Types an import file through the HTTP API, one request per fact, as a partner's integration
does without the import: the baseline of bench/import.sh.

    python3 bench/import_http.py URL PROGRAMME EMAIL PASSWORD ORGANISATION FILE

Each line's facts are sent in the order the import records them (orientation, decline or
acceptance, care team, consents, diagnostics: draft, content, validation; contract, meetings,
aids, end), on one kept-alive connection. Prints "seconds requests" on one line; any answer
other than 2xx stops the run.
"""
import http.client
import json
import sys
import time
import urllib.parse


def main():
    url, programme, email, password, organisation, path = sys.argv[1:]
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    requests = 0

    def call(method, uri, body=None, token=None, if_match=None):
        nonlocal requests
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        if if_match:
            headers["If-Match"] = if_match
        connection.request(method, uri, body=json.dumps(body) if body is not None else None, headers=headers)
        answer = connection.getresponse()
        data = answer.read()
        requests += 1
        if answer.status >= 300:
            sys.exit(f"import_http: {method} {uri} answered {answer.status}: {data[:300]!r}")
        return (json.loads(data) if data else {}), answer.getheader("ETag")

    session = call("POST", "/v1/sessions", {"email": email, "password": password, "organisationId": organisation})[0]
    token, referent = session["token"], session["me"]["user"]["id"]
    requests = 0
    start = time.monotonic()
    with open(path, encoding="utf-8") as f:
        for text in f:
            line = json.loads(text)
            orientation = dict(line["orientation"], programmeId=programme)
            household = "/v1/households/" + call("POST", "/v1/households", orientation, token)[0]["id"]
            if "decline" in line:
                call("POST", household + "/decline", line["decline"], token)
            if "acceptance" in line:
                # The importer is the référent unless the line names one, as the import does.
                acceptance = dict(line["acceptance"])
                acceptance.setdefault("referentUserId", referent)
                call("POST", household + "/accept", acceptance, token)
            for member in line.get("careTeam", []):
                call("POST", household + "/care-team", member, token)
            for consent in line.get("consents", []):
                call("POST", household + "/consents", consent, token)
            for diagnostic in line.get("diagnostics", []):
                draft, etag = call("POST", household + "/diagnostics", None, token)
                uri = household + "/diagnostics/" + draft["id"]
                _, etag = call("PUT", uri, diagnostic["content"], token, if_match=etag)
                if "validatedOn" in diagnostic:
                    call("POST", uri + "/validate", {"validatedOn": diagnostic["validatedOn"]}, token, if_match=etag)
            if "contract" in line:
                call("POST", household + "/contracts", line["contract"], token)
            for meeting in line.get("meetings", []):
                call("POST", household + "/meetings", meeting, token)
            for aid in line.get("aids", []):
                call("POST", household + "/aids", aid, token)
            if "end" in line:
                call("POST", household + "/end", line["end"], token)
    print(f"{time.monotonic() - start:.1f} {requests}")


if __name__ == "__main__":
    main()
