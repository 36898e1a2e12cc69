"""Drive a `git lineage view` page in headless Chromium as a person would.

Run by tests/cli/test_view.rs: `python3 view_check.py SPEC.json`. SPEC names
the page, where screenshots go, and what must hold (see `main`). Exits 0
with a JSON summary (timings) on stdout, or 1 naming every check that
failed. Uses Playwright for Python with the system Chromium
(`executable_path`); it never downloads a browser.
"""

import json
import os
import sys
import urllib.parse

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("GIT_LINEAGE_CHROMIUM", "/usr/bin/chromium")


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    out = spec["out"]
    os.makedirs(out, exist_ok=True)
    page_url = "file://" + urllib.parse.quote(spec["page"])
    failures = []
    summary = {}

    def check(ok, message):
        if not ok:
            failures.append(message)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 850})
        console, requests, dialogs = [], [], []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        page.on("request", lambda r: requests.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

        def shot(name):
            page.screenshot(path=os.path.join(out, f"{name}.png"))

        def index_of(node_id):
            return page.evaluate(
                "id => JSON.parse(document.getElementById('lineage-data').textContent)"
                ".nodes.findIndex(n => n.id === id)", node_id)

        def selected():
            return page.evaluate(
                "() => { const g = document.querySelector('g.node.selected');"
                " return g ? +g.getAttribute('data-i') : -1; }")

        page.goto(page_url)
        page.wait_for_selector("body[data-ready=true]", timeout=20000)
        summary["first_contentful_paint_ms"] = page.evaluate(
            "() => { const e = performance.getEntriesByName('first-contentful-paint')[0];"
            " return e ? e.startTime : null; }")
        summary["dom_content_loaded_ms"] = page.evaluate(
            "() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
        shot("1-loaded")

        drawn_nodes = page.locator("#nodes > g.node").count()
        drawn_edges = page.locator("#edges > path.edge").count()
        summary["drawn"] = [drawn_nodes, drawn_edges]
        check(drawn_nodes == spec["nodes"], f"drawn nodes {drawn_nodes} != graph's {spec['nodes']}")
        check(drawn_edges == spec["edges"], f"drawn edges {drawn_edges} != graph's {spec['edges']}")

        if "click" in spec:
            want = spec["click"]
            i = index_of(want["id"])
            check(i >= 0, f"no node {want['id']} in the page")
            page.click(f'#nodes > g.node[data-i="{i}"]')
            panel = page.inner_text("#panel")
            for text in want["expect_text"]:
                check(text in panel, f"panel of {want['id']} lacks {text!r}:\n{panel}")
            check(selected() == i, "the clicked node is not selected")
            check(f"#node={urllib.parse.quote(want['id'], safe='')}" in page.url
                  or f"#node={want['id']}" in page.url, f"the fragment does not name it: {page.url}")
            shot("2-clicked")
            # Keyboard: right goes downstream, left comes back.
            page.keyboard.press("ArrowRight")
            moved = selected()
            check(moved not in (-1, i), "ArrowRight did not select a downstream node")
            page.keyboard.press("ArrowLeft")
            check(selected() != -1, "ArrowLeft left nothing selected")
            page.keyboard.press("Escape")
            check(selected() == -1, "Escape did not clear the selection")

        if "highlight" in spec:
            want = spec["highlight"]
            i = index_of(want["id"])
            page.click(f'#nodes > g.node[data-i="{i}"]')
            lit = page.evaluate(
                "() => { const d = JSON.parse(document.getElementById('lineage-data').textContent);"
                " return [...document.querySelectorAll('#nodes > g.node.hl:not(.selected)')]"
                ".map(g => d.nodes[+g.getAttribute('data-i')]).filter(n => n.type === 'record')"
                ".map(n => n.id).sort(); }")
            check(lit == sorted(want["expect_ids"]),
                  f"highlighted records {lit} != impact's {sorted(want['expect_ids'])}")
            dimmed = page.evaluate(
                "() => getComputedStyle(document.querySelector('#nodes > g.node:not(.hl)') || document.body).opacity")
            check(want.get("all_lit") or float(dimmed) < 0.5, f"the rest is not dimmed (opacity {dimmed})")
            shot("3-highlighted")
            page.keyboard.press("Escape")

        if "search" in spec:
            want = spec["search"]
            i = index_of(want["expect_id"])
            page.fill("#search", want["query"])
            hits = page.evaluate(
                "() => [...document.querySelectorAll('#results button')].map(b => +b.getAttribute('data-i'))")
            check(i in hits, f"search {want['query']!r} does not list {want['expect_id']} ({hits})")
            shot("4-search")
            page.press("#search", "Enter")
            check(selected() == i, f"Enter after searching {want['query']!r} did not select it")
            page.fill("#search", "")

        if "filter" in spec:
            page.uncheck(f'input[data-filter="type:{spec["filter"]}"]')
            shown = page.evaluate(
                "t => { const d = JSON.parse(document.getElementById('lineage-data').textContent);"
                " return [...document.querySelectorAll('#nodes > g.node:not(.hidden)')]"
                ".filter(g => d.nodes[+g.getAttribute('data-i')].type === t).length; }", spec["filter"])
            check(shown == 0, f"{shown} {spec['filter']} nodes still shown after unticking them")
            shot("5-filtered")
            page.check(f'input[data-filter="type:{spec["filter"]}"]')

        if "inert" in spec:
            want = spec["inert"]
            i = index_of(want["id"])
            check(i >= 0, f"no node {want['id']}")
            page.click(f'#nodes > g.node[data-i="{i}"]')
            heading = page.inner_text("#panel h2")
            check(heading == want["name"], f"panel heading {heading!r} != the literal name")
            label = page.text_content(f'#nodes > g.node[data-i="{i}"] title')
            check(want["name"] in label, f"the box's title {label!r} lacks the literal name")
            check(page.locator("img").count() == 0, "an <img> element was created")
            check(page.evaluate("() => document.scripts.length") == 2, "a script element was injected")
            shot("6-inert")

        if "permalink" in spec:
            target = spec["permalink"]
            page.goto(page_url + "#node=" + urllib.parse.quote(target, safe=""))
            page.reload()
            page.wait_for_selector("body[data-ready=true]")
            i = index_of(target)
            check(selected() == i, f"#node={target} did not select it on load")
            shot("7-permalink")

        page.wait_for_timeout(100)
        check(not dialogs, f"dialogs opened: {dialogs}")
        check(not console, f"console errors: {console}")
        foreign = [u for u in requests if not u.startswith(page_url.split("#")[0])]
        check(not foreign, f"network requests: {foreign}")
        summary["requests"] = len(requests)
        browser.close()

    print(json.dumps(summary))
    if failures:
        for failure in failures:
            print("FAILED: " + failure, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
