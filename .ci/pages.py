#!/usr/bin/env python3
"""The lead's and the reviewer's journeys in a real browser (Playwright driving Debian's
Chromium), with axe-core run on every page at 1280 and 320 pixels wide and a screenshot of each
kept under target/pages/.

Usage: pages.py BASE_URL AXE_JS ADMIN_EMAIL ADMIN_PASSWORD
       PAGES_ONLY=reviewer pages.py …   (the reviewer's journey alone, when working on it)
       PAGES_ONLY=conversation pages.py …   (messages and files alone)
       PAGES_ONLY=follow_up pages.py …   (after the decision, and programmes, alone)

Fields and buttons are found by their labels and roles, as people find them (SPEC §10). The
API is used only where another person acts (the commission asks for changes) and to check
that a refused form wrote nothing.
"""

import json
import os
import re
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

BASE, AXE_JS, ADMIN_EMAIL, ADMIN_PASSWORD = sys.argv[1:5]
SHOTS = Path("target/pages")
SHOTS.mkdir(parents=True, exist_ok=True)
AXE = Path(AXE_JS).read_text()
PASSWORD = "un mot de passe assez long"
STAMP = str(int(time.time()))
CHECKED = []  # (page name, width)
PROBLEMS = []  # console errors and CSP violations


def api(method, path, token=None, body=None, if_match=None):
    request = urllib.request.Request(BASE + path, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    if if_match:
        request.add_header("if-match", if_match)
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(request, data) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def token_of(email, password=PASSWORD):
    status, body = api("POST", "/api/v1/auth/login", body={"email": email, "password": password})
    assert status == 200, (status, body)
    return body["access_token"]


def count_drafts(token):
    """The lead's drafts (a lead sees no one else's)."""
    status, body = api("GET", "/api/v1/projects?status=draft&limit=100", token)
    assert status == 200, body
    return len(body["items"])


def audit(page: Page, name: str):
    """axe-core on the page as it is, at 1280 then 320 pixels, with a screenshot of each; the
    page must also hold at 320 pixels without horizontal scrolling."""
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        # Evaluated through the DevTools protocol: the page's CSP (no inline script) stays on.
        page.evaluate(AXE)
        result = page.evaluate(
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
        )
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
        ]
        assert not violations, f"{name} at {width}px: " + "; ".join(violations)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} at {width}px scrolls sideways by {overflow}px"
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        CHECKED.append((name, width))
    page.set_viewport_size({"width": 1280, "height": 900})
    # Back at 1280 pixels, Chromium shortens the page when the field being typed in loses focus
    # (its layout at 320 pixels lingers until then): a later click's mousedown would scroll the
    # button away from its mouseup. Taking the focus away here settles the layout first.
    page.evaluate("document.activeElement && document.activeElement.blur()")


def watch(page: Page):
    """Collects console errors (a CSP violation is one), except the status of a page that is an
    error page on purpose (404, 422…)."""
    def console(message):
        expected = message.location.get("url") == page.url and "the server responded with a status of 4" in message.text
        # Terrain's pages only: the identity provider's own pages are not ours to judge.
        if message.type == "error" and not expected and page.url.startswith(BASE):
            PROBLEMS.append(f"{page.url}: {message.text} ({message.location.get('url')})")
    page.on("console", console)
    page.on("pageerror", lambda e: PROBLEMS.append(f"{page.url}: {e}"))


def register(page: Page, name: str, email: str):
    page.goto(BASE + "/inscription")
    page.get_by_label("Nom affiché").fill(name)
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page).to_have_url(BASE + "/espace")


def sign_in(page: Page, email: str, password: str):
    page.goto(BASE + "/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def decide(page: Page, button: str, comment: str | None = None):
    """Fills and sends the decision form whose button is `button`."""
    form = page.locator("form.decision", has=page.get_by_role("button", name=button, exact=True))
    if comment:
        form.get_by_label("Commentaire").fill(comment)
    form.get_by_role("button", name=button, exact=True).click()


def wait_batch(page: Page):
    # The click only starts the POST: reloading before its redirect lands would cancel it.
    page.wait_for_url(re.compile(r"/instruction/lots/[0-9a-f-]+$"))
    for _ in range(100):
        if "Terminé" in page.locator("main").inner_text():
            return
        page.wait_for_timeout(200)
        page.reload()
    raise AssertionError("the batch did not finish: " + page.locator("main").inner_text())


def reviewer_journey(browser):
    """An académie's reviewer works through « À examiner », asks for changes, validates,
    records a support and validates 20 projects in one batch; another académie sees none."""
    lead_email = f"college-{STAMP}@ac-lyon.fr"
    api("POST", "/api/v1/auth/register", body={"email": lead_email, "password": PASSWORD, "display_name": "Collège Ampère"})
    lead = token_of(lead_email)
    ids = []
    for n in range(21):
        title = f"Atelier CI {STAMP} seul" if n == 0 else f"Lot CI {STAMP} n°{n:02d}"
        status, project = api("POST", "/api/v1/projects", lead, {
            "programme": "education", "territory": "department:69", "title": title,
            "summary": "Un projet pour la vérification de l'instruction.", "theme": "pedagogy",
            "establishment_uai": "0690001B", "stakeholders": ["pupils"], "requested_amount_cents": 300000})
        assert status == 201, project
        status, project = api("POST", f"/api/v1/projects/{project['id']}/transitions", lead, {"action": "submit"}, '"1"')
        assert status == 200, project
        ids.append(project["id"])
    reviewer = token_of("instruction@ac-lyon.fr", ADMIN_PASSWORD)
    status, fund = api("POST", "/api/v1/funds", reviewer, {
        "code": f"FIP-CI-{STAMP}", "name": "Fonds de vérification", "programme": "education",
        "territory": "department:69", "year": 2026, "envelope_cents": 5_000_000})
    assert status == 201, fund

    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    watch(page)
    sign_in(page, "instruction@ac-lyon.fr", ADMIN_PASSWORD)
    expect(page).to_have_url(BASE + "/instruction")
    expect(page.get_by_role("link", name=re.compile(r"^À examiner \(\d"))).to_be_visible()
    audit(page, "review-queue")
    page.get_by_label("Titre contient").fill(f"Atelier CI {STAMP}")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("link", name=re.compile(r"^À examiner \(1\)"))).to_be_visible()
    page.get_by_role("link", name=f"Atelier CI {STAMP} seul").click()
    expect(page.get_by_role("heading", name=f"Atelier CI {STAMP} seul")).to_be_visible()
    audit(page, "review-project")
    decide(page, "Commencer l'examen")
    expect(page.get_by_role("status")).to_contain_text("Examen commencé")
    decide(page, "Demander des modifications")  # without its comment: refused, next to the field
    expect(page.get_by_role("alert")).to_contain_text("Commentaire")
    audit(page, "review-project-error")
    decide(page, "Demander des modifications", "Précisez le calendrier de l'atelier.")
    expect(page.get_by_role("status")).to_contain_text("Modifications demandées")
    status, project = api("GET", f"/api/v1/projects/{ids[0]}", lead)
    status, _ = api("POST", f"/api/v1/projects/{ids[0]}/transitions", lead, {"action": "submit"}, f'"{project["version"]}"')
    assert status == 200
    page.reload()
    decide(page, "Commencer l'examen")
    decide(page, "Valider", "Projet exemplaire.")
    expect(page.get_by_role("status")).to_contain_text("Projet validé")
    page.get_by_label("Fonds").select_option(f"FIP-CI-{STAMP}")
    page.get_by_label("Montant (€)").fill("1 500")
    page.get_by_role("button", name="Enregistrer le soutien").click()
    expect(page.get_by_role("status")).to_contain_text("Soutien financier de 1")
    audit(page, "review-project-supported")
    assert api("GET", f"/api/v1/projects/{ids[0]}", lead)[1]["granted_cents"] == 150000

    # Twenty at once: start their review, then validate them, all those of the filter.
    for action, tab in (("start_review", "to_review"), ("validate", "all")):
        page.goto(BASE + f"/instruction?tab={tab}&q=Lot+CI+{STAMP}")
        page.get_by_label(re.compile(r"Sélectionner les 20 projets du filtre")).check()
        expect(page.locator("#selection-count")).to_have_text("Tous les projets du filtre sont sélectionnés.")
        page.get_by_label("Décision").select_option(action)
        if action == "validate":
            page.get_by_label("Commentaire").fill("Validé en commission.")
            audit(page, "review-batch-form")
        page.get_by_role("button", name="Appliquer aux projets sélectionnés").click()
        wait_batch(page)
        expect(page.get_by_role("status")).to_contain_text("Terminé : 20 faits, 0 non traités, 0 en échec.")
    audit(page, "review-batch-done")
    for pid in ids[1:]:
        assert api("GET", f"/api/v1/projects/{pid}", lead)[1]["status"] == "validated", pid
    # A row ticked by hand updates the count.
    page.goto(BASE + "/instruction?tab=all")
    page.locator('input[name="project_ids"]').first.check()
    expect(page.locator("#selection-count")).to_have_text("1 projet sélectionné")
    page.goto(BASE + "/fonds")
    expect(page.get_by_role("cell", name=f"FIP-CI-{STAMP}")).to_be_visible()
    audit(page, "funds")
    context.close()

    # Another académie sees none of them.
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    watch(page)
    sign_in(page, "instruction@ac-paris.fr", ADMIN_PASSWORD)
    page.goto(BASE + f"/instruction?tab=all&q=CI+{STAMP}")
    expect(page.get_by_text("Aucun projet dans cet onglet avec ces filtres.")).to_be_visible()
    response = page.goto(BASE + f"/instruction/projets/{ids[0]}")
    assert response.status == 404
    context.close()

    # The national administration of accounts.
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    watch(page)
    sign_in(page, "admin@demo.terrain.fr", "terrain-demo-2025")
    page.goto(BASE + "/administration/comptes")
    expect(page.get_by_role("heading", name="Comptes")).to_be_visible()
    audit(page, "accounts")
    context.close()


def conversation_journey(browser):
    """A lead asked for changes reads the reasons, attaches a real PDF and answers with a
    message, then submits again; the reviewer sees the unread message, reads it and downloads
    the file, byte for byte."""
    budget = Path("tests/fixtures/budget.pdf")
    lead_email = f"ecole-{STAMP}@ac-lyon.fr"
    api("POST", "/api/v1/auth/register", body={"email": lead_email, "password": PASSWORD, "display_name": "École Jean-Macé"})
    lead = token_of(lead_email)
    title = f"Potager CI {STAMP}"
    status, project = api("POST", "/api/v1/projects", lead, {
        "programme": "education", "territory": "department:69", "title": title,
        "summary": "Un potager tenu par les élèves.", "theme": "pedagogy",
        "establishment_uai": "0690001B", "stakeholders": ["pupils"], "requested_amount_cents": 250000})
    assert status == 201, project
    pid = project["id"]
    status, project = api("POST", f"/api/v1/projects/{pid}/transitions", lead, {"action": "submit"}, '"1"')
    assert status == 200, project

    desk = browser.new_context(locale="fr-FR")
    review = desk.new_page()
    watch(review)
    sign_in(review, "instruction@ac-lyon.fr", ADMIN_PASSWORD)
    review.goto(BASE + f"/instruction/projets/{pid}")
    decide(review, "Commencer l'examen")
    form = review.locator("form.decision", has=review.get_by_role("button", name="Demander des modifications", exact=True))
    form.get_by_label("Dossier incomplet").check()
    decide(review, "Demander des modifications", "Joignez le devis du jardinier.")
    expect(review.get_by_role("status")).to_contain_text("Modifications demandées")

    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    watch(page)
    sign_in(page, lead_email, PASSWORD)
    page.goto(BASE + f"/espace/projets/{pid}")
    expect(page.get_by_role("note")).to_contain_text("Motifs : Dossier incomplet.")
    expect(page.get_by_role("note")).to_contain_text("Joignez le devis du jardinier.")
    audit(page, "project-changes-requested")
    page.get_by_label("Ajouter un fichier").set_input_files(str(budget))
    page.get_by_role("button", name="Ajouter la pièce jointe").click()
    expect(page.get_by_role("status")).to_contain_text("La pièce jointe a été ajoutée.")
    expect(page.get_by_role("link", name="budget.pdf")).to_be_visible()
    page.get_by_label("Votre message").fill("Voici le devis du jardinier.")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_role("status")).to_contain_text("Votre message a été envoyé.")
    audit(page, "project-messages")
    page.get_by_role("button", name="Déposer le projet").click()
    expect(page.get_by_text("Demande traitée : projet déposé à nouveau le")).to_be_visible()
    context.close()

    review.goto(BASE + "/instruction?tab=all")
    expect(review.locator(".unread")).to_contain_text("1 message non lu")
    review.goto(BASE + f"/instruction/projets/{pid}")
    expect(review.locator("#messages")).to_contain_text("Voici le devis du jardinier.")
    audit(review, "review-project-messages")
    with review.expect_download() as download:
        review.locator("#pieces").get_by_role("link", name="budget.pdf").click()
    saved = download.value.path()
    assert Path(saved).read_bytes() == budget.read_bytes(), "the file comes back byte for byte"
    desk.close()


def follow_up_journey(browser):
    """After the decision: the lead records a milestone (refused first without its title), marks
    it done, adds an indicator and a measurement typed with a decimal comma, writes the final
    report; the reviewer records a payment; anyone reads the public page, with no personal data;
    a national administrator creates a programme from its page."""
    lead_email = f"ecole-suivi-{STAMP}@ac-lyon.fr"
    api("POST", "/api/v1/auth/register", body={"email": lead_email, "password": PASSWORD, "display_name": "École Suivi"})
    lead = token_of(lead_email)
    title = f"Jardin suivi CI {STAMP}"
    status, project = api("POST", "/api/v1/projects", lead, {
        "programme": "education", "territory": "department:69", "title": title,
        "summary": "Un jardin dont on suit les résultats.", "theme": "pedagogy",
        "establishment_uai": "0690001B", "stakeholders": ["pupils"], "requested_amount_cents": 400000})
    assert status == 201, project
    pid = project["id"]
    version = api("POST", f"/api/v1/projects/{pid}/transitions", lead, {"action": "submit"}, '"1"')[1]["version"]
    reviewer = token_of("instruction@ac-lyon.fr", ADMIN_PASSWORD)
    for action in ("start_review", "validate"):
        status, project = api("POST", f"/api/v1/projects/{pid}/transitions", reviewer, {"action": action}, f'"{version}"')
        assert status == 200, project
        version = project["version"]
    status, fund = api("POST", "/api/v1/funds", reviewer, {
        "code": f"FIP-SUIVI-{STAMP}", "name": "Fonds du suivi", "programme": "education",
        "territory": "department:69", "year": 2026, "envelope_cents": 1_000_000})
    assert status == 201, fund
    status, support = api("POST", f"/api/v1/projects/{pid}/supports", reviewer, {
        "kind": "financial", "fund": f"FIP-SUIVI-{STAMP}", "amount_cents": 300000})
    assert status == 201, support

    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    watch(page)
    sign_in(page, lead_email, PASSWORD)
    page.goto(BASE + f"/espace/projets/{pid}")
    results = page.locator("#resultats")
    expect(results.get_by_role("heading", name="Mise en œuvre et résultats")).to_be_visible()
    audit(page, "project-follow-up")
    page.get_by_label("Échéance").fill("2026-03-01")
    page.get_by_role("button", name="Ajouter le jalon").click()
    title_field = page.get_by_label("Intitulé du jalon")
    expect(title_field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("Intitulé du jalon")
    audit(page, "project-follow-up-errors")
    assert api("GET", f"/api/v1/projects/{pid}/milestones")[1]["items"] == [], "a refused milestone was added"
    title_field.fill("Commande des bacs")
    page.get_by_label("Échéance").fill("2026-03-01")
    page.get_by_role("button", name="Ajouter le jalon").click()
    expect(page.get_by_role("status")).to_contain_text("Le jalon a été ajouté.")
    page.get_by_role("button", name=re.compile("^Marquer comme réalisé")).click()
    expect(page.locator("[data-progress]")).to_have_text("100 %")
    page.get_by_label("Indicateur", exact=True).fill("Coût par famille accompagnée")
    page.get_by_label("Unité").fill("€")
    page.get_by_label("Valeur de départ").fill("400")
    page.get_by_label("Cible").fill("300")
    page.get_by_role("button", name="Ajouter l'indicateur").click()
    expect(page.get_by_role("status")).to_contain_text("L'indicateur a été ajouté.")
    page.get_by_label("Valeur mesurée").fill("287,5")
    page.get_by_label("Date de la mesure").fill("2026-06-01")
    page.get_by_role("button", name="Enregistrer la mesure").click()
    expect(page.locator("article.indicator")).to_contain_text("Cible atteinte")
    page.get_by_label("Synthèse").fill("Trois classes ont cultivé le jardin toute l'année.")
    page.get_by_label("Résultats", exact=True).fill("Coût par famille : −28 %.")
    page.get_by_label("Recommandations").fill("Étendre aux écoles du secteur.")
    page.get_by_role("button", name="Enregistrer le rapport").click()
    expect(page.get_by_role("status")).to_contain_text("Le rapport final a été enregistré.")
    audit(page, "project-follow-up-recorded")
    context.close()

    desk = browser.new_context(locale="fr-FR")
    review = desk.new_page()
    watch(review)
    sign_in(review, "instruction@ac-lyon.fr", ADMIN_PASSWORD)
    review.goto(BASE + f"/instruction/projets/{pid}")
    review.get_by_label("Montant versé (€)").fill("1 000,50")
    review.get_by_label("Date du versement").fill("2026-04-01")
    review.get_by_role("button", name="Enregistrer le versement").click()
    expect(review.get_by_role("status")).to_contain_text("Le versement a été enregistré.")
    audit(review, "review-project-follow-up")
    assert api("GET", f"/api/v1/projects/{pid}")[1]["paid_cents"] == 100050
    desk.close()

    public = browser.new_context(locale="fr-FR")
    anyone = public.new_page()
    watch(anyone)
    anyone.goto(BASE + f"/projets/{pid}")
    expect(anyone.get_by_role("heading", name=title)).to_be_visible()
    expect(anyone.locator("svg.indicator-chart")).to_be_visible()
    expect(anyone.locator("main")).to_contain_text("Cible atteinte")
    expect(anyone.locator("main")).to_contain_text("Étendre aux écoles du secteur.")
    assert lead_email not in anyone.content() and "École Suivi" not in anyone.content()
    audit(anyone, "public-project")
    public.close()

    national = browser.new_context(locale="fr-FR")
    admin = national.new_page()
    watch(admin)
    sign_in(admin, "admin@demo.terrain.fr", "terrain-demo-2025")
    admin.goto(BASE + "/administration/programmes")
    audit(admin, "programmes")
    admin.get_by_label("Code", exact=True).fill(f"mobilites_{STAMP}")
    admin.get_by_label("Nom", exact=True).fill("Mobilités du quotidien")
    admin.get_by_label("Domaine").fill("transport")
    admin.get_by_label("Niveau de validation").select_option("department")
    admin.get_by_label("Thèmes").fill("velo : Vélo du quotidien\nbus : Bus à la demande")
    admin.get_by_role("button", name="Créer le programme").click()
    expect(admin.get_by_role("status")).to_contain_text("Programme « Mobilités du quotidien » créé.")
    audit(admin, "programmes-created")
    assert api("GET", f"/api/v1/programmes/mobilites_{STAMP}")[0] == 200
    national.close()


OIDC = os.environ.get("OIDC_BASE", "http://127.0.0.1:18091")


def provider_sign_in(page: Page, login: str):
    """The provider's own login page (oidc-provider's development interactions)."""
    page.wait_for_url(re.compile(re.escape(OIDC) + r"/interaction/"))
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("n'importe quel mot de passe")
    page.locator("button[type=submit]").click()


def proconnect_journey(browser):
    """Through a real OpenID provider: a known administrator lands on /instruction, a new person
    on /espace as a lead; a tampered state is refused with a page; signing out ends both
    sessions (the provider asks for its login again)."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    watch(page)
    page.goto(BASE + "/connexion")
    page.get_by_role("link", name="S'identifier avec ProConnect").click()
    provider_sign_in(page, "agent.lyon")
    expect(page).to_have_url(BASE + "/instruction")
    expect(page.get_by_role("banner")).to_contain_text("Instruction Lyon")
    audit(page, "proconnect-admin")

    # Signing out ends Terrain's session, then the provider's.
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(re.escape(OIDC) + r"/session/end"))
    page.locator("button[type=submit]").first.click()
    # The provider sends back the `state` Terrain gave it.
    expect(page).to_have_url(re.compile(re.escape(BASE + "/connexion?session=terminee") + r"(&state=.+)?$"))
    expect(page.get_by_text("Vous êtes déconnecté·e.")).to_be_visible()
    page.goto(BASE + "/instruction")
    expect(page).to_have_url(re.compile(re.escape(BASE) + r"/connexion\?retour="))
    page.get_by_role("link", name="S'identifier avec ProConnect").click()
    page.wait_for_url(re.compile(re.escape(OIDC) + r"/interaction/"))
    expect(page.locator("input[name=login]")).to_be_visible()
    context.close()

    # Someone Terrain has never seen becomes a lead.
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    watch(page)
    page.goto(BASE + "/auth/oidc/login")
    provider_sign_in(page, "nouvelle.personne")
    expect(page).to_have_url(BASE + "/espace")
    expect(page.get_by_role("banner")).to_contain_text("Nouvelle Personne")
    expect(page.get_by_role("heading", name="Mes projets")).to_be_visible()
    context.close()

    # A state that is not the one sent: a refusal page, and nobody signed in.
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    watch(page)

    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.url.startswith(OIDC + "/auth?") else None)
    page.goto(BASE + "/auth/oidc/login")
    page.wait_for_url(re.compile(re.escape(OIDC) + r"/interaction/"))
    state = re.search(r"[?&]state=([^&]+)", sent[0]).group(1)
    page.goto(BASE + f"/auth/oidc/callback?code=un-code&state=x{state}")
    expect(page.get_by_role("heading", name="Connexion interrompue")).to_be_visible()
    audit(page, "proconnect-refused")
    page.goto(BASE + "/instruction")
    expect(page).to_have_url(re.compile(re.escape(BASE) + r"/connexion\?retour="))
    context.close()


def launch(p):
    return p.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run"],
    )


def main():
    lead_email = f"directrice-{STAMP}@ac-lyon.fr"
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(locale="fr-FR")
        page = context.new_page()
        watch(page)

        # Public pages.
        for path, name in [("/", "dashboard"), ("/accessibilite", "accessibility"), ("/donnees", "open-data"),
                           ("/connexion", "sign-in"), ("/inscription", "registration")]:
            page.goto(BASE + path)
            expect(page).to_have_title(re.compile(r".+ — Terrain$"))
            audit(page, name)
        page.goto(BASE + "/page-inexistante")
        expect(page.get_by_role("heading", name="Page introuvable")).to_be_visible()
        audit(page, "not-found")

        # The skip link is the first thing the keyboard reaches, and it leads to the content.
        page.goto(BASE + "/connexion")
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Aller au contenu")
        page.keyboard.press("Enter")
        expect(page.locator(":focus")).to_have_attribute("id", "contenu")

        # Register, which signs in.
        register(page, "Mme Durand — Collège Jean Moulin", lead_email)
        expect(page.get_by_role("heading", name="Mes projets")).to_be_visible()
        expect(page.get_by_text("Votre compte est créé")).to_be_visible()
        audit(page, "space-empty")
        lead_token = token_of(lead_email)

        # A draft with wrong fields: errors shown, nothing created.
        page.get_by_role("link", name="Nouveau projet").click()
        expect(page).to_have_url(BASE + "/espace/projets/nouveau")
        audit(page, "project-new")
        page.get_by_label("Programme").select_option("education")
        page.get_by_role("button", name="Afficher les thèmes de ce programme").click()
        page.get_by_label("Territoire").select_option("department:69")
        page.get_by_label("Résumé").fill("Les élèves aménagent un jardin dans la cour avec leurs parents.")
        page.get_by_label("Thème").select_option("pedagogy")
        page.get_by_label("Montant demandé (€)").fill("mille euros")
        page.get_by_role("button", name="Enregistrer le brouillon").click()
        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("Le formulaire contient des erreurs")
        expect(summary.get_by_role("link", name=re.compile("^Titre"))).to_be_visible()
        title = page.get_by_label("Titre", exact=True)
        expect(title).to_have_attribute("aria-invalid", "true")
        described = title.get_attribute("aria-describedby")
        expect(page.locator(f"#{described.split()[-1]}")).to_contain_text("Erreur")
        amount = page.get_by_label("Montant demandé (€)")
        expect(amount).to_have_value("mille euros")
        audit(page, "project-new-errors")
        assert count_drafts(lead_token) == 0, "a refused draft was created"
        # The summary's link takes the keyboard to the field.
        summary.get_by_role("link", name=re.compile("^Titre")).click()
        expect(title).to_be_focused()

        # Corrected (without the UAI yet), it is saved as a draft.
        title.fill("Un jardin pédagogique partagé")
        amount.fill("1 500,50")
        page.get_by_label("Élèves").check()
        page.get_by_label("Parents").check()
        page.get_by_label("Début").fill("2026-09-01")
        page.get_by_label("Fin").fill("2027-06-30")
        page.get_by_role("button", name="Enregistrer le brouillon").click()
        expect(page.get_by_role("heading", name="Un jardin pédagogique partagé")).to_be_visible()
        expect(page.get_by_text("Brouillon enregistré")).to_be_visible()
        project_url = page.url
        project_id = project_url.rsplit("/", 1)[1]
        status, project = api("GET", f"/api/v1/projects/{project_id}", lead_token)
        assert project["requested_amount_cents"] == 150050, project
        audit(page, "project-draft")

        # Submitting without the UAI lists what is missing and submits nothing.
        page.get_by_role("button", name="Déposer le projet").click()
        expect(page.get_by_role("alert")).to_contain_text("UAI de l'établissement")
        assert api("GET", f"/api/v1/projects/{project_id}", lead_token)[1]["status"] == "draft"
        audit(page, "project-incomplete")
        page.get_by_role("link", name="Compléter le projet").click()
        page.get_by_label("UAI de l'établissement").fill("0690001B")
        audit(page, "project-edit")
        page.get_by_role("button", name="Enregistrer les modifications").click()
        expect(page.get_by_text("Modifications enregistrées.")).to_be_visible()
        page.get_by_role("button", name="Déposer le projet").click()
        expect(page.get_by_role("status")).to_contain_text("Votre projet a été déposé le")
        expect(page.get_by_role("button", name="Déposer le projet")).to_have_count(0)
        audit(page, "project-receipt")
        assert api("GET", f"/api/v1/projects/{project_id}", lead_token)[1]["status"] == "submitted"

        # The commission asks for changes through the API; the lead sees it and corrects.
        admin = token_of(ADMIN_EMAIL, ADMIN_PASSWORD)
        version = api("GET", f"/api/v1/projects/{project_id}", admin)[1]["version"]
        for action, comment in [("start_review", None), ("request_changes", "Précisez le budget des outils.")]:
            body = {"action": action} | ({"comment": comment} if comment else {})
            status, project = api("POST", f"/api/v1/projects/{project_id}/transitions", admin, body, f'"{version}"')
            assert status == 200, (status, project)
            version = project["version"]
        page.goto(BASE + "/espace")
        row = page.get_by_role("row", name=re.compile("Un jardin pédagogique partagé"))
        expect(row).to_contain_text("Modifications demandées le")
        audit(page, "space-changes-requested")
        row.get_by_role("link").click()
        expect(page.get_by_role("note")).to_contain_text("Précisez le budget des outils.")
        page.get_by_role("link", name="Modifier").click()
        page.get_by_label("Montant demandé (€)").fill("1200")
        page.get_by_role("button", name="Enregistrer les modifications").click()
        page.get_by_role("button", name="Déposer le projet").click()
        expect(page.get_by_role("status")).to_contain_text("Votre projet a été déposé le")
        project = api("GET", f"/api/v1/projects/{project_id}", lead_token)[1]
        assert project["status"] == "submitted" and project["requested_amount_cents"] == 120000, project

        # The concertation form.
        page.goto(BASE + "/espace/evenements/nouveau")
        audit(page, "event-new")
        page.get_by_label("Titre").fill("Atelier des parents")
        page.get_by_label("Type").select_option("workshop")
        page.get_by_label("Programme").select_option("education")
        page.get_by_label("Territoire").select_option("department:69")
        page.get_by_label("Début").fill("2026-03-14T18:30")
        page.get_by_label("Parents").fill("25")
        page.get_by_label("Un jardin pédagogique partagé").check()
        page.get_by_role("button", name="Enregistrer la concertation").click()
        expect(page.get_by_role("status")).to_contain_text("25 participants")

        # A POST without the CSRF token is refused and changes nothing.
        before = count_drafts(lead_token)
        forged = context.request.post(BASE + "/espace/projets/nouveau", form={
            "programme": "education", "territory": "department:69", "title": "Forgé",
            "summary": "Envoyé sans jeton.", "theme": "pedagogy"}, max_redirects=0)
        assert forged.status == 403, forged.status
        assert count_drafts(lead_token) == before, "a forged form created a project"

        # Another lead gets a 404 on the project's pages.
        other_context = browser.new_context(locale="fr-FR")
        other = other_context.new_page()
        watch(other)
        register(other, "Un autre porteur", f"autre-{STAMP}@example.fr")
        for path in (f"/espace/projets/{project_id}", f"/espace/projets/{project_id}/modifier"):
            response = other.goto(BASE + path)
            assert response.status == 404, (path, response.status)
            expect(other).to_have_title("Page introuvable — Terrain")
        other_context.close()

        # API tokens: created from the page, the secret shown once and working, then revoked.
        page.get_by_role("link", name="Jetons d'API").click()
        audit(page, "tokens-empty")
        page.get_by_label("Nom du jeton").fill("")
        page.get_by_role("button", name="Créer le jeton").click()
        expect(page.locator(".error-message").first).to_be_visible()
        audit(page, "tokens-errors")
        page.get_by_label("Nom du jeton").fill("Mon tableur")
        page.get_by_label("Accès").select_option("read")
        page.get_by_role("button", name="Créer le jeton").click()
        secret = page.locator("#nouveau-jeton").inner_text().strip()
        assert secret.startswith("trn_"), secret
        audit(page, "tokens-created")
        status, me = api("GET", "/api/v1/me", secret)
        assert status == 200 and me["email"] == lead_email, (status, me)
        page.goto(BASE + "/espace/jetons")
        assert secret not in page.content(), "the secret is shown once only"
        page.get_by_role("button", name="Révoquer le jeton « Mon tableur »").click()
        expect(page.get_by_role("status")).to_contain_text("Le jeton est révoqué")
        assert api("GET", "/api/v1/me", secret)[0] == 401

        # Signing out ends the session.
        page.goto(BASE + "/espace")
        page.get_by_role("button", name="Se déconnecter").click()
        expect(page.get_by_text("Vous êtes déconnecté·e.")).to_be_visible()
        page.goto(BASE + "/espace")
        expect(page).to_have_url(BASE + "/connexion?retour=%2Fespace")
        audit(page, "sign-in-return")

        reviewer_journey(browser)
        conversation_journey(browser)
        follow_up_journey(browser)
        proconnect_journey(browser)
        browser.close()
    assert not PROBLEMS, "console errors: " + "; ".join(PROBLEMS)
    print(f"pages OK: {len(CHECKED)} page views checked by axe-core (0 violations), "
          f"screenshots in {SHOTS}/")


if __name__ == "__main__":
    if os.environ.get("PAGES_ONLY") == "reviewer":
        with sync_playwright() as p:
            reviewer_journey(launch(p))
    elif os.environ.get("PAGES_ONLY") == "conversation":
        with sync_playwright() as p:
            conversation_journey(launch(p))
    elif os.environ.get("PAGES_ONLY") == "proconnect":
        with sync_playwright() as p:
            proconnect_journey(launch(p))
    elif os.environ.get("PAGES_ONLY") == "follow_up":
        with sync_playwright() as p:
            follow_up_journey(launch(p))
    else:
        main()
