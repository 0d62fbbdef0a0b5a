"""The dashboard (/ui) in a real browser: Debian's Chromium driven by Playwright, against a live
lbaas-api (no controller: instances stay PENDING_CREATE; the VM suites cover what follows).

Run by scripts/ui-test.sh with LBAAS_URL and LBAAS_ADMIN_TOKEN set. A tenant signs in with its
token, sees a project appear without a reload (the event stream), creates an instance from the
form, opens its page (URL, members, its events), deletes it after a confirmation; a second
tenant sees none of it; the admin token sees tenants. LBAAS_UI_SCREENSHOT=<file> saves the load
balancer page.
"""

import json
import os
import unittest
import urllib.request

from playwright.sync_api import expect, sync_playwright

BASE = os.environ["LBAAS_URL"]
ADMIN = os.environ["LBAAS_ADMIN_TOKEN"]
CHROMIUM = os.environ.get("LBAAS_CHROMIUM", "/usr/bin/chromium")


def call(method, path, token, body=None):
    req = urllib.request.Request(
        BASE + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        text = r.read()
        return json.loads(text) if text else None


class Dashboard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pw = sync_playwright().start()
        cls.browser = cls.pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.pw.stop()

    def sign_in(self, token, width=1200):
        page = self.browser.new_context(viewport={"width": width, "height": 900}).new_page()
        page.goto(BASE + "/ui")
        page.get_by_label("Token").fill(token)
        page.get_by_role("button", name="Sign in").click()
        return page

    def test_a_tenant_creates_watches_and_deletes_and_another_sees_nothing(self):
        acme = call("POST", "/v1/tenants", ADMIN, {"name": "uiacme"})["token"]
        other = call("POST", "/v1/tenants", ADMIN, {"name": "uiother"})["token"]

        page = self.sign_in(acme)
        expect(page.get_by_role("heading", name="Load balancers")).to_be_visible()
        # A project made elsewhere appears without a reload: the page follows the event stream
        # (once it says the log is live; what came before that, a refresh reads).
        expect(page.locator("ul[data-live=true]")).to_have_count(1, timeout=10_000)
        call("POST", "/v1/projects", acme, {"name": "demo"})
        expect(page.locator("#c-project option[value=demo]")).to_have_count(1, timeout=5000)
        expect(page.get_by_text("project.created")).to_be_visible()

        # Create an instance from the form (the envelope), keyboard only.
        page.get_by_label("Name").fill("web")
        page.get_by_label("Backend subnet").fill("10.10.0.0/24")
        page.get_by_label("Backends").fill("10.10.0.11:8080\n10.10.0.12:8080")
        page.get_by_label("Backends").press("Tab")
        page.keyboard.press("Enter")
        row = page.locator("tr[data-lb=web]")
        expect(row).to_contain_text("PENDING_CREATE", timeout=5000)

        # Its page: URL, members, its own events.
        row.get_by_role("link", name="web").click()
        expect(page.get_by_text("http://web.demo.uiacme.lbaas.test/")).to_be_visible()
        expect(page.locator("tr[data-member='10.10.0.11']")).to_contain_text("10.10.0.11:8080")
        expect(page.get_by_text("load_balancer.create_requested")).to_be_visible()
        shot = os.environ.get("LBAAS_UI_SCREENSHOT")
        if shot:
            page.screenshot(path=shot, full_page=True)

        # Delete, after saying yes to the confirmation.
        page.once("dialog", lambda d: d.accept())
        page.get_by_role("button", name="Delete").click()
        expect(page.locator("tr[data-lb=web]")).to_contain_text("PENDING_DELETE", timeout=5000)

        # Another tenant, on a phone-sized screen: none of it.
        theirs = self.sign_in(other, width=390)
        expect(theirs.get_by_role("heading", name="Load balancers")).to_be_visible()
        expect(theirs.get_by_text("No project yet.")).to_be_visible()
        self.assertEqual(theirs.locator("text=web.demo.uiacme").count(), 0)
        self.assertEqual(theirs.locator("text=uiacme").count(), 0)

    def test_the_admin_token_sees_tenants_and_a_bad_token_is_refused(self):
        call("POST", "/v1/tenants", ADMIN, {"name": "uiseen"})
        page = self.sign_in(ADMIN)
        expect(page.get_by_role("heading", name="Tenants")).to_be_visible()
        expect(page.get_by_text("uiseen")).to_be_visible()
        expect(page.get_by_role("heading", name="Hypervisors and warm pools")).to_be_visible()
        expect(page.get_by_text("qemu:///system")).to_be_visible()
        expect(page.get_by_role("heading", name="Every node")).to_be_visible()
        bad = self.sign_in("lbt_not_a_token")
        expect(bad.get_by_role("alert")).to_contain_text("unauthorized")


if __name__ == "__main__":
    unittest.main()
