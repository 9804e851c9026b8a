"""Filling the visit form the way an auditor does: tapping the big buttons, section by section."""

from __future__ import annotations

from pathlib import Path


def fill_section(page, photo: Path) -> None:
    """Answer every question of the section on screen with a passing answer."""
    for fieldset in page.locator("fieldset.question").all():
        kind = fieldset.get_attribute("data-type")
        if kind == "yes_no":
            fieldset.locator("label.choice-yes").click()
        elif kind == "scale":
            fieldset.locator("label.choice:not(.choice-na)").last.click()
        elif kind == "choice":
            fieldset.locator("label.choice").first.click()
        elif kind == "duration":
            fieldset.get_by_role("button", name="Start: in the queue").click()
            fieldset.get_by_role("button", name="Stop: being served").click()
            fieldset.get_by_label("Seconds").fill("75")
        elif kind == "text":
            fieldset.locator("textarea").first.fill("Miła obsługa w Łodzi.")
        elif kind == "number":
            fieldset.locator("input[type=number]").fill("1")
        needs_photo = fieldset.locator("input[type=file]")
        if needs_photo.count() and fieldset.locator(".badge", has_text="Photo needed").count():
            needs_photo.set_input_files(str(photo))
            fieldset.locator("li.thumb img[src^='blob:']").wait_for()


def fill_visit(page, photo: Path) -> None:
    """Every section in turn, then the check-and-send step."""
    while True:
        page.locator("fieldset.question").first.wait_for()
        fill_section(page, photo)
        step = page.locator(".step-of").inner_text()
        page.get_by_role("button", name="Next →").click()
        if step.split()[-1] == step.split()[-3]:  # "Section 8 of 8"
            break
    page.get_by_role("heading", name="Check and send").wait_for()
