"""The auditor's phone: a whole visit filled with no network, sent once the network is back."""

from __future__ import annotations

from sqlalchemy import func, select

from server.models import Photo, Visit
from server.models.types import utcnow
from tests.web.conftest import jpeg_bytes
from tests.web.visit_form import fill_visit

OFFLINE_READY = """(async () => {
  const registration = await navigator.serviceWorker.getRegistration();
  if (!registration || !registration.active || !navigator.serviceWorker.controller) return false;
  const forms = await caches.open("forms-v1").then((cache) => cache.keys());
  return forms.some((request) => request.url.includes("/api/v1/forms/branch-visit"));
})()"""


def test_a_visit_filled_offline_waits_in_the_outbox_and_is_sent_once(
    open_browser, people, make_assignment, db, tmp_path
):
    make_assignment(people.lodz_1)
    photo = tmp_path / "premises.jpg"
    taken = utcnow().replace(microsecond=0, tzinfo=None)
    photo.write_bytes(jpeg_bytes((2400, 1800), captured=taken))
    web = open_browser(width=390)
    page = web.page
    web.log_in(people.auditor.email)
    page.get_by_role("heading", name="My assignments").wait_for()
    # The service worker has the shell and the form: from here on, no network at all.
    web.wait_until(OFFLINE_READY)
    web.context.set_offline(True)
    page.reload()
    page.get_by_text("Zapytać o konto oszczędnościowe").wait_for()

    page.get_by_role("link", name="Start visit").first.click()
    page.get_by_role("heading", name="Łódź Piotrkowska").wait_for()
    web.screenshot("auditor-visit-section-offline")
    fill_visit(page, photo)
    assert page.get_by_text("Every question is answered.").is_visible()
    web.screenshot("auditor-check-and-send")
    page.get_by_role("button", name="Send visit").click()

    page.get_by_role("heading", name="Outbox").wait_for()
    status = page.locator("#sync-status")
    assert "1 visit waiting to send" in status.inner_text()
    assert "1 photo waiting to upload" in status.inner_text()
    waiting = page.locator("ul[data-state=queued] > li")
    assert waiting.count() == 1 and "Łódź Piotrkowska" in waiting.inner_text()
    web.screenshot("auditor-outbox-offline")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0

    web.context.set_offline(False)
    page.locator("#sync-status", has_text="All visits sent").wait_for()
    page.locator("ul[data-state=sent] > li", has_text="Confirmed by the server").wait_for()
    web.screenshot("auditor-outbox-sent")

    db.session.rollback()
    visits = db.session.scalars(select(Visit)).all()
    assert len(visits) == 1
    visit = visits[0]
    assert visit.branch_id == people.lodz_1.id and visit.waiting_seconds == 75
    photos = db.session.scalars(select(Photo).where(Photo.visit_id == visit.id)).all()
    assert [p.status.value for p in photos] == ["complete"]
    # Downscaled on the phone before upload (the longest side at most 1600 px), with the
    # camera's capture time carried over for QA and its location left behind.
    assert max(photos[0].width, photos[0].height) == 1600
    assert photos[0].captured_at == taken and photos[0].captured_utc_offset_minutes == 0
    assert photos[0].gps_latitude is None

    # A retry after a restart sends nothing twice.
    page.reload()
    page.get_by_role("button", name="Send now").click()
    page.locator("#sync-status", has_text="All visits sent").wait_for()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 1


def test_a_refused_visit_shows_the_servers_reason(open_browser, people, db):
    web = open_browser(width=390)
    page = web.page
    web.log_in(people.auditor.email)
    page.get_by_label("Find a branch").fill("Piotrkowska")
    page.get_by_role("link", name="Start visit: Łódź Piotrkowska").click()
    page.get_by_role("button", name="Check and send").click()
    page.get_by_role("button", name="Send visit").click()
    page.locator("#sync-status", has_text="1 visit refused").wait_for()
    refused = page.locator("ul[data-state=refused] > li")
    assert "The visit has problems; nothing was stored." in refused.inner_text()
    assert "An answer is required." in refused.inner_text()
    refused.get_by_role("link", name="Correct").click()
    page.get_by_role("alert").filter(has_text="The server refused this visit").wait_for()
    assert page.locator(".step[data-problem=yes]").count() >= 1


def test_a_returned_visit_shows_the_note_and_goes_back_corrected(
    open_browser, people, make_visit, db
):
    visit_id = make_visit(people.warsaw, decision="return")
    web = open_browser(width=390, locale="pl-PL")
    page = web.page
    web.log_in(people.auditor.email, language="Polski")
    returned = page.locator("section", has=page.get_by_role("heading", name="Zwrócone do poprawy"))
    assert "Proszę uzupełnić komentarz." in returned.inner_text()
    returned.get_by_role("link", name="Popraw i wyślij ponownie").click()
    page.get_by_role("note").filter(has_text="Proszę uzupełnić komentarz.").wait_for()
    page.locator("fieldset.question").first.get_by_role("button", name="Dodaj komentarz").click()
    page.get_by_label("Komentarz").fill("Powitanie było ciche, ale uprzejme.")
    page.get_by_role("button", name="Sprawdź i wyślij").first.click()
    web.screenshot("auditor-correction-pl")
    page.get_by_role("button", name="Wyślij wizytę").click()
    page.locator("ul[data-state=sent] > li", has_text="Serwer potwierdził wizytę").wait_for()
    assert "Wszystkie wizyty wysłane" in page.locator("#sync-status").inner_text()

    db.session.rollback()
    visit = db.session.get(Visit, visit_id)
    assert visit.revision == 2 and visit.status.value == "submitted"
