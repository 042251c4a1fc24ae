"""Issue 22, item 5, in Chromium: the evaluator's dashboard, « Indicateurs ».

Called by console_test.py's `run` with its `Console` (sign_in, visit with axe-core, submit).
The demo programme holds a handful of households, all of this year: every count of this
year is under the threshold of 5, so the report must mark them « secret statistique » in
the charts and in their tables, and publish no figure under the threshold.
"""

import csv
import datetime
import io
import re
import urllib.parse

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

PROGRAMME = "Logements Hlm accompagnés 2024–2025"


def run(console):
    year = str(datetime.date.today().year)

    # The evaluator's home page is the dashboard; the evaluator chooses the period.
    console.sign_in("paul.lambert@drihl.demo")
    console.driver.get(console.base + "/")
    console.check(console.driver.current_url.endswith("/indicateurs"), "l'évaluateur n'arrive pas aux indicateurs")
    current = console.driver.find_elements(By.CSS_SELECTOR, "nav.fr-nav a[aria-current=page]")
    console.check([a.text for a in current] == ["Indicateurs"], "le menu ne marque pas « Indicateurs »")
    console.page_checks("Indicateurs (formulaire)")
    select = Select(console.driver.find_element(By.ID, "programme"))
    console.check(select.first_selected_option.text == PROGRAMME,
                  f"indicateurs : le programme proposé est « {select.first_selected_option.text} »")
    period = console.driver.find_element(By.ID, "periode")
    period.clear()
    period.send_keys(year)
    console.submit(console.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    console.page_checks("Indicateurs (année)")
    text = console.main_text()
    console.check(f"{PROGRAMME} — " in text and year in text, f"indicateurs : pas de rapport {year} : {text[:300]}")
    console.check("Seuil de diffusion : 5 ménages" in text, "indicateurs : le seuil utilisé n'est pas dit")

    # Each chart is an SVG with its title, followed by its data table, bar for row.
    figures = console.driver.find_elements(By.CSS_SELECTOR, "main figure.fr-chart")
    console.check(len(figures) >= 10, f"indicateurs : {len(figures)} graphiques seulement")
    published = []
    secret_cells = 0
    for figure in figures:
        name = figure.find_element(By.TAG_NAME, "figcaption").text.splitlines()[0]
        svg = figure.find_elements(By.CSS_SELECTOR, "svg[role=img] title")
        bars = figure.find_elements(By.CSS_SELECTOR, "svg rect")
        rows = figure.find_elements(By.CSS_SELECTOR, "table.fr-chart__data tbody tr")
        if not bars:
            # A breakdown of nothing (no such event this year): a sentence, no empty chart.
            console.check(not svg and not rows and "Aucun ménage compté" in figure.text,
                          f"graphique « {name} » : vide sans le dire")
            continue
        console.check(len(rows) == len(bars), f"graphique « {name} » : {len(bars)} barres, {len(rows)} lignes")
        console.check(len(svg) == 1, f"graphique « {name} » : pas de SVG titré")
        following = console.driver.execute_script(
            "const f = arguments[0]; return f.querySelector('svg').nextElementSibling.tagName", figure)
        console.check(following == "TABLE", f"graphique « {name} » : le tableau ne suit pas le graphique")
        secret_bars = figure.find_elements(By.CSS_SELECTOR, "rect.fr-chart__bar--secret")
        for row in rows:
            value = row.find_element(By.TAG_NAME, "td").text
            if "secret statistique" in value:
                secret_cells += 1
            else:
                published.append((name, row.find_element(By.TAG_NAME, "th").text, value))
        secret_rows = [r for r in rows if "secret statistique" in r.find_element(By.TAG_NAME, "td").text]
        console.check(len(secret_bars) == len(secret_rows),
                      f"graphique « {name} » : {len(secret_bars)} barres masquées, {len(secret_rows)} cases masquées")
    console.check(secret_cells > 0, "indicateurs : aucune case « secret statistique » sur un programme de démonstration")
    # R9: a published count is 0 or at least the threshold.
    small = [(n, c, v) for n, c, v in published if re.fullmatch(r"[1-4]", v.strip())]
    console.check(not small, f"indicateurs : des cases sous le seuil publiées : {small[:5]}")
    console.check("case masquée" in text or "cases masquées" in text, "indicateurs : le nombre de cases masquées manque")

    # A quarter: every breakdown says the level and the period it is published at.
    console.visit(f"/indicateurs?programme={programme_id(console)}&periode={year}-Q4", "Indicateurs (trimestre)")
    captions = [f.find_element(By.TAG_NAME, "figcaption").text
                for f in console.driver.find_elements(By.CSS_SELECTOR, "main section.fr-indicator figure.fr-chart")]
    console.check(captions and all("Publié en" in c for c in captions),
                  "indicateurs (trimestre) : une ventilation ne dit pas son niveau")

    # A regroupement (Tests/demo_hub.sh declares one): its programmes' figures read together,
    # under the same control, with its spreadsheet.
    console.visit(f"/indicateurs?programme={programme_id(console)}&periode={year}", "Indicateurs (retour)")
    select = Select(console.driver.find_element(By.ID, "programme"))
    pools = [o for o in select.options if o.text.startswith("Regroupement « Île-de-France »")]
    console.check(len(pools) == 1, f"indicateurs : le regroupement n'est pas proposé : {[o.text for o in select.options]}")
    pool = pools[0].get_attribute("value")
    console.check(programme_id(console) in pool.split(",") and len(pool.split(",")) == 2,
                  f"indicateurs : le regroupement vaut « {pool} »")
    select.select_by_value(pool)
    console.submit(console.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    console.page_checks("Indicateurs (regroupement)")
    text = console.main_text()
    console.check("Regroupement « Île-de-France » : " in text and PROGRAMME in text,
                  f"regroupement : pas de rapport : {text[:300]}")
    figures = console.driver.find_elements(By.CSS_SELECTOR, "main figure.fr-chart")
    console.check(len(figures) >= 10, f"regroupement : {len(figures)} graphiques seulement")
    console.check(console.driver.find_elements(By.CSS_SELECTOR, "main rect.fr-chart__bar--secret"),
                  "regroupement : aucune case « secret statistique »")
    values = [td.text.strip() for td in console.driver.find_elements(By.CSS_SELECTOR, "main table tbody td")]
    console.check(not [v for v in values if re.fullmatch(r"[1-4]", v)], "regroupement : des cases sous le seuil publiées")
    link = console.driver.find_element(By.PARTIAL_LINK_TEXT, "Télécharger le tableur").get_attribute("href")
    status, headers, body = console.raw("GET", urllib.parse.urlsplit(link).path + "?" + urllib.parse.urlsplit(link).query)
    console.check(status == 200 and headers.get("Content-Type", "").startswith("text/csv") and body.count("\n") > 10,
                  f"tableur du regroupement : {status} {headers.get('Content-Type')}")

    # The spreadsheet: the route's CSV, with the same cells hidden.
    status, headers, body = console.raw(
        "GET", f"/indicateurs/tableur?programme={programme_id(console)}&periode={year}")
    console.check(status == 200 and headers.get("Content-Type", "").startswith("text/csv"),
                  f"tableur : {status} {headers.get('Content-Type')}")
    rows = list(csv.reader(io.StringIO(body)))
    console.check(len(rows) > 10, f"tableur : {len(rows)} lignes")

    # A wrong period is a French error page, not a report.
    console.driver.get(f"{console.base}/indicateurs?programme={programme_id(console)}&periode=l-an-dernier")
    console.check("La période est une année" in console.main_text(), "période invalide : pas d'erreur en français")

    # R7: a programme the reader is no partner of is a French « not found », its id unread.
    console.driver.get(f"{console.base}/indicateurs?programme=00000000-0000-4000-8000-000000000000&periode={year}")
    console.check("Page introuvable" in console.main_text(), "programme inconnu : pas de page « introuvable »")

    # An account administrator reads no indicator (R1): no programme offered, the page refused.
    console.sign_in("admin@alfi.demo")
    console.visit("/indicateurs", "Indicateurs (administration)")
    console.check("ne lit les indicateurs d'aucun programme" in console.main_text(),
                  "administratrice : des programmes proposés")
    console.driver.get(f"{console.base}/indicateurs?programme={programme_id(console)}&periode={year}")
    refused = console.main_text()
    console.check("Accès refusé" in refused and not console.driver.find_elements(By.CSS_SELECTOR, "main figure"),
                  f"administratrice : le rapport s'affiche : {refused[:200]}")


PROGRAMME_ID = []


def programme_id(console):
    """The demo programme's id, read once from the evaluator's form."""
    if not PROGRAMME_ID:
        query = urllib.parse.urlsplit(console.driver.current_url).query
        found = urllib.parse.parse_qs(query).get("programme")
        PROGRAMME_ID.append(found[0] if found else
                            Select(console.driver.find_element(By.ID, "programme")).first_selected_option
                            .get_attribute("value"))
    return PROGRAMME_ID[0]
