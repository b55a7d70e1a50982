"""/docs as a person uses it: set a key in "Authorize", "Try it out" on GET /v1/models, Execute."""

from __future__ import annotations

import pytest

from tests.browser import CHROMIUM, browser_page

from .conftest import API_KEY, Demo

pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (apt-get install chromium)")]

# React inputs only see a value set through the native setter and announced by an input event.
_TYPE_KEY = """
waitFor('.modal-ux input[type=text]').then((input) => {
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, %r);
  input.dispatchEvent(new Event('input', {bubbles: true}));
  return true;
})
"""


@pytest.mark.slow
async def test_try_it_out_on_models_with_a_key(demo: Demo) -> None:
    async with browser_page() as page:
        await page.goto(f"{demo.url}/docs")
        await page.evaluate("clickWhenThere('.btn.authorize')")
        await page.evaluate(_TYPE_KEY % API_KEY)
        await page.evaluate("clickWhenThere('.modal-ux button.authorize')")
        await page.evaluate("clickWhenThere('.modal-ux .btn-done')")
        await page.evaluate("clickWhenThere('#operations-myuser-my-llm-ListModels .opblock-summary-control')")
        await page.evaluate("clickWhenThere('.opblock.is-open .try-out__btn')")
        await page.evaluate("clickWhenThere('.opblock.is-open .execute')")
        status = await page.evaluate(
            "waitFor('.opblock.is-open .live-responses-table .response .response-col_status')"
            ".then((cell) => cell.textContent.trim())"
        )
        curl = await page.evaluate("waitFor('.opblock.is-open .curl').then((c) => c.textContent)")
        body = await page.evaluate(
            "waitFor('.opblock.is-open .live-responses-table .microlight').then((c) => c.textContent)"
        )
    assert status == "200"
    assert f"X-API-Key: {API_KEY}" in curl
    assert '"object": "list"' in body and "tiny-lm" in body
