#!/usr/bin/env python3
"""The console in a real Chromium (issue 20), against a demo hub (Tests/demo_hub.sh).

    python3 Tests/browser/console_test.py http://127.0.0.1:PORT SCREENSHOT_DIR

Each demo role signs in through the sign-in page and opens the demo household: marker
strings planted at each level through the note form must be on the page exactly where
ACCESS.md R1-R4 allows them. The search finds the household for its readers and nothing for
the others; a household the reader may not see gives the very page of one that does not
exist (R7); a form without its CSRF token or from another origin is refused; the cookie's
flags and the pages' security headers are checked; sign-out and an ended session answer a
French page. axe-core (pinned: Tests/browser/requirements.txt) runs on every page with 0
serious or critical violations allowed, and each page is saved at desktop and projector
sizes in SCREENSHOT_DIR.

Chromium and chromedriver are Debian's (Tests/browser/run.sh installs them); Selenium is
given the system driver, since its driver manager cannot download here, and Chromium runs
with --no-sandbox because CI runs as root.
"""
import http.client
import importlib.resources
import os
import re
import secrets
import sys
import time
import unicodedata
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import comite_pages
import inbox_admin_pages
import indicator_pages

PASSWORD = "demo-hub-2025!"
DESKTOP = (1366, 900)
PROJECTOR = (1920, 1080)
RUN = secrets.token_hex(3).upper()

# The markers: one note per author organisation and level, written through the page's form.
MARKERS = {
    ("ALFI", "partners"): f"MARQUEUR-ALFI-PARTENAIRES-{RUN}",
    ("ALFI", "secret"): f"MARQUEUR-ALFI-SECRET-{RUN}",
    ("ALFI", "private"): f"MARQUEUR-ALFI-INTERNE-{RUN}",
    ("CRF", "secret"): f"MARQUEUR-CRF-SECRET-{RUN}",
    ("CRF", "private"): f"MARQUEUR-CRF-INTERNE-{RUN}",
}
ALL = set(MARKERS)
ALFI_ALL = {("ALFI", "partners"), ("ALFI", "secret"), ("ALFI", "private"), ("CRF", "secret")}
PARTNERS_ONLY = {("ALFI", "partners")}
CRF_BOUND = {("ALFI", "partners"), ("ALFI", "secret"), ("CRF", "secret"), ("CRF", "private")}

# The demo household M-DEMO00001: led by ALFI, Antin on its care team with a `partners`
# consent, the Croix-Rouge with a `secret` one. What each seat reads of it (ACCESS.md):
# None is "not found" (R1, R7).
SEATS = [
    # email, organisation chosen at sign-in (None: one membership), markers seen
    ("claire.martin@alfi.demo", None, ALFI_ALL),  # lead, bound: secret of all, private of ALFI
    ("lucas.petit@alfi.demo", None, PARTNERS_ONLY),  # lead, not bound: partners only (R3, R4)
    ("sophie.bernard@alfi.demo", None, ALFI_ALL),
    ("karim.haddad@alfi.demo", None, ALFI_ALL),  # facilitator, bound, of the lead
    ("julie.moreau@antin.demo", None, PARTNERS_ONLY),  # care team, partners consent, not bound
    ("nadia.benali@croix-rouge.demo", None, CRF_BOUND),  # secret consent: ALFI's secret, CRF's private
    ("marc.dubois@croix-rouge.demo", None, PARTNERS_ONLY),  # not bound
    ("amina.kone@essonne.demo", "Croix-Rouge française", CRF_BOUND),  # the chosen organisation counts
    ("amina.kone@essonne.demo", "Conseil départemental de l'Essonne", None),
    ("thomas.leroy@essonne.demo", None, None),  # not on the care team
    ("ines.garcia@actionlogement.demo", None, None),
    ("admin@alfi.demo", None, None),  # orgAdmin: never through the door
    ("paul.lambert@drihl.demo", None, None),  # evaluator: aggregates only
]
# Roles that work on no household (R1): their list is refused, they have no search.
NO_HOUSEHOLD_WORK = {"admin@alfi.demo", "paul.lambert@drihl.demo"}


class Console:
    def __init__(self, base, shots):
        self.base = base.rstrip("/")
        self.shots = shots
        self.failures = []
        self.pages_checked = 0
        self.axe_source = (importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text()
        self.axe_version = re.search(r"axe v([0-9.]+)", self.axe_source[:200]).group(1)
        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update",
                         "--lang=fr-FR"):
            options.add_argument(argument)
        options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_window_size(*DESKTOP)
        self.driver.set_page_load_timeout(30)

    # Checks -------------------------------------------------------------------------------

    def check(self, condition, what):
        if not condition:
            self.failures.append(what)
            print(f"  ÉCHEC : {what}", flush=True)

    def main_text(self):
        return self.driver.find_element(By.TAG_NAME, "main").text

    def visit(self, path, name):
        self.driver.get(self.base + path)
        self.page_checks(name)

    def page_checks(self, name):
        """axe-core and the two screenshots, on the page as it stands."""
        self.pages_checked += 1
        self.driver.execute_script(self.axe_source)
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
            ".then(r => done(r.violations.map(v => [v.id, v.impact, v.nodes.length, v.help])))"
            ".catch(e => done([['axe-error', 'critical', 0, String(e)]]));")
        for rule, impact, nodes, help_text in result:
            self.check(impact not in ("serious", "critical"),
                       f"axe {rule} ({impact}, {nodes} élément(s)) sur « {name} » : {help_text}")
        self.driver.execute_script("window.scrollTo(0, 0)")
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
        for label, (width, height) in (("bureau", DESKTOP), ("projecteur", PROJECTOR)):
            self.driver.set_window_size(width, height)
            full = self.driver.execute_script("return document.documentElement.scrollHeight")
            self.driver.set_window_size(width, min(max(full, height), 4000))
            self.driver.save_screenshot(os.path.join(self.shots, f"{slug}-{label}.png"))
        self.driver.set_window_size(*DESKTOP)

    # Steps --------------------------------------------------------------------------------

    def submit(self, button):
        """Clicks a form's button and waits for the next page: no script, a whole new page.
        The old page is marked, and the new one is the first without the mark (Chromium 156
        reports an element of a page left behind in a way Selenium's staleness check misses)."""
        self.driver.execute_script("window.__consoleTestOldPage = true")
        button.click()

        def arrived(driver):
            try:
                return driver.execute_script(
                    "return !window.__consoleTestOldPage && document.readyState === 'complete'")
            except WebDriverException:
                return False

        WebDriverWait(self.driver, 30).until(arrived)

    def sign_in(self, email, organisation=None, check_pages=False):
        """Through the sign-in page; `check_pages` runs axe and the screenshots on its pages."""
        self.driver.delete_all_cookies()
        self.driver.get(self.base + "/connexion")
        if check_pages and organisation is None:
            self.page_checks("Connexion")
        self.driver.find_element(By.ID, "email").send_keys(email)
        self.driver.find_element(By.ID, "password").send_keys(PASSWORD)
        self.submit(self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
        if organisation is not None:
            self.check("Pour quelle organisation" in self.main_text(), f"{email} : pas de choix d'organisation")
            if check_pages:
                self.page_checks("Choix de l'organisation")
            label = next(l for l in self.driver.find_elements(By.CSS_SELECTOR, "label.fr-radio")
                         if l.text.strip() == organisation)
            label.find_element(By.TAG_NAME, "input").click()
            self.submit(self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
        self.check("/connexion" not in self.driver.current_url, f"{email} n'a pas pu se connecter")

    def search(self, term, household):
        """The search as typed in the list's box: the households it finds, by their links."""
        for attempt in range(3):
            try:
                self.driver.get(self.base + "/menages")
                self.driver.find_element(By.ID, "q").send_keys(term)
                self.submit(self.driver.find_element(By.CSS_SELECTOR, "form[role=search] button"))
                found = self.driver.find_elements(By.CSS_SELECTOR, f"main table a[href='/menages/{household}']")
                return len(found), self.main_text()
            except WebDriverException as error:
                # Chromium sometimes reports a node of the page it just left; the page is read again.
                if attempt == 2 or "does not belong to the document" not in str(error):
                    raise

    def write_note(self, household, text, level):
        self.driver.get(f"{self.base}/menages/{household}/notes")
        self.driver.find_element(By.ID, "note-body").send_keys(text)
        self.driver.find_element(By.CSS_SELECTOR, f"input[name=level][value={level}]").click()
        self.submit(self.driver.find_element(By.CSS_SELECTOR, "form[action$='/notes'] button[type=submit]"))
        self.check("Votre note est enregistrée" in self.main_text(), f"note {level} non enregistrée")

    def session_cookie(self):
        return next((c for c in self.driver.get_cookies() if c["name"].endswith("hub_session")), None)

    def raw(self, method, path, body=None, headers=None):
        """A request outside the browser, with its session cookie: to forge what a page never sends."""
        url = urllib.parse.urlsplit(self.base)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        cookie = self.session_cookie()
        all_headers = {"Accept": "text/html"}
        if cookie:
            all_headers["Cookie"] = f"{cookie['name']}={cookie['value']}"
        all_headers.update(headers or {})
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        connection.close()
        return response.status, dict(response.getheaders()), text


def run(console):
    base = console.base
    started = time.monotonic()
    print(f"console_test: axe-core {console.axe_version}, run {RUN}", flush=True)

    # Sign-in page, and Chromium's cookies on plain HTTP to loopback.
    console.sign_in("claire.martin@alfi.demo", check_pages=True)
    cookie = console.session_cookie()
    console.check(cookie is not None and cookie["name"] == "__Host-hub_session",
                  f"Chromium n'a pas gardé le cookie __Host- sur la boucle locale : {cookie}")
    if cookie:
        console.check(cookie["httpOnly"] and cookie["secure"] and cookie.get("sameSite") == "Lax",
                      f"drapeaux du cookie de session : {cookie}")
    console.visit("/menages", "Mes ménages")
    links = console.driver.find_elements(By.PARTIAL_LINK_TEXT, "M-DEMO00001")
    console.check(len(links) == 1, "Mes ménages de Claire Martin sans le ménage de démonstration")
    household = links[0].get_attribute("href").rsplit("/", 1)[1]

    # Security headers of a page with household data.
    status, headers, _ = console.raw("GET", f"/menages/{household}")
    headers = {k.lower(): v for k, v in headers.items()}
    console.check(status == 200, f"page du ménage hors navigateur : {status}")
    csp = headers.get("content-security-policy", "")
    console.check("frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "script-src" not in csp
                  and "unsafe-eval" not in csp, f"Content-Security-Policy : {csp}")
    console.check(headers.get("x-content-type-options") == "nosniff", "X-Content-Type-Options")
    console.check(headers.get("cache-control") == "no-store", f"Cache-Control : {headers.get('cache-control')}")

    # Markers planted through the form: ALFI's by Claire, the Croix-Rouge's by Nadia.
    for (organisation, level), text in MARKERS.items():
        if organisation == "ALFI":
            console.write_note(household, text, level)
    console.page_checks("Les notes (référente)")
    console.visit(f"/menages/{household}", "Le dossier (référente)")
    console.visit(f"/menages/{household}/parcours", "Le parcours")
    console.visit(f"/menages/{household}/partage", "Équipe et consentements")
    console.check("Antin Résidences" in console.main_text(), "l'équipe de suivi ne nomme pas Antin Résidences")
    console.visit(f"/menages/{household}/consultations", "Qui a consulté mon dossier")
    console.check("Claire Martin" in console.main_text() and "Ajout d'une note" in console.main_text(),
                  "le journal des accès ne montre pas les notes de Claire Martin")

    # A refused note keeps its text and says why, in French.
    console.driver.get(f"{base}/menages/{household}/notes")
    console.driver.find_element(By.ID, "note-body").send_keys("   ")
    console.driver.execute_script("document.getElementById('note-body').removeAttribute('required')")
    console.submit(console.driver.find_element(By.CSS_SELECTOR, "form[action$='/notes'] button[type=submit]"))
    console.check("La note doit compter" in console.main_text(), "note vide : pas de message en français")
    console.page_checks("Note refusée")

    # CSRF and Origin: a note posted without the token, with a wrong one, or from elsewhere.
    csrf = console.driver.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")
    forged = f"FORGE-{RUN}"
    form = "application/x-www-form-urlencoded"
    for what, body, origin in (
        ("sans jeton", urllib.parse.urlencode({"body": forged, "level": "partners"}), base),
        ("jeton faux", urllib.parse.urlencode({"body": forged, "level": "partners", "csrf": "0" * 64}), base),
        ("autre origine", urllib.parse.urlencode({"body": forged, "level": "partners", "csrf": csrf}),
         "https://attaquant.example"),
        ("sans origine", urllib.parse.urlencode({"body": forged, "level": "partners", "csrf": csrf}), None),
    ):
        headers = {"Content-Type": form}
        if origin:
            headers["Origin"] = origin
        status, _, text = console.raw("POST", f"/menages/{household}/notes", body, headers)
        console.check(status == 403 and "Accès refusé" in text, f"formulaire {what} : {status}")
    status, headers, _ = console.raw(
        "POST", f"/menages/{household}/notes",
        urllib.parse.urlencode({"body": f"JETON-OK-{RUN}", "level": "partners", "csrf": csrf}),
        {"Content-Type": form, "Origin": base})
    console.check(status == 303, f"formulaire complet hors navigateur : {status}")
    console.driver.get(f"{base}/menages/{household}/notes")
    console.check(forged not in console.main_text(), "une note forgée a été enregistrée")

    # Sign-out, then the old cookie again: a French page each time.
    stale = console.session_cookie()
    console.submit(console.driver.find_element(By.CSS_SELECTOR, "form[action='/deconnexion'] button"))
    console.check("Vous êtes déconnecté" in console.main_text(), "page de déconnexion")
    console.page_checks("Déconnexion")
    console.driver.add_cookie({"name": stale["name"], "value": stale["value"], "path": "/", "secure": True,
                               "httpOnly": True, "sameSite": "Lax"})
    console.driver.get(f"{base}/menages/{household}")
    console.check("Votre session est terminée" in console.main_text(), "session fermée : pas de page claire")
    console.page_checks("Session terminée")

    console.sign_in("nadia.benali@croix-rouge.demo")
    for (organisation, level), text in MARKERS.items():
        if organisation == "CRF":
            console.write_note(household, text, level)

    # A household that does not exist: the page every hidden household must match.
    console.sign_in("thomas.leroy@essonne.demo")
    missing = "00000000-0000-4000-8000-000000000000"
    console.visit(f"/menages/{missing}", "Page introuvable")
    not_found = re.sub(r"identifiant de la requête : \w+", "", console.main_text())
    console.check("Page introuvable" in not_found, "pas de page introuvable en français")
    _, no_match = console.search(f"zz{RUN}zz", household)
    console.check("Aucun ménage" in no_match, "une recherche sans résultat n'écrit pas « Aucun ménage »")

    # Every seat: Mes ménages and the search, then the household's page.
    for email, organisation, seen in SEATS:
        who = email + (f" ({organisation})" if organisation else "")
        print(f"console_test: {who}", flush=True)
        console.sign_in(email, organisation, check_pages=organisation == "Croix-Rouge française")
        if email in NO_HOUSEHOLD_WORK:
            console.driver.get(f"{base}/menages")
            console.check("Accès refusé" in console.main_text(), f"{who} voit une liste de ménages")
        for term in ("diallo", "M-DEMO00001") if email not in NO_HOUSEHOLD_WORK else ():
            found, text = console.search(term, household)
            if seen is None:
                # R7: exactly the answer of a term that matches nothing.
                console.check(found == 0 and text.replace(term, "") == no_match.replace(f"zz{RUN}zz", ""),
                              f"{who} : chercher « {term} » ne répond pas comme une recherche sans résultat")
            else:
                console.check(found == 1, f"{who} ne trouve pas le ménage en cherchant « {term} »")
        if email == "claire.martin@alfi.demo":
            console.page_checks("Recherche")
        console.driver.get(f"{base}/menages/{household}")
        text = console.main_text()
        if seen is None:
            for page in ("", "/notes", "/parcours", "/partage", "/consultations"):
                console.driver.get(f"{base}/menages/{household}{page}")
                console.check(re.sub(r"identifiant de la requête : \w+", "", console.main_text()) == not_found,
                              f"{who} : {page or 'le dossier'} du ménage caché n'est pas la page d'un ménage inexistant")
        else:
            console.check("M-DEMO00001" in text and "Diallo" in text, f"{who} ne lit pas le ménage")
            console.driver.get(f"{base}/menages/{household}/notes")
            notes = console.main_text()
            for key, marker in MARKERS.items():
                console.check((marker in notes) == (key in seen),
                              f"{who} : {marker} {'absent' if key in seen else 'visible'}")
            lead = email.endswith("@alfi.demo")
            bound_lead = lead and email != "lucas.petit@alfi.demo"
            tabs = [a.text for a in console.driver.find_elements(By.CSS_SELECTOR, "nav.fr-tabs a")]
            console.check(("Équipe et consentements" in tabs) == lead, f"{who} : onglet de l'équipe de suivi")
            console.check(("Qui a consulté le dossier" in tabs) == bound_lead, f"{who} : onglet du journal des accès")
            console.driver.get(f"{base}/menages/{household}/partage")
            sharing = console.main_text()
            console.check(("Équipe de suivi" in sharing) == lead and ("Accès refusé" in sharing) == (not lead),
                          f"{who} : page de l'équipe de suivi")
            console.driver.get(f"{base}/menages/{household}/parcours")
            console.check("Étape du parcours : accepté" in console.main_text(), f"{who} : page du parcours")
        if email in ("julie.moreau@antin.demo", "lucas.petit@alfi.demo"):
            console.page_checks(f"Les notes ({email.split('@')[0]})")
        if email == "paul.lambert@drihl.demo":
            # The evaluator's home is the dashboard (issue 22): indicator_pages.py checks it.
            console.driver.get(base + "/")
            console.check(console.driver.current_url.endswith("/indicateurs"), "l'accueil de l'évaluateur")

    # A page with no session goes to sign-in; an unknown page is a French 404.
    console.driver.delete_all_cookies()
    console.driver.get(f"{base}/menages")
    console.check(console.driver.current_url.endswith("/connexion"), "sans session, pas de renvoi à la connexion")
    console.visit("/nulle-part", "Adresse inconnue")
    console.check("Page introuvable" in console.main_text(), "adresse inconnue : pas de page en français")

    # The comité in the room (issue 21): its own module, on this harness.
    comite_pages.run(console)

    # The inbox and the organisation's administrator (issue 21).
    inbox_admin_pages.run(console)

    # The evaluator's dashboard (issue 22).
    indicator_pages.run(console)

    print(f"console_test: {console.pages_checked} pages checked by axe-core {console.axe_version} and "
          f"saved at two sizes in {console.shots}, {len(console.failures)} failure(s), "
          f"{time.monotonic() - started:.0f} s", flush=True)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    os.makedirs(sys.argv[2], exist_ok=True)
    console = Console(sys.argv[1], sys.argv[2])
    try:
        run(console)
    except Exception as error:  # a broken step is a failure with its page, not a traceback alone
        console.failures.append(f"{type(error).__name__}: {error}")
        import traceback
        where = traceback.extract_tb(error.__traceback__)[-1]
        traceback.print_tb(error.__traceback__, limit=4)
        message = str(error).splitlines()[0] if str(error) else ""
        print(f"console_test: stopped at {console.driver.current_url} (line {where.lineno}): "
              f"{type(error).__name__}: {message}", flush=True)
        try:
            print(console.main_text()[:2000])
        except Exception:
            pass
    finally:
        console.driver.quit()
    return 1 if console.failures else 0


if __name__ == "__main__":
    sys.exit(main())
