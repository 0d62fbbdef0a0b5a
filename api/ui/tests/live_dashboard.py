"""The dashboard against a whole running stack (API, controller with real VMs, healthcheckd):
started by tests/tests/vm.rs (`the_dashboard_follows_a_real_load_balancer`), which passes
LBAAS_URL, LBAAS_TOKEN (tenant acme, project demo), LBAAS_OTHER_TOKEN, LBAAS_PREFIX,
LBAAS_BACKEND_SH and LBAAS_BACKENDS (two namespace names for the test backends).

In Debian's Chromium: create an instance from the form, watch it turn ACTIVE without a reload,
see its members ONLINE, then one member OFFLINE when its backend stops, delete it after the
confirmation and see it go; the other tenant sees none of it.
"""

import json
import os
import pathlib
import subprocess
import time
import urllib.request

from playwright.sync_api import expect, sync_playwright

BASE = os.environ["LBAAS_URL"]
TOKEN = os.environ["LBAAS_TOKEN"]
OTHER = os.environ["LBAAS_OTHER_TOKEN"]
PREFIX = os.environ["LBAAS_PREFIX"]
BACKEND_SH = os.environ["LBAAS_BACKEND_SH"]
B0, B1 = os.environ["LBAAS_BACKENDS"].split(",")
CHROMIUM = os.environ.get("LBAAS_CHROMIUM", "/usr/bin/chromium")


def get(path, token=TOKEN):
    req = urllib.request.Request(BASE + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def sign_in(browser, token, width=1200):
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(BASE + "/ui")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Load balancers")).to_be_visible()
    return page


def main():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = sign_in(browser, TOKEN)
        # The form's projects come with the first refresh, after the heading shows (the
        # Create button stays disabled until then; the click below would wait for it).
        expect(page.locator("#c-project option[value=demo]")).to_have_count(1, timeout=10_000)
        page.get_by_label("Name").fill("web")
        page.get_by_label("Backend subnet").fill("10.40.0.0/24")
        page.get_by_label("Backends").fill("10.40.0.11:8080\n10.40.0.12:8080")
        page.get_by_label("Health check path").fill("/healthz")
        page.get_by_role("button", name="Create").click()
        row = page.locator("tr[data-lb=web]")
        expect(row).to_contain_text("PENDING_CREATE", timeout=10_000)

        # The backends, in the project's namespace once the controller made it.
        pid = get("/v1/projects/demo")["id"]
        pns = subprocess.run([BACKEND_SH, "project-ns", PREFIX, pid], check=True,
                             capture_output=True, text=True).stdout.strip()
        deadline = time.time() + 60
        while not pathlib.Path("/run/netns", pns).exists():
            assert time.time() < deadline, f"no project namespace {pns}"
            time.sleep(0.2)
        for name, ip in ((B0, "10.40.0.11"), (B1, "10.40.0.12")):
            subprocess.run([BACKEND_SH, "add", pns, name, f"{ip}/24", "8080"], check=True,
                           capture_output=True)

        # ACTIVE, without a reload.
        t0 = time.time()
        expect(row).to_contain_text("ACTIVE", timeout=120_000)
        print(f"dashboard: ACTIVE shown {time.time() - t0:.1f}s after the backends started")
        row.get_by_role("link", name="web").click()
        expect(page.get_by_text("http://web.demo.acme.lbaas.test/")).to_be_visible()
        m0 = page.locator("tr[data-member='10.40.0.11']")
        m1 = page.locator("tr[data-member='10.40.0.12']")
        expect(m0).to_contain_text("ONLINE", timeout=30_000)
        expect(m1).to_contain_text("ONLINE", timeout=30_000)

        # A backend stops: its member goes OFFLINE on the page, which was not reloaded.
        t0 = time.time()
        subprocess.run([BACKEND_SH, "del", B1], check=True, capture_output=True)
        expect(m1).to_contain_text("OFFLINE", timeout=30_000)
        expect(m0).to_contain_text("ONLINE")
        print(f"dashboard: member OFFLINE shown {time.time() - t0:.1f}s after its backend stopped")
        # `.first`: a member probed before its backend started may have gone down once already.
        expect(page.get_by_text("member.down").first).to_be_visible(timeout=10_000)

        # Delete after the confirmation; the load balancer goes from the list.
        page.once("dialog", lambda d: d.accept())
        page.get_by_role("button", name="Delete").click()
        expect(page.locator("tr[data-lb=web]")).to_have_count(0, timeout=120_000)

        # The other tenant sees none of it.
        theirs = sign_in(browser, OTHER, width=390)
        expect(theirs.get_by_text("No project yet.")).to_be_visible()
        assert theirs.locator("text=demo").count() == 0
        browser.close()
    print("dashboard: live test passed")


if __name__ == "__main__":
    main()
