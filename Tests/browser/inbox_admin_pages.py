"""Issue 21, items 7 and 8, in Chromium: « Messages » and the organisation administrator's pages.

Called by console_test.py's `run` with its `Console` (sign_in, visit with axe-core, submit).
The demo hub's dispatcher fans the seeded notifications out when it starts: the Croix-Rouge's
service head hears that the household his organisation oriented was accepted; ALFI's, that a
household was oriented to hers. Each opens the household's page from the message's link.
"""

import time

from selenium.webdriver.common.by import By


def wait_for_messages(console, minimum=1, seconds=30):
    """The inbox page, read again until the dispatcher has fanned the demo's events out."""
    deadline = time.monotonic() + seconds
    while True:
        console.driver.get(console.base + "/messages")
        links = console.driver.find_elements(By.CSS_SELECTOR, "main .fr-message__title a")
        if len(links) >= minimum or time.monotonic() > deadline:
            return links
        time.sleep(1)


def message_link(console, title_part, reference):
    """The title link of the message about `reference` whose title holds `title_part`: other
    tests' households (the comité's) may have sent newer ones."""
    for message in console.driver.find_elements(By.CSS_SELECTOR, "main li.fr-message"):
        if reference in message.text and title_part in message.text:
            found = message.find_elements(By.CSS_SELECTOR, ".fr-message__title a")
            if found:
                return found[0]
    return None


def run(console):
    base = console.base
    started = time.monotonic()

    # The orienting organisation's head: his organisation's sentence, a link to the page.
    console.sign_in("marc.dubois@croix-rouge.demo")
    links = wait_for_messages(console)
    console.check(len(links) >= 1, "Marc Dubois : aucun message dans sa boîte")
    console.page_checks("Messages (organisation qui oriente)")
    text = console.main_text()
    console.check("Un ménage orienté par votre organisation a été accepté" in text,
                  f"Marc Dubois : la phrase de l'organisation qui oriente manque : {text[:300]}")
    console.check("vous avez orienté" not in text, "Marc Dubois : « vous avez orienté » encore dit")
    console.check("M-DEMO00001" in text, "Marc Dubois : la référence du ménage manque")
    current = console.driver.find_elements(By.CSS_SELECTOR, "nav.fr-nav a[aria-current=page]")
    console.check([a.text for a in current] == ["Messages"], "le menu ne marque pas « Messages » comme page courante")
    accepted = message_link(console, "accepté", "M-DEMO00001")
    console.check(accepted is not None, "Marc Dubois : pas de lien pour le ménage accepté")
    if accepted is not None:
        href = accepted.get_attribute("href")
        console.check("/v1/" not in href and "/menages/" in href, f"le lien du message mène à {href}")
        console.submit(accepted)
        console.check(console.driver.current_url == href, f"le lien n'ouvre pas {href}")
        console.check("M-DEMO00001" in console.main_text() and "Accès refusé" not in console.main_text(),
                      "le lien du message n'ouvre pas le dossier du ménage")
        console.page_checks("Dossier ouvert depuis un message")

    # « Marquer comme lu », then « non lus seulement ».
    console.driver.get(base + "/messages")
    before = len(console.driver.find_elements(By.CSS_SELECTOR, "main .fr-message--unread"))
    buttons = console.driver.find_elements(By.CSS_SELECTOR, "main form[action$='/lu'] button")
    console.check(len(buttons) >= 1, "aucun bouton « Marquer comme lu »")
    if buttons:
        console.submit(buttons[0])
        console.check(console.driver.current_url.endswith("/messages"), "après « Marquer comme lu », pas de retour à la liste")
        after = len(console.driver.find_elements(By.CSS_SELECTOR, "main .fr-message--unread"))
        console.check(after == before - 1, f"messages non lus : {before} puis {after}")
    console.visit("/messages?nonlus=oui", "Messages non lus")
    console.check(len(console.driver.find_elements(By.CSS_SELECTOR, "main .fr-message:not(.fr-message--unread)")) == 0,
                  "« non lus seulement » montre un message lu")

    # The opérateur's head: told a household was oriented to her organisation.
    console.sign_in("sophie.bernard@alfi.demo")
    links = wait_for_messages(console)
    oriented = message_link(console, "Un ménage a été orienté vers votre organisation", "M-DEMO00001")
    console.check(oriented is not None, "Sophie Bernard : pas de message d'orientation")
    if oriented is not None:
        href = oriented.get_attribute("href")
        console.submit(oriented)
        console.check("/menages/" in href and "M-DEMO00001" in console.main_text(),
                      "Sophie Bernard : le lien du message n'ouvre pas le dossier")

    # The evaluator has no inbox: the API's refusal, as a French page.
    console.sign_in("paul.lambert@drihl.demo")
    console.visit("/messages", "Messages refusés (évaluateur)")
    console.check("Accès refusé" in console.main_text(), "l'évaluateur lit une boîte de réception")

    # The administrator's pages.
    console.sign_in("admin@alfi.demo")
    console.visit("/organisation/membres", "Membres de l'organisation")
    text = console.main_text()
    console.check("claire.martin@alfi.demo" in text and "julie.moreau@antin.demo" not in text,
                  "les membres d'ALFI ne sont pas exactement ceux d'ALFI")
    console.check(len(console.driver.find_elements(By.CSS_SELECTOR, "form[action$='/desactiver'] input[name=confirmer][required]")) >= 1,
                  "désactiver un membre sans case de confirmation")
    console.visit("/organisation/invitations", "Invitations de l'organisation")
    console.check("Inviter une personne" in console.main_text(), "page des invitations sans son formulaire")
    console.visit("/organisation/webhooks", "Webhooks de l'organisation")

    # A webhook created, its secret shown once, then disabled, from the browser. A literal
    # address of the documentation range: public for the hub's checks, never answered.
    url = f"https://192.0.2.21/hub-{int(time.time())}"
    console.driver.find_element(By.ID, "url").send_keys(url)
    console.driver.find_element(By.CSS_SELECTOR, "input[name=topic-householdAccepted]").click()
    console.driver.find_element(By.CSS_SELECTOR, "input[name=topic-minutesDiffused]").click()
    console.submit(console.driver.find_element(By.CSS_SELECTOR, "form[action='/organisation/webhooks'] button[type=submit]"))
    secret = console.driver.find_elements(By.ID, "secret")
    console.check(len(secret) == 1 and len(secret[0].text) == 64, "le secret du webhook n'est pas affiché")
    console.check("secret" not in console.driver.current_url, "le secret dans l'adresse")
    console.page_checks("Webhook créé (secret affiché une fois)")
    if secret:
        value = secret[0].text
        console.driver.get(base + "/organisation/webhooks")
        console.check(value not in console.driver.page_source, "le secret est affiché une seconde fois")
    rows = [r for r in console.driver.find_elements(By.CSS_SELECTOR, "main table tbody tr") if url in r.text]
    console.check(len(rows) == 1 and "Actif" in rows[0].text, f"le webhook {url} n'est pas listé actif")
    if rows:
        form = rows[0].find_element(By.CSS_SELECTOR, "form[action$='/desactiver']")
        form.find_element(By.CSS_SELECTOR, "input[name=confirmer]").click()
        console.submit(form.find_element(By.TAG_NAME, "button"))
        console.check("Le webhook est désactivé" in console.main_text(), "pas de confirmation de la désactivation")
        rows = [r for r in console.driver.find_elements(By.CSS_SELECTOR, "main table tbody tr") if url in r.text]
        console.check(len(rows) == 1 and "Désactivé le" in rows[0].text, "le webhook n'est pas désactivé")
        console.page_checks("Webhook désactivé")

    # Another organisation's administrator does not see ALFI's webhook; a social worker is refused.
    console.sign_in("admin@antin.demo")
    console.visit("/organisation/webhooks", "Webhooks (autre organisation)")
    console.check(url not in console.main_text(), "l'administrateur d'Antin voit le webhook d'ALFI")
    console.sign_in("claire.martin@alfi.demo")
    console.driver.get(base + "/organisation/membres")
    console.check("Accès refusé" in console.main_text(), "une travailleuse sociale ouvre la page des membres")
    console.check(len(console.driver.find_elements(By.CSS_SELECTOR, "nav.fr-nav a[href='/organisation/membres']")) == 0,
                  "le menu d'une travailleuse sociale propose « Organisation »")

    print(f"inbox_admin_pages: done in {time.monotonic() - started:.0f} s", flush=True)
